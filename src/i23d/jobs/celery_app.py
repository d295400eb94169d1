"""Celery over Redis as the job dispatcher (``I23D_DISPATCH=celery``).

The database stays the queue of record; a message only says "a job is waiting". Its handler
claims the oldest queued job through the database (``FOR UPDATE SKIP LOCKED``), so a duplicate
message claims nothing and a message never runs a job twice. Messages that are lost (a broker
restart, a worker killed while holding one) are re-sent by the workers' sweeper when the broker
queue is empty while jobs still wait (:mod:`i23d.jobs.celery_worker`).

Time limits and retries are explicit: the job's own deadline (``job_time_limit_s``) fails it
with a reason; Celery's soft and hard limits back that up a little later; Celery never retries
a task itself (``max_retries=0``): a job whose worker died is retried by the database's attempt
count (``job_max_attempts``), then failed with the reason.
"""

from __future__ import annotations

import logging

from celery import Celery

from i23d.config import Settings

log = logging.getLogger("i23d.jobs")

TASK_NAME = "i23d.run_job"
SOFT_LIMIT_MARGIN_S = 15.0  # after the job's own deadline, Celery raises in the task
HARD_LIMIT_MARGIN_S = 30.0  # then kills the pool process
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def make_celery(settings: Settings) -> Celery:
    """A Celery app on ``settings.broker_url`` with i23d's delivery, limit and retry rules."""
    if not settings.broker_url:
        raise ValueError(
            "dispatch 'celery' needs a broker URL (I23D_BROKER_URL, e.g. redis://127.0.0.1:6379/0)"
        )
    app = Celery("i23d", broker=settings.broker_url, set_as_current=False)
    limit = settings.job_time_limit_s
    app.conf.update(
        task_default_queue=settings.queue_name,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # outcomes live in the database
        task_acks_late=True,  # a message is acknowledged after its job ended ...
        task_reject_on_worker_lost=True,  # ... and given back if the pool process died
        worker_prefetch_multiplier=1,  # a busy worker holds no other job's message
        task_soft_time_limit=limit + SOFT_LIMIT_MARGIN_S,
        task_time_limit=limit + HARD_LIMIT_MARGIN_S,
        # Redis: an unacknowledged message is delivered again after this long
        broker_transport_options={"visibility_timeout": int(limit + 2 * HARD_LIMIT_MARGIN_S)},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


class CeleryDispatcher:
    """Publishes one message per queued job; the API's and the sweeper's side of Celery."""

    def __init__(self, app: Celery, queue_name: str) -> None:
        self.app = app
        self.queue_name = queue_name

    def notify(self, count: int = 1) -> None:
        """Publish ``count`` job messages. A broker outage is logged, not raised: the job is
        already committed to the database and the sweeper re-sends its message later."""
        try:
            for _ in range(count):
                self.app.send_task(
                    TASK_NAME, queue=self.queue_name, retry=True, retry_policy=_PUBLISH_RETRY
                )
        except Exception:  # noqa: BLE001 - the database, not the broker, is the record
            log.warning(
                "could not publish a job message; the sweeper will re-send it", exc_info=True
            )

    def queue_depth(self) -> int:
        """Messages waiting in the broker queue (not yet taken by a worker)."""
        with self.app.connection_for_write() as connection:
            queue = self.app.amqp.queues[self.queue_name](connection.default_channel)
            return int(queue.queue_declare().message_count)  # declared as Celery declares it
