"""``i23d worker`` with ``dispatch=celery``: a Celery worker (prefork pool) whose every pool
process holds its own database connection, artifact store and engine, and a housekeeping thread
that heartbeats the running job's lease, reaps jobs whose worker died or overran, and re-sends
messages that were lost."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown
from sqlalchemy import func, select

from i23d.config import Settings
from i23d.jobs.celery_app import TASK_NAME, CeleryDispatcher, make_celery
from i23d.jobs.memory import freeze_startup_heap, release_job_memory
from i23d.runtime.services import Runtime
from i23d.sessions.model import Job
from i23d.sessions.statuses import JobState
from i23d.storage.space import is_storage_full

log = logging.getLogger("i23d.jobs")

LOST_MESSAGE_AFTER_S = 5.0  # a job queued this long while the broker queue is empty lost its


@dataclass
class _Config:
    settings: Settings
    app: Celery


_config: _Config | None = None
_process: PoolProcess | None = None


class PoolProcess:
    """What one pool process needs to run jobs, built after the fork."""

    def __init__(self, settings: Settings, app: Celery) -> None:
        self.settings = settings
        self.runtime = Runtime.open(settings)
        self.db = self.runtime.db
        self.service = self.runtime.service
        self.runner = self.runtime.job_runner()
        self.dispatcher = CeleryDispatcher(app, settings.job_queue)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.current_job: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._housekeep, name="i23d-housekeeping", daemon=True
        )
        self._thread.start()

    def run_one(self) -> str:
        """Claim the oldest queued job and run it to its end; idempotent for any message."""
        ticket = self.service.claim(self.worker_id)
        if ticket is None:
            return "no job waiting"
        self.current_job = ticket.job_id
        try:
            self.runner.run(ticket)
        except Exception as exc:
            if not is_storage_full(exc):
                raise
            # Not the job's fault: back to the queue (if this write fails too, the lease
            # lapses and the reaper requeues it once there is room).
            with contextlib.suppress(Exception):
                self.service.release(ticket, f"storage full: {exc}")
            return f"put job {ticket.job_id} back in the queue: storage full"
        finally:
            self.current_job = None
            release_job_memory()
        return f"ran job {ticket.job_id} ({ticket.kind}) of {ticket.code}"

    def resend_lost_messages(self, now: float | None = None) -> int:
        """If no message waits in the broker but jobs have waited in the database for longer
        than :data:`LOST_MESSAGE_AFTER_S`, publish one message per such job."""
        if self.dispatcher.queue_depth() > 0:
            return 0
        cutoff = (time.time() if now is None else now) - LOST_MESSAGE_AFTER_S
        with self.db.session() as db:
            waiting = int(
                db.scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(
                        Job.state == JobState.QUEUED,
                        Job.created_at < cutoff,
                        Job.reconstructor.in_(("", self.settings.reconstructor)),
                    )
                )
                or 0
            )
        if waiting:
            log.warning("re-sending %d lost job message(s)", waiting)
            self.dispatcher.notify(waiting)
        return waiting

    def stop(self) -> None:
        """Stop housekeeping and close the database connections."""
        self._stop.set()
        self._thread.join(5)
        self.runtime.close()

    def _housekeep(self) -> None:
        interval = max(0.2, self.settings.lease_s / 3)
        while not self._stop.wait(interval):
            try:
                job = self.current_job
                if job is not None:
                    self.service.heartbeat(self.worker_id, [job])
                self.service.reap()
                self.resend_lost_messages()
            except Exception:  # noqa: BLE001 - keep heartbeating through transient errors
                log.exception("housekeeping failed")


def run_job() -> str:
    """The Celery task: one message, at most one job."""
    if _process is None:
        raise RuntimeError("the pool process was not initialised")
    return _process.run_one()


@worker_process_init.connect
def _init_pool_process(**_: object) -> None:
    global _process
    if _config is not None:
        _process = PoolProcess(_config.settings, _config.app)
        freeze_startup_heap()  # the pool process's service and engine live as long as it


@worker_process_shutdown.connect
def _stop_pool_process(**_: object) -> None:
    if _process is not None:
        _process.stop()


def run_celery_worker(settings: Settings) -> int:
    """Run a Celery worker with ``settings.workers`` pool processes until it is stopped."""
    global _config
    app = make_celery(settings)
    app.task(name=TASK_NAME, max_retries=0)(run_job)
    _config = _Config(settings, app)
    concurrency = max(1, settings.workers)
    print(
        f"i23d worker: Celery, {concurrency} pool process(es) on queue "
        f"{settings.job_queue!r}, database {settings.resolved_database_url.split('@')[-1]}",
        flush=True,
    )
    worker = app.Worker(
        concurrency=concurrency,
        pool="prefork",
        queues=[settings.job_queue],
        hostname=f"i23d-{os.getpid()}@{socket.gethostname()}",
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        loglevel="WARNING",
        optimization="fair",
    )
    worker.start()
    return int(worker.exitcode or 0)
