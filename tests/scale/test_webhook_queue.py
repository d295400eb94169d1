"""The delivery queue on SQLite and a real PostgreSQL: a delivery per status change, written in
the change's transaction; deliverers on many threads take each due delivery exactly once; one
session's deliveries wait for the one before; attempts and backoff are recorded."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from i23d.sessions.keys import Caller, create_key, find_caller
from i23d.sessions.service import SessionOptions, SessionService
from i23d.storage.local import LocalStorage
from i23d.webhooks.key_settings import make_webhook_secret
from i23d.webhooks.queue import DeliveryQueue, WebhookOutbox
from tests.conftest import migrated_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scale)])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionService]:
    url = (
        f"sqlite:///{tmp_path / 'db.sqlite3'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    db = migrated_database(url)
    service = SessionService(
        db,
        LocalStorage(tmp_path / "files"),
        queue_limit=1000,
        job_time_limit_s=60,
        max_attempts=2,
        lease_s=30,
    )
    service.on_status_change(
        WebhookOutbox(
            lambda record, user_id: {
                "session_code": record.code,
                "status": record.status,
                "session_status": record.session_status,
                "user": user_id,
            }
        )
    )
    yield service
    db.dispose()


@pytest.fixture
def caller(service: SessionService) -> Caller:
    found = find_caller(service.db, create_key(service.db, "standard"))
    assert found is not None
    make_webhook_secret(service.db, found.key_id)
    return found


def _create(service: SessionService, caller: Caller, webhook_url: str = "http://h/x") -> str:
    return service.create(
        caller, SessionOptions(image_url="http://x/y.png", webhook_url=webhook_url), b"PNG", ".png"
    ).code


def test_each_due_delivery_is_taken_once_across_threads(service, caller) -> None:  # type: ignore[no-untyped-def]
    codes = [_create(service, caller) for _ in range(24)]
    _create(service, caller, webhook_url="")  # no URL: no delivery
    queue = DeliveryQueue(service.db)
    taken: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def deliverer() -> None:
        start.wait()
        while batch := queue.take_due(3, hold_s=60):
            with lock:
                taken.extend(d.id for d in batch)
            for delivery in batch:
                assert delivery.secret.startswith("whsec_") and delivery.attempt == 1
                queue.record_attempt(
                    delivery.id, {"at": time.time(), "status_code": 204, "error": ""}, True, None
                )

    threads = [threading.Thread(target=deliverer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(taken) == 24 and set(Counter(taken).values()) == {1}
    record = service.get(caller, codes[0])
    rows, total = queue.of_session(record.id, 10, 1)
    assert total == 1 and rows[0].state == "delivered"
    assert rows[0].payload == {
        "session_code": codes[0],
        "status": "spin_generate_processing",
        "session_status": "queued",
        "user": caller.user_id,
    }


def test_a_sessions_deliveries_go_in_order_and_retries_wait(service, caller) -> None:  # type: ignore[no-untyped-def]
    code = _create(service, caller)
    ticket = service.claim("w")  # a second change of the same session
    assert ticket is not None
    queue = DeliveryQueue(service.db)
    (first,) = queue.take_due(10, hold_s=60)  # the second waits behind the first
    assert first.payload["session_status"] == "queued"
    assert queue.take_due(10, hold_s=60) == []  # held while its attempt runs
    queue.record_attempt(
        first.id,
        {"at": time.time(), "status_code": 500, "error": "HTTP 500"},
        False,
        time.time() + 0.3,
    )
    assert queue.take_due(10, hold_s=60) == []  # not due yet, and still first in line
    time.sleep(0.35)
    (again,) = queue.take_due(10, hold_s=60)
    assert (again.id, again.attempt) == (first.id, 2)
    queue.record_attempt(again.id, {"at": time.time(), "status_code": 200, "error": ""}, True, None)
    (second,) = queue.take_due(10, hold_s=60)
    assert second.payload["session_status"] == "in_progress"
    rows, _ = queue.of_session(service.get(caller, code).id, 10, 1)
    assert [(row.state, len(row.attempts)) for row in rows] == [("pending", 0), ("delivered", 2)]
