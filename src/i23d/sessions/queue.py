"""The lease-based job queue, on the database: jobs wait ``queued``; a worker takes the oldest
with a lease it renews by heartbeats and a deadline it must finish by; a lease that lapses means
the worker died, and the job is taken again until it runs out of attempts. The queue is bounded
as a whole and per API key by tier; a full queue answers 429 with Retry-After.

It moves only job rows, inside the caller's transaction; what each move means for the job's
session is the state machine's (:mod:`i23d.sessions.machine`), and
:class:`~i23d.sessions.service.SessionService` does both in one transaction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from i23d.engine.reconstructors.registry import DEFAULT_RECONSTRUCTOR
from i23d.sessions.errors import ServiceError
from i23d.sessions.job_options import JobOptions
from i23d.sessions.keys import Caller
from i23d.sessions.model import ApiKey, Job, SessionRecord
from i23d.sessions.statuses import JobKind, JobState
from i23d.sessions.store import Database


@dataclass(frozen=True)
class JobTicket:
    """A claimed job: everything a worker needs, detached from the database session."""

    job_id: int
    session_id: int
    code: str
    kind: JobKind
    payload: dict[str, Any]
    attempt: int
    worker_id: str
    deadline_at: float
    input_key: str
    options: JobOptions
    spin_generation: int


class JobQueue:
    """The jobs table as a bounded queue with leases, deadlines and attempts."""

    def __init__(
        self,
        db: Database,
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
        # Jobs this queue adds need this backend (animation needs none), and the jobs it hands
        # out are those its worker's backend can run: workers with different backends can
        # share one database without taking each other's jobs.
        self.reconstructor = reconstructor
        self.queue_limit = queue_limit
        self.key_queue_limits = dict(key_queue_limits or {})  # tier → queued jobs per key
        self.job_time_limit_s = job_time_limit_s
        self.max_attempts = max_attempts
        self.lease_s = lease_s
        self.workers_hint = max(1, workers_hint)

    # ---- how full it is ------------------------------------------------------------------------

    def queued(self, db: Session | None = None) -> int:
        """How many jobs wait for a worker (read in ``db`` if given)."""
        query = select(func.count()).select_from(Job).where(Job.state == JobState.QUEUED)
        return self._count(query, db)

    def queued_of(self, key_id: int, db: Session | None = None) -> int:
        """How many jobs of one key's sessions wait for a worker (read in ``db`` if given)."""
        return self._count(
            select(func.count())
            .select_from(Job)
            .join(SessionRecord, SessionRecord.id == Job.session_id)
            .where(Job.state == JobState.QUEUED, SessionRecord.owner_id == key_id),
            db,
        )

    def check_capacity(self, caller: Caller | None = None, db: Session | None = None) -> None:
        """429 with Retry-After when the caller's key has its tier's limit of queued jobs, or
        when the bounded queue as a whole is full. The message names the limit reached."""
        key_limit = self.key_queue_limits.get(caller.tier) if caller is not None else None
        if caller is not None and key_limit is not None:
            if db is not None:
                # The key's row, locked until this transaction ends: on PostgreSQL two API
                # processes creating for one key count and insert one after the other, so
                # together they cannot pass the limit (SQLite's write lock already does this).
                db.execute(select(ApiKey.id).where(ApiKey.id == caller.key_id).with_for_update())
            mine = self.queued_of(caller.key_id, db)
            if mine >= key_limit:
                retry = self._retry_after(mine)
                raise ServiceError(
                    429,
                    f"this key has {mine} jobs waiting; the limit for {caller.tier} keys "
                    f"is {key_limit} queued jobs per key; retry in about {retry} s",
                    data={"limit": "per_key_queued_jobs", "queued": mine, "max": key_limit},
                    headers={"Retry-After": str(retry)},
                )
        queued = self.queued(db)
        if queued >= self.queue_limit:
            retry = self._retry_after(queued)
            raise ServiceError(
                429,
                f"the job queue is full ({queued} waiting; the limit is "
                f"{self.queue_limit} queued jobs for the whole service); retry in about "
                f"{retry} s",
                data={"limit": "queued_jobs", "queued": queued, "max": self.queue_limit},
                headers={"Retry-After": str(retry)},
            )

    # ---- moves ---------------------------------------------------------------------------------

    def enqueue(
        self, db: Session, session_id: int, kind: JobKind, payload: dict[str, Any], now: float
    ) -> Job:
        """Add a job at the back of the queue."""
        job = Job(
            session_id=session_id,
            kind=kind,
            reconstructor="" if kind == JobKind.ANIMATE else self.reconstructor,
            state=JobState.QUEUED,
            payload=payload,
            attempts=0,
            max_attempts=self.max_attempts,
            created_at=now,
        )
        db.add(job)
        db.flush()
        return job

    def take(self, db: Session, worker_id: str, now: float) -> Job | None:
        """Lease the oldest queued job to ``worker_id`` (one winner across threads and
        processes), starting its attempt and its deadline; None when none waits."""
        job = db.scalar(
            select(Job)
            .where(Job.state == JobState.QUEUED, Job.reconstructor.in_(("", self.reconstructor)))
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if job is None:
            return None
        job.state = JobState.RUNNING
        job.attempts += 1
        job.lease_owner = worker_id
        job.started_at = now
        job.heartbeat_at = now
        job.lease_expires_at = now + self.lease_s
        job.deadline_at = now + self.job_time_limit_s
        return job

    def heartbeat(self, worker_id: str, job_ids: list[int], now: float) -> None:
        """Extend the leases of the jobs this worker is running."""
        if not job_ids:
            return
        with self.db.session() as db:
            db.execute(
                update(Job)
                .where(
                    Job.id.in_(job_ids),
                    Job.state == JobState.RUNNING,
                    Job.lease_owner == worker_id,
                )
                .values(heartbeat_at=now, lease_expires_at=now + self.lease_s)
            )

    def holds(self, db: Session, ticket: JobTicket) -> bool:
        """Whether the ticket's job is still this worker's, on this attempt (no lock)."""
        return db.scalar(select(Job.id).where(*_held(ticket))) is not None

    def held(self, db: Session, ticket: JobTicket) -> Job | None:
        """The ticket's job, row-locked, if it is still this worker's on this attempt."""
        return db.scalar(select(Job).where(*_held(ticket)).with_for_update())

    @staticmethod
    def complete(job: Job, now: float) -> None:
        """The job is done."""
        job.state = JobState.DONE
        job.finished_at = now

    @staticmethod
    def fail(job: Job, reason: str, now: float) -> None:
        """The job failed for good with ``reason``."""
        job.state = JobState.FAILED
        job.error = reason
        job.finished_at = now

    @staticmethod
    def put_back(job: Job, reason: str) -> None:
        """Back to the queue without counting the attempt (the worker could not run it)."""
        job.state = JobState.QUEUED
        job.lease_owner = ""
        job.attempts -= 1
        job.error = reason

    @staticmethod
    def requeue(job: Job) -> None:
        """Back to the queue after its worker was lost; the attempt counts."""
        job.state = JobState.QUEUED
        job.lease_owner = ""
        job.error = f"worker lost during attempt {job.attempts}; requeued"

    @staticmethod
    def cancel_session_jobs(db: Session, session_id: int, now: float) -> None:
        """Cancel a session's waiting and running jobs (a running one's result is dropped)."""
        db.execute(
            update(Job)
            .where(
                Job.session_id == session_id,
                Job.state.in_((JobState.QUEUED, JobState.RUNNING)),
            )
            .values(state=JobState.CANCELLED, finished_at=now, error="session deleted")
        )

    # ---- recovery ------------------------------------------------------------------------------

    def overdue(self, db: Session, now: float) -> Sequence[Job]:
        """Running jobs past their deadline or with a lapsed lease, row-locked. On PostgreSQL a
        row another reaper or a finishing worker holds is skipped (on SQLite the IMMEDIATE
        transaction already excludes them)."""
        return db.scalars(
            select(Job)
            .where(
                Job.state == JobState.RUNNING,
                or_(Job.lease_expires_at < now, and_(Job.deadline_at > 0, Job.deadline_at < now)),
            )
            .with_for_update(skip_locked=True)
        ).all()

    @staticmethod
    def past_deadline(job: Job, now: float) -> bool:
        """Whether the job ran past its deadline."""
        return bool(job.deadline_at) and job.deadline_at < now

    @staticmethod
    def can_retry(job: Job) -> bool:
        """Whether the job has attempts left."""
        return job.attempts < job.max_attempts

    def time_limit_reason(self) -> str:
        """The failure reason of a job that ran past its deadline."""
        return f"timed out: the job ran past its limit of {self.job_time_limit_s:g} s"

    @staticmethod
    def lost_worker_reason(job: Job) -> str:
        """The failure reason of a job whose worker stopped on its last attempt."""
        return (
            f"the worker stopped (server restart or crash) "
            f"during attempt {job.attempts} of {job.max_attempts}"
        )

    # ---- helpers -------------------------------------------------------------------------------

    def _retry_after(self, waiting: int) -> int:
        return max(1, 5 * math.ceil((waiting + 1) / self.workers_hint))

    def _count(self, query: Any, db: Session | None) -> int:
        if db is not None:
            return int(db.scalar(query) or 0)
        with self.db.read() as reader:
            return int(reader.scalar(query) or 0)


def _held(ticket: JobTicket) -> tuple[ColumnElement[bool], ...]:
    """The conditions under which a ticket's job is still its worker's to finish."""
    return (
        Job.id == ticket.job_id,
        Job.state == JobState.RUNNING,
        Job.lease_owner == ticket.worker_id,
        Job.attempts == ticket.attempt,
    )
