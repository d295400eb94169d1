"""The dispatch interface the API talks to after it queues a job.

The database is the queue of record; a dispatcher only wakes workers early. The in-process
backend is :class:`i23d.jobs.local.LocalWorkers`; a broker-backed one (Celery over Redis) would
publish the job id instead. Workers also poll, so a lost wake-up only delays a job.
"""

from __future__ import annotations

from typing import Protocol


class Dispatcher(Protocol):
    """Something that gets workers to look at the queue now."""

    def notify(self) -> None:
        """A job was queued."""
