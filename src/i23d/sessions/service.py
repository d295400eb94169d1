"""Every session operation, persisted through the database: each is one transaction that moves
the session (:mod:`i23d.sessions.machine`) and its job (:mod:`i23d.sessions.queue`) together.

The API calls the request-side operations (create, preview, refine, regenerate, animate,
delete); the workers call the job-side ones (claim, progress, finish, fail) and the reaper
recovers jobs whose worker died or whose time ran out. A crash at any point leaves a state from
which the reaper finishes the story. Listeners given to :meth:`SessionService.on_status_change`
hear of every change of a session's status, whichever operation made it, inside the transaction
that makes it.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Row, bindparam, delete, event, func, inspect, select, update
from sqlalchemy.orm import Session

from i23d.engine.reconstructors.registry import DEFAULT_RECONSTRUCTOR
from i23d.sessions import machine
from i23d.sessions.errors import ServiceError
from i23d.sessions.job_options import JobOptions
from i23d.sessions.keys import Caller
from i23d.sessions.machine import NextJob
from i23d.sessions.model import Job, SessionRecord, WebhookDelivery
from i23d.sessions.queue import JobQueue, JobTicket
from i23d.sessions.store import Database
from i23d.storage.base import Storage

log = logging.getLogger("i23d.sessions")

StatusListener = Callable[[Session, SessionRecord], None]

_SESSIONS = SessionRecord.__table__
_BY_CODE = select(_SESSIONS).where(_SESSIONS.c.code == bindparam("code"))


@dataclass(frozen=True)
class SessionOptions:
    """The validated create-session request: the image, the options its jobs run with, and
    the flow it takes."""

    image_url: str
    job_options: JobOptions = field(default_factory=JobOptions)
    auto_gen_3d: bool = False
    generate_preview_mesh: bool = False
    straight_through: bool = False
    manual_segmentation: bool = False
    webhook_url: str = ""  # checked by the caller; "" for none
    base_url: str = ""  # where the request came to (the base of links in webhook payloads)


def new_session_code(now: float) -> str:
    """A session code in CSM's shape: ``SESSION_<unix seconds>_<7 random digits>``."""
    return f"SESSION_{int(now)}_{secrets.randbelow(10**7):07d}"


class SessionService:
    """Session and job operations over one database, its job queue and one artifact store."""

    def __init__(
        self,
        db: Database,
        storage: Storage,
        *,
        queue_limit: int,
        job_time_limit_s: float,
        max_attempts: int,
        lease_s: float,
        workers_hint: int = 1,
        key_queue_limits: Mapping[str, int] | None = None,
        reconstructor: str = DEFAULT_RECONSTRUCTOR,
    ) -> None:
        self.db = db
        self.storage = storage
        self.queue = JobQueue(
            db,
            queue_limit=queue_limit,
            job_time_limit_s=job_time_limit_s,
            max_attempts=max_attempts,
            lease_s=lease_s,
            workers_hint=workers_hint,
            key_queue_limits=key_queue_limits,
            reconstructor=reconstructor,
        )

    # ---- reads -------------------------------------------------------------------------------

    def get(self, caller: Caller, code: str) -> Row[Any]:
        """The caller's session as a read-only row (one indexed read, no ORM); 404 if unknown,
        deleted or someone else's."""
        with self.db.reader() as connection:
            row = connection.execute(_BY_CODE, {"code": code}).first()
        if row is None or row.is_deleted or row.owner_id != caller.key_id:
            raise _not_found(code)
        return row

    def sessions_page(
        self, caller: Caller, limit: int, page: int
    ) -> tuple[list[SessionRecord], int]:
        """One page of the caller's sessions, newest first, and the caller's total."""
        mine = (SessionRecord.owner_id == caller.key_id, SessionRecord.is_deleted.is_(False))
        with self.db.read() as db:
            total = db.scalar(select(func.count()).select_from(SessionRecord).where(*mine)) or 0
            rows = db.scalars(
                select(SessionRecord)
                .where(*mine)
                .order_by(SessionRecord.id.desc())
                .limit(limit)
                .offset((page - 1) * limit)
            ).all()
        return list(rows), int(total)

    def queued_jobs(self) -> int:
        """How many jobs wait for a worker."""
        return self.queue.queued()

    def check_capacity(self, caller: Caller | None = None) -> None:
        """429 with Retry-After when the caller's key or the whole queue has its limit of
        queued jobs (:meth:`JobQueue.check_capacity`)."""
        self.queue.check_capacity(caller)

    # ---- request-side operations --------------------------------------------------------------

    def create(
        self, caller: Caller, options: SessionOptions, image: bytes, image_suffix: str
    ) -> SessionRecord:
        """Store the input image and the session, and queue its first job, atomically enough
        that nothing the caller sent is lost: the image is stored before the row commits, and
        removed again if the row cannot be (queue limits, a full disk). The stored image is
        the record of what was sent: the row keeps its key and, for an http(s) ``image_url``,
        the URL, never a ``data:`` URI's bytes."""
        self.queue.check_capacity(caller)
        now = time.time()
        code = new_session_code(now)
        input_key = f"{code}/input/image{image_suffix}"
        self.storage.put(input_key, image)
        first = machine.first_job(options.straight_through or options.generate_preview_mesh)
        record = SessionRecord(
            code=code,
            public_id=secrets.token_hex(12),
            output_id=str(uuid.uuid4()),
            owner_id=caller.key_id,
            tier_at_creation=caller.tier,
            image_url=source_url(options.image_url),
            input_key=input_key,
            **options.job_options.columns(),
            auto_gen_3d=options.auto_gen_3d,
            generate_preview_mesh=options.generate_preview_mesh,
            straight_through=options.straight_through,
            manual_segmentation=options.manual_segmentation,
            webhook_url=options.webhook_url,
            base_url=options.base_url,
            spins=[],
            spin_generation=0,
            selected_spin_index=0,
            selected_spin="",
            artifacts={},
            is_deleted=False,
            created_at=now,
        )
        machine.job_queued(record, first.kind, now)
        try:
            with self.db.session() as db:
                self.queue.check_capacity(caller, db)  # again, under the write lock (SQLite)
                db.add(record)
                db.flush()
                self.queue.enqueue(db, record.id, first.kind, first.payload, now)
        except BaseException:
            self.storage.delete_prefix(code)  # no row: keep no orphaned image either
            raise
        log.info("session created", extra={"session_code": code, "job": first.kind})
        return record

    def regenerate_spins(
        self, caller: Caller, code: str, changes: Mapping[str, Any]
    ) -> SessionRecord:
        """A new set of spins, with the job options in ``changes`` (by name) changed."""

        def apply(record: SessionRecord) -> NextJob:
            next_job = machine.request_spins(record)
            _change_options(record, changes)
            return next_job

        return self._request_job(caller, code, apply)[0]

    def start_preview(
        self,
        caller: Caller,
        code: str,
        spin_index: int,
        selected_spin: str,
        scaled_bbox: list[float] | None,
        pivot_point: list[float] | None,
    ) -> tuple[SessionRecord, Job]:
        """Queue the preview mesh from spin ``spin_index``; remembers bbox and pivot."""

        def apply(record: SessionRecord) -> NextJob:
            next_job = machine.request_preview(record, spin_index, selected_spin)
            _change_options(record, _given(scaled_bbox=scaled_bbox, pivot_point=pivot_point))
            return next_job

        return self._request_job(caller, code, apply)

    def start_refine(
        self,
        caller: Caller,
        code: str,
        scaled_bbox: list[float] | None,
        pivot_point: list[float] | None,
        topology: str = "",
        resolution: str = "",
        texture_resolution: int | None = None,
    ) -> tuple[SessionRecord, Job]:
        """Queue the refined mesh after a preview. A ``topology``, ``resolution`` or
        ``texture_resolution`` given (validated and authorized by the caller) replaces the
        session's, so the refine job uses it and GET shows it; one not given keeps the session's.
        """

        def apply(record: SessionRecord) -> NextJob:
            next_job = machine.request_refine(record)
            _change_options(
                record,
                _given(
                    topology=topology or None,
                    resolution=resolution or None,
                    texture_resolution=texture_resolution,
                    scaled_bbox=scaled_bbox,
                    pivot_point=pivot_point,
                ),
            )
            return next_job

        return self._request_job(caller, code, apply)

    def animation_source(self, caller: Caller, code: str) -> str:
        """The storage key of the model an animation would start from (the newest: refined,
        else preview); 409 naming the status when there is none or a job is running."""
        record = self.get(caller, code)
        machine.require(record, machine.ANIMATE_ALLOWED_FROM, "animate")
        return machine.animation_source(record)

    def start_animate(
        self, caller: Caller, code: str, animations: list[str], rig: str
    ) -> tuple[SessionRecord, Job]:
        """Queue rigging and the ``animations`` clips (validated by the caller) of the
        session's newest model; the clips not asked for are left empty."""
        return self._request_job(
            caller, code, lambda record: machine.request_animation(record, animations, rig)
        )

    def delete(self, caller: Caller, code: str) -> int:
        """Mark the session deleted, cancel its jobs and remove its files."""
        now = time.time()
        with self.db.session() as db:
            record = self._owned(db, caller, code)
            record.is_deleted = True
            record.image_url = ""  # nothing of what the caller sent stays behind
            record.selected_spin = ""
            record.updated_at = now
            self.queue.cancel_session_jobs(db, record.id, now)
            db.execute(delete(WebhookDelivery).where(WebhookDelivery.session_id == record.id))
        removed = self.storage.delete_prefix(code)
        log.info("session deleted", extra={"session_code": code, "files": removed})
        return removed

    # ---- job-side operations ------------------------------------------------------------------

    def claim(self, worker_id: str) -> JobTicket | None:
        """Take the oldest queued job atomically (one winner across threads and processes)."""
        now = time.time()
        with self.db.session() as db:
            job = self.queue.take(db, worker_id, now)
            if job is None:
                return None
            record = db.get(SessionRecord, job.session_id)
            assert record is not None
            machine.job_started(record, now)
            return JobTicket(
                job_id=job.id,
                session_id=record.id,
                code=record.code,
                kind=job.kind,
                payload=dict(job.payload),
                attempt=job.attempts,
                worker_id=worker_id,
                deadline_at=job.deadline_at,
                input_key=record.input_key,
                options=JobOptions.of(record),
                spin_generation=record.spin_generation,
            )

    def heartbeat(self, worker_id: str, job_ids: list[int]) -> None:
        """Extend the leases of the jobs this worker is running."""
        self.queue.heartbeat(worker_id, job_ids, time.time())

    def report_progress(self, ticket: JobTicket, percent: float) -> bool:
        """Store ``percent_done``; False if the job is no longer this worker's to finish."""
        with self.db.session() as db:
            if not self.queue.holds(db, ticket):
                return False
            db.execute(
                update(SessionRecord)
                .where(SessionRecord.id == ticket.session_id)
                .values(percent_done=round(min(max(percent, 0.0), 99.0), 1), updated_at=time.time())
            )
        return True

    def finish(
        self,
        ticket: JobTicket,
        *,
        artifacts: dict[str, str],
        spins: list[dict[str, Any]] | None = None,
        chosen: int | None = None,
    ) -> bool:
        """Record a job's results and move the session on; False if the result is stale
        (the session was deleted, the job timed out or was taken over meanwhile)."""
        now = time.time()
        with self.db.session() as db:
            job = self.queue.held(db, ticket)  # row locks on PostgreSQL
            record = db.get(SessionRecord, ticket.session_id, with_for_update=True)
            if job is None or record is None or record.is_deleted:
                return False
            self.queue.complete(job, now)
            next_job = machine.job_finished(
                record, ticket.kind, ticket.payload, artifacts, spins, chosen, now
            )
            if next_job is not None:
                machine.job_queued(record, next_job.kind, now)
                self.queue.enqueue(db, record.id, next_job.kind, next_job.payload, now)
            code, status = record.code, record.status
        log.info("job done", extra={"session_code": code, "job": ticket.kind, "status": status})
        return True

    def fail(self, ticket: JobTicket, reason: str) -> bool:
        """Fail the job and its session with ``reason``; False if the job was no longer ours."""
        with self.db.session() as db:
            job = self.queue.held(db, ticket)
            if job is None:
                return False
            self._fail_job(db, job, reason, time.time())
        return True

    def time_out(self, ticket: JobTicket) -> bool:
        """Fail a job that ran past its deadline; False if it was no longer ours."""
        return self.fail(ticket, self.queue.time_limit_reason())

    def release(self, ticket: JobTicket, reason: str) -> bool:
        """Put back in the queue a job this worker cannot finish for now (the disk is full),
        without counting the attempt; False if the job was no longer this worker's."""
        now = time.time()
        with self.db.session() as db:
            job = self.queue.held(db, ticket)
            if job is None:
                return False
            self.queue.put_back(job, reason)
            record = db.get(SessionRecord, job.session_id)
            if record is not None and not record.is_deleted:
                machine.job_requeued(record, now)
        log.warning(
            "job put back in the queue: %s",
            reason,
            extra={"session_code": ticket.code, "job": ticket.kind},
        )
        return True

    def discard_if_deleted(self, ticket: JobTicket) -> bool:
        """After a dropped result: if the session was deleted meanwhile, remove the files the
        job wrote after the deletion. True if it did."""
        with self.db.read() as db:
            deleted = db.scalar(
                select(SessionRecord.is_deleted).where(SessionRecord.id == ticket.session_id)
            )
        if deleted:
            self.storage.delete_prefix(ticket.code)
        return bool(deleted)

    def reap(self) -> dict[str, int]:
        """Recover from dead workers and overruns: fail jobs past their deadline, requeue (or,
        out of attempts, fail) running jobs whose lease lapsed. Safe to run from any process."""
        now = time.time()
        counts = {"timed_out": 0, "requeued": 0, "abandoned": 0}
        with self.db.session() as db:
            for job in self.queue.overdue(db, now):
                if self.queue.past_deadline(job, now):
                    self._fail_job(db, job, self.queue.time_limit_reason(), now)
                    counts["timed_out"] += 1
                    continue
                record = db.get(SessionRecord, job.session_id)
                if self.queue.can_retry(job) and record is not None and not record.is_deleted:
                    self.queue.requeue(job)
                    machine.job_requeued(record, now)
                    counts["requeued"] += 1
                    log.warning(
                        "job requeued", extra={"session_code": record.code, "job": job.kind}
                    )
                else:
                    self._fail_job(db, job, self.queue.lost_worker_reason(job), now)
                    counts["abandoned"] += 1
        return counts

    # ---- listening -----------------------------------------------------------------------------

    def on_status_change(self, listener: StatusListener) -> None:
        """Call ``listener(db, record)`` for each session whose ``status`` or ``session_status``
        a unit of work changes (a new session's first status included). It runs when the change
        is flushed, inside the same transaction: what it writes through ``db.connection()``
        commits with the change, or not at all. Watching the flush, not each transition, means
        no transition (present or future) can forget to report."""

        def after_flush(db: Session, _context: Any) -> None:
            for record in (*db.new, *db.dirty):
                if isinstance(record, SessionRecord) and _status_changed(record):
                    listener(db, record)

        event.listen(self.db.sessions, "after_flush", after_flush)

    # ---- helpers -----------------------------------------------------------------------------

    def _fail_job(self, db: Session, job: Job, reason: str, now: float) -> None:
        self.queue.fail(job, reason, now)
        record = db.get(SessionRecord, job.session_id)
        if record is None or record.is_deleted:
            return
        machine.job_failed(record, job.kind, reason, now)
        log.warning(
            "job failed", extra={"session_code": record.code, "job": job.kind, "reason": reason}
        )

    def _owned(self, db: Session, caller: Caller, code: str) -> SessionRecord:
        record = db.scalar(
            select(SessionRecord).where(SessionRecord.code == code).with_for_update()
        )  # PostgreSQL: one request per session at a time
        if record is None or record.is_deleted or record.owner_id != caller.key_id:
            raise _not_found(code)
        return record

    def _request_job(
        self, caller: Caller, code: str, apply: Callable[[SessionRecord], NextJob]
    ) -> tuple[SessionRecord, Job]:
        """Lock the caller's session, let ``apply`` move it, and queue the job it asks for."""
        now = time.time()
        with self.db.session() as db:
            record = self._owned(db, caller, code)
            kind, payload = apply(record)
            machine.job_queued(record, kind, now)
            job = self.queue.enqueue(db, record.id, kind, payload, now)
        log.info("job queued", extra={"session_code": code, "job": kind})
        return record, job


def source_url(image_url: str) -> str:
    """What a session row keeps of the ``image_url`` sent: an http(s) URL as given; for a
    ``data:`` URI nothing (the image itself is in storage under ``input_key``)."""
    return "" if image_url[:5].lower() == "data:" else image_url


def _given(**values: Any) -> dict[str, Any]:
    """The values a request gave (``None``: not given, keep the session's)."""
    return {name: value for name, value in values.items() if value is not None}


def _change_options(record: SessionRecord, changes: Mapping[str, Any]) -> None:
    """Replace the session's job options named in ``changes`` (unknown names raise)."""
    if changes:
        options = replace(JobOptions.of(record), **changes)
        for name, value in options.columns().items():
            setattr(record, name, value)


def _not_found(code: str) -> ServiceError:
    shown = code if len(code) <= 64 else code[:64] + "…"
    return ServiceError(404, f"session {shown!r} not found", field="session_code")


def _status_changed(record: SessionRecord) -> bool:
    """Whether this flush changes the record's status fields (a new record's always do)."""
    attributes = inspect(record).attrs
    return any(attributes[name].history.has_changes() for name in machine.STATUS_FIELDS)
