"""Celery dispatch against a real redis-server and PostgreSQL: publishing, queue depth,
duplicate messages that change nothing, lost messages re-sent, and a broker outage that does not
fail the request."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.scale.servers import SCALE_EXTRA_HINT, free_port

pytestmark = pytest.mark.scale
pytest.importorskip("celery", reason=f"the scale extra is not installed: {SCALE_EXTRA_HINT}")

from i23d.config import Settings  # noqa: E402
from i23d.jobs.celery_app import CeleryDispatcher, make_celery  # noqa: E402
from i23d.jobs.celery_worker import LOST_MESSAGE_AFTER_S, PoolProcess  # noqa: E402
from i23d.sessions.keys import Caller, create_key, find_caller  # noqa: E402
from i23d.sessions.model import Job  # noqa: E402
from i23d.sessions.service import SessionOptions  # noqa: E402
from tests.conftest import migrated  # noqa: E402

_queues = itertools.count()


@pytest.fixture
def settings(postgres_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return migrated(
        Settings(
            data_dir=tmp_path / "data",
            database_url=postgres_url,
            dispatch="celery",
            broker_url=redis_url,
            queue_name=f"i23d.test.{next(_queues)}",
            lease_s=3.0,
            workers=1,
        )
    )


@pytest.fixture
def pool_process(settings: Settings) -> Iterator[PoolProcess]:
    process = PoolProcess(settings, make_celery(settings))
    yield process
    process.stop()


@pytest.fixture
def caller(pool_process: PoolProcess) -> Caller:
    found = find_caller(pool_process.db, create_key(pool_process.db, "standard"))
    assert found is not None
    return found


def test_each_notify_is_one_message_in_the_queue(settings: Settings) -> None:
    dispatcher = CeleryDispatcher(make_celery(settings), settings.queue_name)
    assert dispatcher.queue_depth() == 0
    dispatcher.notify()
    dispatcher.notify(2)
    assert dispatcher.queue_depth() == 3


def test_a_duplicate_message_changes_nothing(pool_process: PoolProcess, caller: Caller) -> None:
    record = pool_process.service.create(
        caller, SessionOptions(image_url="data:,"), b"these bytes are not an image", ".png"
    )
    assert pool_process.run_one().startswith("ran job")
    failed = pool_process.service.get(caller, record.code)
    assert failed.session_status == "failed"
    assert failed.failure_reason.startswith("image:")
    assert pool_process.run_one() == "no job waiting"  # the same message delivered again
    again = pool_process.service.get(caller, record.code)
    assert (again.status, again.failure_reason) == (failed.status, failed.failure_reason)


def test_lost_messages_are_resent_once_the_queue_is_empty(
    pool_process: PoolProcess, caller: Caller
) -> None:
    for _ in range(2):  # queued in the database, never published
        pool_process.service.create(caller, SessionOptions(image_url="data:,"), b"x", ".png")
    assert pool_process.resend_lost_messages() == 0  # too young to be called lost
    with pool_process.db.session() as db:
        db.execute(update(Job).values(created_at=time.time() - LOST_MESSAGE_AFTER_S - 1))
    assert pool_process.resend_lost_messages() == 2
    assert pool_process.dispatcher.queue_depth() == 2
    assert pool_process.resend_lost_messages() == 0  # messages wait: nothing is lost


def test_a_broker_outage_does_not_fail_the_publisher(settings: Settings) -> None:
    down = settings.model_copy(update={"broker_url": f"redis://127.0.0.1:{free_port()}/0"})
    started = time.monotonic()
    CeleryDispatcher(make_celery(down), down.queue_name).notify()
    assert time.monotonic() - started < 30
