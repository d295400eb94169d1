"""The deliverer checks the address again at every attempt: a URL accepted once (here with
private addresses allowed at create) is refused when the policy at delivery time forbids it,
and no connection is made; the refusal is recorded as the attempt's error and retried."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from i23d.image_fetch import AddressPolicy
from i23d.sessions.keys import create_key, find_caller
from i23d.sessions.service import SessionOptions, SessionService
from i23d.storage.local import LocalStorage
from i23d.webhooks.deliverer import WebhookDeliverer, retry_delay
from i23d.webhooks.key_settings import make_webhook_secret
from i23d.webhooks.queue import DeliveryQueue, WebhookOutbox
from tests.conftest import migrated_database
from tests.webhooks.receiver import receiver


def test_an_address_refused_at_delivery_time_is_not_contacted(tmp_path: Path) -> None:
    db = migrated_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    service = SessionService(
        db,
        LocalStorage(tmp_path / "files"),
        queue_limit=10,
        job_time_limit_s=60,
        max_attempts=2,
        lease_s=30,
    )
    service.on_status_change(WebhookOutbox(lambda record, _user: {"status": record.status}))
    caller = find_caller(db, create_key(db, "standard"))
    assert caller is not None
    make_webhook_secret(db, caller.key_id)
    queue = DeliveryQueue(db)
    strict = WebhookDeliverer(
        queue, AddressPolicy(allow_private=False), timeout_s=2, max_attempts=3, retry_base_s=30
    )
    with receiver() as hook, ThreadPoolExecutor(2) as pool:
        code = service.create(
            caller, SessionOptions(image_url="http://x/y.png", webhook_url=hook.url), b"PNG", ".png"
        ).code
        assert strict.deliver_due(pool) == 1
        before = time.time()
    assert hook.received == []
    (row,), _ = queue.of_session(service.get(caller, code).id, 10, 1)
    (attempt,) = row.attempts
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("webhook_url address 127.0.0.1 is not a public address")
    assert row.state == "pending" and before + 25 < row.next_attempt_at < before + 31
    db.dispose()


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [retry_delay(n, 10) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert retry_delay(20, 10) == 3600
