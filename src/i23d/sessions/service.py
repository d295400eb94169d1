"""Every session status transition, in one place, persisted through the database.

The API calls the request-side operations (create, preview, refine, regenerate, delete); the
workers call the job-side ones (claim, progress, finish, fail) and the reaper recovers jobs whose
worker died or whose time ran out. Each transition is one database transaction, so a crash at
any point leaves a state from which the reaper finishes the story. Listeners given to
:meth:`SessionService.on_status_change` hear of every change of a session's status, whichever
transition made it, inside the transaction that makes it.
"""

from __future__ import annotations

import builtins  # SessionService.list shadows list in its methods' annotations
import logging
import math
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from i23d.engine.animate.clips import CLIP_NAMES
from i23d.engine.export import FORMATS
from i23d.engine.reconstructors.registry import DEFAULT_RECONSTRUCTOR
from i23d.sessions.keys import Caller
from i23d.sessions.model import Job, SessionRecord, WebhookDelivery
from i23d.sessions.store import Database
from i23d.storage.base import Storage

log = logging.getLogger("i23d.sessions")

SPIN_PROCESSING = "spin_generate_processing"
SPIN_DONE = "spin_generate_done"
SPIN_FAILED = "spin_generate_failed"
PREVIEW_PROCESSING = "training_preview"
PREVIEW_DONE = "preview_done"
PREVIEW_FAILED = "preview_failed"
REFINING = "refining"
REFINE_DONE = "refine_done"
REFINE_FAILED = "refine_failed"
ANIMATING = "animating"
ANIMATE_DONE = "animate_done"
ANIMATE_FAILED = "animate_failed"

PROCESSING_STATUSES = frozenset({SPIN_PROCESSING, PREVIEW_PROCESSING, REFINING, ANIMATING})
PREVIEW_ALLOWED_FROM = frozenset(
    {
        SPIN_DONE,
        PREVIEW_DONE,
        PREVIEW_FAILED,
        REFINE_DONE,
        REFINE_FAILED,
        ANIMATE_DONE,
        ANIMATE_FAILED,
    }
)
REFINE_ALLOWED_FROM = frozenset(
    {PREVIEW_DONE, REFINE_DONE, REFINE_FAILED, ANIMATE_DONE, ANIMATE_FAILED}
)
REGENERATE_ALLOWED_FROM = frozenset(
    {
        SPIN_DONE,
        SPIN_FAILED,
        PREVIEW_DONE,
        PREVIEW_FAILED,
        REFINE_DONE,
        REFINE_FAILED,
        ANIMATE_DONE,
        ANIMATE_FAILED,
    }
)
# Animating needs a finished model (a preview, or a refine) and no job running.
ANIMATE_ALLOWED_FROM = frozenset(
    {PREVIEW_DONE, REFINE_DONE, REFINE_FAILED, ANIMATE_DONE, ANIMATE_FAILED}
)

# The job kinds, the session status while each runs, and the status when each fails.
JOB_SPINS = "spins"
JOB_PREVIEW = "preview"
JOB_REFINE = "refine"
JOB_ONESHOT = "oneshot"
JOB_ANIMATE = "animate"
RUNNING_STATUS = {
    JOB_SPINS: SPIN_PROCESSING,
    JOB_PREVIEW: PREVIEW_PROCESSING,
    JOB_REFINE: REFINING,
    JOB_ONESHOT: PREVIEW_PROCESSING,
    JOB_ANIMATE: ANIMATING,
}
FAILED_STATUS = {
    JOB_SPINS: SPIN_FAILED,
    JOB_PREVIEW: PREVIEW_FAILED,
    JOB_REFINE: REFINE_FAILED,
    JOB_ONESHOT: PREVIEW_FAILED,
    JOB_ANIMATE: ANIMATE_FAILED,
}

# session_status, the newest SDK's coarse view.
QUEUED, IN_PROGRESS, COMPLETE, FAILED, INCOMPLETE = (
    "queued",
    "in_progress",
    "complete",
    "failed",
    "incomplete",
)

# A change of either is a status change (webhooks, docs/api.md).
STATUS_FIELDS = ("status", "session_status")
StatusListener = Callable[[Session, SessionRecord], None]

# The fields a refine fills (every format's model fields): cleared when a new refine starts.
REFINE_FIELDS = frozenset(field for fmt in FORMATS.values() for field in fmt.model_fields)
ANIMATE_FIELDS = tuple(
    f"animated_{clip}_url{suffix}" for clip in CLIP_NAMES for suffix in ("", "_fbx")
)
# The model an animation is made from: the refined GLB if there is one, else the preview's.
ANIMATE_SOURCES = ("mesh_url_glb", "preview_mesh_url_glb")


SessionLikeRecord = SessionRecord | Row[Any]

_SESSIONS = SessionRecord.__table__
_BY_CODE = select(_SESSIONS).where(_SESSIONS.c.code == bindparam("code"))


class ServiceError(Exception):
    """A request that cannot be carried out; ``status`` is the HTTP status to answer with."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.data = data
        self.headers = headers or {}


@dataclass(frozen=True)
class SessionOptions:
    """The validated create-session request (the seed's parameters plus the SDKs' extras)."""

    image_url: str
    preview_mesh: str = "turbo"
    pixel_alignment: str = "highest"
    model_resolution: str = "high"
    diffusion_time_steps: int = 20
    auto_gen_3d: bool = False
    generate_preview_mesh: bool = False
    straight_through: bool = False
    manual_segmentation: bool = False
    topology: str = ""
    resolution: str = ""
    texture_resolution: int | None = None
    scaled_bbox: list[float] | None = None
    pivot_point: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    webhook_url: str = ""  # checked by the caller; "" for none
    base_url: str = ""  # where the request came to (the base of links in webhook payloads)


@dataclass(frozen=True)
class JobTicket:
    """A claimed job: everything a worker needs, detached from the database session."""

    job_id: int
    session_id: int
    code: str
    kind: str
    payload: dict[str, Any]
    attempt: int
    worker_id: str
    deadline_at: float
    input_key: str
    options: dict[str, Any]
    spin_generation: int


def new_session_code(now: float) -> str:
    """A session code in CSM's shape: ``SESSION_<unix seconds>_<7 random digits>``."""
    return f"SESSION_{int(now)}_{secrets.randbelow(10**7):07d}"


class SessionService:
    """Session and job transitions over one database and one artifact store."""

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
        # Jobs this service queues need this backend (animation needs none), and the jobs it
        # claims are those its worker's backend can run: workers with different backends can
        # share one database without taking each other's jobs.
        self.reconstructor = reconstructor
        self.storage = storage
        self.queue_limit = queue_limit
        self.key_queue_limits = dict(key_queue_limits or {})  # tier → queued jobs per key
        self.job_time_limit_s = job_time_limit_s
        self.max_attempts = max_attempts
        self.lease_s = lease_s
        self.workers_hint = max(1, workers_hint)

    # ---- reads -------------------------------------------------------------------------------

    def get(self, caller: Caller, code: str) -> Row[Any]:
        """The caller's session as a read-only row (one indexed read, no ORM); 404 if unknown,
        deleted or someone else's."""
        with self.db.reader() as connection:
            row = connection.execute(_BY_CODE, {"code": code}).first()
        if row is None or row.is_deleted or row.owner_id != caller.key_id:
            raise _not_found(code)
        return row

    def list(self, caller: Caller, limit: int, page: int) -> tuple[list[SessionRecord], int]:
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

    def queued_jobs(self, db: Any = None) -> int:
        """How many jobs wait for a worker (read in ``db`` if given)."""
        return self._count(select(func.count()).select_from(Job).where(Job.state == "queued"), db)

    def queued_jobs_of(self, key_id: int, db: Any = None) -> int:
        """How many jobs of one key's sessions wait for a worker (read in ``db`` if given)."""
        return self._count(
            select(func.count())
            .select_from(Job)
            .join(SessionRecord, SessionRecord.id == Job.session_id)
            .where(Job.state == "queued", SessionRecord.owner_id == key_id),
            db,
        )

    def _count(self, query: Any, db: Any) -> int:
        if db is not None:
            return int(db.scalar(query) or 0)
        with self.db.read() as reader:
            return int(reader.scalar(query) or 0)

    # ---- request-side transitions -------------------------------------------------------------

    def check_capacity(self, caller: Caller | None = None, db: Any = None) -> None:
        """429 with Retry-After when the caller's key has its tier's limit of queued jobs, or
        when the bounded queue as a whole is full. The message names the limit reached."""
        key_limit = self.key_queue_limits.get(caller.tier) if caller is not None else None
        if caller is not None and key_limit is not None:
            mine = self.queued_jobs_of(caller.key_id, db)
            if mine >= key_limit:
                retry = max(1, 5 * math.ceil((mine + 1) / self.workers_hint))
                raise ServiceError(
                    429,
                    f"this key has {mine} jobs waiting; the limit for {caller.tier} keys "
                    f"is {key_limit} queued jobs per key; retry in about {retry} s",
                    data={"limit": "per_key_queued_jobs", "queued": mine, "max": key_limit},
                    headers={"Retry-After": str(retry)},
                )
        queued = self.queued_jobs(db)
        if queued >= self.queue_limit:
            retry = max(1, 5 * math.ceil((queued + 1) / self.workers_hint))
            raise ServiceError(
                429,
                f"the job queue is full ({queued} waiting; the limit is "
                f"{self.queue_limit} queued jobs for the whole service); retry in about "
                f"{retry} s",
                data={"limit": "queued_jobs", "queued": queued, "max": self.queue_limit},
                headers={"Retry-After": str(retry)},
            )

    def create(
        self, caller: Caller, options: SessionOptions, image: bytes, image_suffix: str
    ) -> SessionRecord:
        """Store the input image and the session, and queue its first job, atomically enough
        that nothing the caller sent is lost: the image is stored before the row commits, and
        removed again if the row cannot be (queue limits, a full disk). The stored image is
        the record of what was sent: the row keeps its key and, for an http(s) ``image_url``,
        the URL, never a ``data:`` URI's bytes."""
        self.check_capacity(caller)
        now = time.time()
        code = new_session_code(now)
        input_key = f"{code}/input/image{image_suffix}"
        self.storage.put(input_key, image)
        if options.straight_through or options.generate_preview_mesh:
            kind = JOB_ONESHOT
        else:
            kind = JOB_SPINS
        record = SessionRecord(
            code=code,
            public_id=secrets.token_hex(12),
            output_id=str(uuid.uuid4()),
            owner_id=caller.key_id,
            tier_at_creation=caller.tier,
            status=RUNNING_STATUS[kind],
            session_status=QUEUED,
            percent_done=0.0,
            failure_reason="",
            image_url=source_url(options.image_url),
            input_key=input_key,
            preview_mesh=options.preview_mesh,
            pixel_alignment=options.pixel_alignment,
            model_resolution=options.model_resolution,
            diffusion_time_steps=options.diffusion_time_steps,
            auto_gen_3d=options.auto_gen_3d,
            generate_preview_mesh=options.generate_preview_mesh,
            straight_through=options.straight_through,
            manual_segmentation=options.manual_segmentation,
            topology=options.topology,
            resolution=options.resolution,
            texture_resolution=options.texture_resolution,
            scaled_bbox=options.scaled_bbox,
            pivot_point=list(options.pivot_point),
            webhook_url=options.webhook_url,
            base_url=options.base_url,
            spins=[],
            spin_generation=0,
            selected_spin_index=0,
            selected_spin="",
            artifacts={},
            is_deleted=False,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.db.session() as db:
                self.check_capacity(caller, db)  # again, under the write lock (SQLite)
                db.add(record)
                db.flush()
                payload = {"generation": 1} if kind == JOB_SPINS else {}
                self._enqueue(db, record.id, kind, payload, now)
        except BaseException:
            self.storage.delete_prefix(code)  # no row: keep no orphaned image either
            raise
        log.info("session created", extra={"session_code": code, "job": kind})
        return record

    def regenerate_spins(self, caller: Caller, code: str, changes: dict[str, Any]) -> SessionRecord:
        """A new set of spins (optionally with changed quality options)."""

        def apply(record: SessionRecord, now: float) -> tuple[str, dict[str, Any]]:
            self._require(record, REGENERATE_ALLOWED_FROM, "regenerate spins")
            for name, value in changes.items():
                setattr(record, name, value)
            record.status = SPIN_PROCESSING
            record.selected_spin = ""
            return JOB_SPINS, {"generation": record.spin_generation + 1}

        return self._request_job(caller, code, apply)

    def start_preview(
        self,
        caller: Caller,
        code: str,
        spin_index: int,
        selected_spin: str,
        scaled_bbox: builtins.list[float] | None,
        pivot_point: builtins.list[float] | None,
    ) -> tuple[SessionRecord, Job]:
        """Queue the preview mesh from spin ``spin_index``; remembers bbox and pivot."""

        def apply(record: SessionRecord, now: float) -> tuple[str, dict[str, Any]]:
            self._require(record, PREVIEW_ALLOWED_FROM, "make a preview")
            if not 0 <= spin_index < len(record.spins):
                raise ServiceError(
                    400,
                    f"selected_spin_index must be from 0 to "
                    f"{len(record.spins) - 1}; got {spin_index}",
                    field="selected_spin_index",
                )
            record.selected_spin_index = spin_index
            record.selected_spin = selected_spin
            _remember_placement(record, scaled_bbox, pivot_point)
            record.status = PREVIEW_PROCESSING
            record.artifacts = {k: v for k, v in record.artifacts.items() if k.startswith("spin")}
            return JOB_PREVIEW, {
                "spin_index": spin_index,
                "prior": record.spins[spin_index]["prior"],
            }

        return self._request_job(caller, code, apply, return_job=True)

    def start_refine(
        self,
        caller: Caller,
        code: str,
        scaled_bbox: builtins.list[float] | None,
        pivot_point: builtins.list[float] | None,
        topology: str = "",
        resolution: str = "",
        texture_resolution: int | None = None,
    ) -> tuple[SessionRecord, Job]:
        """Queue the refined mesh after a preview. A ``topology``, ``resolution`` or
        ``texture_resolution`` given (validated and authorized by the caller) replaces the
        session's, so the refine job uses it and GET shows it; one not given keeps the session's.
        """

        def apply(record: SessionRecord, now: float) -> tuple[str, dict[str, Any]]:
            self._require(record, REFINE_ALLOWED_FROM, "refine")
            if topology:
                record.topology = topology
            if resolution:
                record.resolution = resolution
            if texture_resolution is not None:
                record.texture_resolution = texture_resolution
            _remember_placement(record, scaled_bbox, pivot_point)
            record.status = REFINING
            record.artifacts = {
                k: v
                for k, v in record.artifacts.items()
                if k not in REFINE_FIELDS and k not in ANIMATE_FIELDS
            }
            return JOB_REFINE, {"prior": record.spins[record.selected_spin_index]["prior"]}

        return self._request_job(caller, code, apply, return_job=True)

    def animation_source(self, caller: Caller, code: str) -> str:
        """The storage key of the model an animation would start from (the newest: refined,
        else preview); 409 naming the status when there is none or a job is running."""
        record = self.get(caller, code)
        self._require(record, ANIMATE_ALLOWED_FROM, "animate")
        return _animation_source(record)

    def start_animate(
        self, caller: Caller, code: str, animations: builtins.list[str], rig: str
    ) -> tuple[SessionRecord, Job]:
        """Queue rigging and the ``animations`` clips (validated by the caller) of the
        session's newest model; the clips not asked for are left empty."""

        def apply(record: SessionRecord, now: float) -> tuple[str, dict[str, Any]]:
            self._require(record, ANIMATE_ALLOWED_FROM, "animate")
            source = _animation_source(record)
            record.status = ANIMATING
            record.artifacts = {
                k: v for k, v in record.artifacts.items() if k not in ANIMATE_FIELDS
            }
            return JOB_ANIMATE, {"animations": list(animations), "rig": rig, "model_key": source}

        return self._request_job(caller, code, apply, return_job=True)

    def delete(self, caller: Caller, code: str) -> int:
        """Mark the session deleted, cancel its jobs and remove its files."""
        with self.db.session() as db:
            record = self._owned(db, caller, code)
            record.is_deleted = True
            record.image_url = ""  # nothing of what the caller sent stays behind
            record.selected_spin = ""
            record.updated_at = time.time()
            db.execute(
                update(Job)
                .where(Job.session_id == record.id, Job.state.in_(("queued", "running")))
                .values(state="cancelled", finished_at=time.time(), error="session deleted")
            )
            db.execute(delete(WebhookDelivery).where(WebhookDelivery.session_id == record.id))
        removed = self.storage.delete_prefix(code)
        log.info("session deleted", extra={"session_code": code, "files": removed})
        return removed

    # ---- job-side transitions -----------------------------------------------------------------

    def claim(self, worker_id: str) -> JobTicket | None:
        """Take the oldest queued job atomically (one winner across threads and processes)."""
        now = time.time()
        with self.db.session() as db:
            job = db.scalar(
                select(Job)
                .where(Job.state == "queued", Job.reconstructor.in_(("", self.reconstructor)))
                .order_by(Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job is None:
                return None
            record = db.get(SessionRecord, job.session_id)
            assert record is not None
            job.state = "running"
            job.attempts += 1
            job.lease_owner = worker_id
            job.started_at = now
            job.heartbeat_at = now
            job.lease_expires_at = now + self.lease_s
            job.deadline_at = now + self.job_time_limit_s
            record.session_status = IN_PROGRESS
            record.percent_done = 0.0
            record.updated_at = now
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
                options=_options_of(record),
                spin_generation=record.spin_generation,
            )

    def heartbeat(self, worker_id: str, job_ids: builtins.list[int]) -> None:
        """Extend the leases of the jobs this worker is running."""
        if not job_ids:
            return
        now = time.time()
        with self.db.session() as db:
            db.execute(
                update(Job)
                .where(Job.id.in_(job_ids), Job.state == "running", Job.lease_owner == worker_id)
                .values(heartbeat_at=now, lease_expires_at=now + self.lease_s)
            )

    def report_progress(self, ticket: JobTicket, percent: float) -> bool:
        """Store ``percent_done``; False if the job is no longer this worker's to finish."""
        with self.db.session() as db:
            owned = db.scalar(
                select(Job.id).where(
                    Job.id == ticket.job_id,
                    Job.state == "running",
                    Job.lease_owner == ticket.worker_id,
                    Job.attempts == ticket.attempt,
                )
            )
            if owned is None:
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
        spins: builtins.list[dict[str, Any]] | None = None,
        chosen: int | None = None,
    ) -> bool:
        """Record a job's results and move the session on; False if the result is stale
        (the session was deleted, the job timed out or was taken over meanwhile)."""
        now = time.time()
        with self.db.session() as db:
            job = db.get(Job, ticket.job_id, with_for_update=True)  # row locks on PostgreSQL
            record = db.get(SessionRecord, ticket.session_id, with_for_update=True)
            if (
                job is None
                or record is None
                or record.is_deleted
                or job.state != "running"
                or job.lease_owner != ticket.worker_id
                or job.attempts != ticket.attempt
            ):
                return False
            job.state = "done"
            job.finished_at = now
            record.artifacts = {**record.artifacts, **artifacts}
            record.failure_reason = ""
            record.updated_at = now
            record.percent_done = 100.0
            if ticket.kind == JOB_SPINS:
                record.spins = spins or []
                record.spin_generation = int(ticket.payload["generation"])
                record.selected_spin_index = chosen or 0
                if record.auto_gen_3d and record.spin_generation == 1:
                    spin = record.spins[record.selected_spin_index]
                    record.status = PREVIEW_PROCESSING
                    record.session_status = QUEUED
                    record.percent_done = 0.0
                    self._enqueue(
                        db,
                        record.id,
                        JOB_PREVIEW,
                        {"spin_index": record.selected_spin_index, "prior": spin["prior"]},
                        now,
                    )
                else:
                    record.status = SPIN_DONE
                    record.session_status = INCOMPLETE
            elif ticket.kind == JOB_ONESHOT:
                record.spins = spins or []
                record.selected_spin_index = chosen or 0
                record.status = PREVIEW_DONE
                record.session_status = COMPLETE
            elif ticket.kind == JOB_PREVIEW:
                record.status = PREVIEW_DONE
                record.session_status = COMPLETE
                video = record.spins[record.selected_spin_index].get("video_key")
                if video:  # the chosen interpretation's turntable
                    record.artifacts = {**record.artifacts, "mp4_url": video}
            elif ticket.kind == JOB_ANIMATE:
                record.status = ANIMATE_DONE
                record.session_status = COMPLETE
            else:
                record.status = REFINE_DONE
                record.session_status = COMPLETE
            code, status = record.code, record.status
        log.info("job done", extra={"session_code": code, "job": ticket.kind, "status": status})
        return True

    def fail(self, ticket: JobTicket, reason: str) -> bool:
        """Fail the job and its session with ``reason``; False if the job was no longer ours."""
        with self.db.session() as db:
            job = db.get(Job, ticket.job_id, with_for_update=True)
            if (
                job is None
                or job.state != "running"
                or job.lease_owner != ticket.worker_id
                or job.attempts != ticket.attempt
            ):
                return False
            self._fail_job(db, job, reason, time.time())
        return True

    def release(self, ticket: JobTicket, reason: str) -> bool:
        """Put back in the queue a job this worker cannot finish for now (the disk is full),
        without counting the attempt; False if the job was no longer this worker's."""
        now = time.time()
        with self.db.session() as db:
            job = db.get(Job, ticket.job_id, with_for_update=True)
            if (
                job is None
                or job.state != "running"
                or job.lease_owner != ticket.worker_id
                or job.attempts != ticket.attempt
            ):
                return False
            job.state = "queued"
            job.lease_owner = ""
            job.attempts -= 1
            job.error = reason
            record = db.get(SessionRecord, job.session_id)
            if record is not None and not record.is_deleted:
                record.session_status = QUEUED
                record.percent_done = 0.0
                record.updated_at = now
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
            # PostgreSQL: lock the overdue rows; a row another reaper or a finishing worker
            # holds is skipped (SQLite: the IMMEDIATE transaction already excludes them).
            running = db.scalars(
                select(Job)
                .where(
                    Job.state == "running",
                    or_(
                        Job.lease_expires_at < now, and_(Job.deadline_at > 0, Job.deadline_at < now)
                    ),
                )
                .with_for_update(skip_locked=True)
            ).all()
            for job in running:
                if job.deadline_at and job.deadline_at < now:
                    self._fail_job(
                        db,
                        job,
                        f"timed out: the job ran past its limit of {self.job_time_limit_s:g} s",
                        now,
                    )
                    counts["timed_out"] += 1
                elif job.lease_expires_at < now:
                    record = db.get(SessionRecord, job.session_id)
                    if job.attempts < job.max_attempts and record and not record.is_deleted:
                        job.state = "queued"
                        job.lease_owner = ""
                        job.error = f"worker lost during attempt {job.attempts}; requeued"
                        record.session_status = QUEUED
                        record.percent_done = 0.0
                        record.updated_at = now
                        counts["requeued"] += 1
                        log.warning(
                            "job requeued", extra={"session_code": record.code, "job": job.kind}
                        )
                    else:
                        self._fail_job(
                            db,
                            job,
                            f"the worker stopped (server restart or crash) "
                            f"during attempt {job.attempts} of {job.max_attempts}",
                            now,
                        )
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

    def _enqueue(
        self, db: Any, session_id: int, kind: str, payload: dict[str, Any], now: float
    ) -> Job:
        job = Job(
            session_id=session_id,
            kind=kind,
            reconstructor="" if kind == JOB_ANIMATE else self.reconstructor,
            state="queued",
            payload=payload,
            attempts=0,
            max_attempts=self.max_attempts,
            created_at=now,
        )
        db.add(job)
        db.flush()
        return job

    def _fail_job(self, db: Any, job: Job, reason: str, now: float) -> None:
        job.state = "failed"
        job.error = reason
        job.finished_at = now
        record = db.get(SessionRecord, job.session_id)
        if record is None or record.is_deleted:
            return
        record.status = FAILED_STATUS[job.kind]
        record.session_status = FAILED
        record.failure_reason = reason
        record.updated_at = now
        log.warning(
            "job failed", extra={"session_code": record.code, "job": job.kind, "reason": reason}
        )

    def _owned(self, db: Any, caller: Caller, code: str) -> SessionRecord:
        record = db.scalar(
            select(SessionRecord).where(SessionRecord.code == code).with_for_update()
        )  # PostgreSQL: one request per session at a time
        if record is None or record.is_deleted or record.owner_id != caller.key_id:
            raise _not_found(code)
        return record

    @staticmethod
    def _require(record: SessionLikeRecord, allowed: frozenset[str], action: str) -> None:
        if record.status not in allowed:
            raise ServiceError(
                409,
                f"cannot {action} while the session status is {record.status!r}; "
                f"allowed when status is one of {', '.join(sorted(allowed))}",
                field="status",
                data={"status": record.status},
            )

    def _request_job(self, caller: Caller, code: str, apply: Any, return_job: bool = False) -> Any:
        now = time.time()
        with self.db.session() as db:
            record = self._owned(db, caller, code)
            kind, payload = apply(record, now)
            record.session_status = QUEUED
            record.percent_done = 0.0
            record.failure_reason = ""
            record.updated_at = now
            job = self._enqueue(db, record.id, kind, payload, now)
        log.info("job queued", extra={"session_code": code, "job": kind})
        return (record, job) if return_job else record


def source_url(image_url: str) -> str:
    """What a session row keeps of the ``image_url`` sent: an http(s) URL as given; for a
    ``data:`` URI nothing (the image itself is in storage under ``input_key``)."""
    return "" if image_url[:5].lower() == "data:" else image_url


def _not_found(code: str) -> ServiceError:
    shown = code if len(code) <= 64 else code[:64] + "…"
    return ServiceError(404, f"session {shown!r} not found", field="session_code")


def _status_changed(record: SessionRecord) -> bool:
    """Whether this flush changes the record's status fields (a new record's always do)."""
    attributes = inspect(record).attrs
    return any(attributes[name].history.has_changes() for name in STATUS_FIELDS)


def _options_of(record: SessionRecord) -> dict[str, Any]:
    return {
        "preview_mesh": record.preview_mesh,
        "pixel_alignment": record.pixel_alignment,
        "model_resolution": record.model_resolution,
        "diffusion_time_steps": record.diffusion_time_steps,
        "topology": record.topology,
        "resolution": record.resolution,
        "texture_resolution": record.texture_resolution,
        "scaled_bbox": record.scaled_bbox,
        "pivot_point": record.pivot_point,
        "straight_through": record.straight_through,
        "generate_preview_mesh": record.generate_preview_mesh,
    }


def _animation_source(record: SessionLikeRecord) -> str:
    """The newest model's GLB key; 409 when the session has none."""
    artifacts = record.artifacts or {}
    for name in ANIMATE_SOURCES:
        if name in artifacts:
            return str(artifacts[name])
    raise ServiceError(
        409,
        f"cannot animate: the session has no model yet (status "
        f"{record.status!r}); make a preview first",
        field="status",
        data={"status": record.status},
    )


def _remember_placement(
    record: SessionRecord, scaled_bbox: list[float] | None, pivot_point: list[float] | None
) -> None:
    """Keep the ``scaled_bbox`` and ``pivot_point`` a request gave for the session's meshes."""
    if scaled_bbox is not None:
        record.scaled_bbox = scaled_bbox
    if pivot_point is not None:
        record.pivot_point = pivot_point
