"""In-process workers: threads that claim jobs from the database, heartbeat their leases, and
periodically reap jobs whose worker died or whose time ran out.

A worker never dies from one job: whatever a job or a database write raises is logged and the
thread goes on. When the disk is full a worker puts its job back in the queue (retrying that
write until it lands) and claims nothing until the data directory has room again."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from i23d.jobs.memory import release_job_memory
from i23d.jobs.work import JobRunner
from i23d.sessions.queue import JobTicket
from i23d.sessions.service import SessionService
from i23d.storage.space import DiskSpace, is_storage_full

log = logging.getLogger("i23d.jobs")


class LocalWorkers:
    """``count`` engine threads plus one housekeeping thread (heartbeats and reaping)."""

    def __init__(
        self,
        service: SessionService,
        runner: JobRunner,
        count: int,
        poll_s: float = 0.5,
        disk: DiskSpace | None = None,
        max_backoff_s: float = 10.0,
    ) -> None:
        self.service = service
        self.runner = runner
        self.count = count
        self.poll_s = poll_s
        self.disk = disk
        self.max_backoff_s = max_backoff_s
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        prefix = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.worker_ids = [f"{prefix}:{i}" for i in range(count)]

    def start(self) -> None:
        """Recover what a previous run left behind, then start the threads."""
        recovered = self.service.reap()
        if any(recovered.values()):
            log.warning("recovered jobs at start: %s", recovered)
        for worker_id in self.worker_ids:
            thread = threading.Thread(
                target=self._work,
                args=(worker_id,),
                name=f"i23d-worker-{worker_id.rsplit(':', 1)[-1]}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        housekeeping = threading.Thread(
            target=self._housekeep, name="i23d-housekeeping", daemon=True
        )
        housekeeping.start()
        self._threads.append(housekeeping)

    def alive(self) -> int:
        """How many engine threads are running (``count`` unless one died or they stopped)."""
        return sum(1 for t in self._threads if t.name.startswith("i23d-worker") and t.is_alive())

    def notify(self) -> None:
        """Wake an idle worker now (a job was queued)."""
        with self._wake:
            self._wake.notify()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the threads to stop after their current job; wait up to ``timeout`` each."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def _work(self, worker_id: str) -> None:
        while not self._stop.is_set():
            ticket = self._claim(worker_id)
            if ticket is None:
                with self._wake:
                    self._wake.wait(self.poll_s)
                continue
            with self._lock:
                self._running[worker_id] = ticket.job_id
            try:
                self.runner.run(ticket)
            except Exception as exc:  # noqa: BLE001 - one job must never kill the worker
                if is_storage_full(exc):
                    self._put_back(ticket, f"storage full: {exc}")
                else:
                    log.exception(
                        "job ended with an error the runner could not record",
                        extra={"session_code": ticket.code, "job": ticket.kind},
                    )
            finally:
                with self._lock:
                    self._running.pop(worker_id, None)
                release_job_memory()

    def _claim(self, worker_id: str) -> JobTicket | None:
        """The next job, or None: none queued, the disk under its floor, or the database
        unreachable (logged; the caller waits and tries again)."""
        if self.disk is not None and self.disk.is_low():
            return None
        try:
            return self.service.claim(worker_id)
        except Exception:  # noqa: BLE001 - a database hiccup must not kill the worker
            log.exception("claim failed")
            return None

    def _put_back(self, ticket: JobTicket, reason: str) -> None:
        """Return the job to the queue, retrying the write with backoff while the disk stays
        full (the job keeps its lease meanwhile; if that lapses the reaper requeues it)."""
        delay = self.poll_s
        while not self._stop.is_set():
            try:
                self.service.release(ticket, reason)
                return
            except Exception as exc:  # noqa: BLE001 - retried until the write lands
                log.warning(
                    "could not put the job back yet (%s); retrying in %.1f s",
                    exc,
                    delay,
                    extra={"session_code": ticket.code},
                )
            self._stop.wait(delay)
            delay = min(delay * 2, self.max_backoff_s)

    def _housekeep(self) -> None:
        interval = max(0.2, self.service.queue.lease_s / 3)
        while not self._stop.wait(interval):
            try:
                with self._lock:
                    running = dict(self._running)
                for worker_id, job_id in running.items():
                    self.service.heartbeat(worker_id, [job_id])
                self.service.reap()
            except Exception:  # noqa: BLE001 - keep heartbeating through transient errors
                log.exception("housekeeping failed")
