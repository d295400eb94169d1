"""The webhook delivery queue, kept in the database so a restart loses nothing pending.

:class:`WebhookOutbox` adds a delivery for each status change of a session that has a
``webhook_url``, inside the transaction that makes the change (so a change is never committed
without its delivery, nor a delivery without its change). :class:`DeliveryQueue` hands due
deliveries to deliverers — atomically, one session's deliveries in order — records each attempt,
and lists them for ``GET .../webhook-deliveries``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import Session, aliased

from i23d.sessions.model import ApiKey, SessionRecord, WebhookDelivery
from i23d.sessions.store import Database

EVENT = "session.status"
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

Render = Callable[[SessionRecord, str], dict[str, Any]]
"""The session object of a record, given its owner's public user id (as GET shows it)."""


class WebhookOutbox:
    """A status-change listener (:meth:`SessionService.on_status_change`) that queues one
    delivery of the session object, rendered as it is at the change."""

    def __init__(self, render: Render) -> None:
        self.render = render

    def __call__(self, db: Session, record: SessionRecord) -> None:
        if not record.webhook_url or record.is_deleted:
            return
        connection = db.connection()  # not db.execute: that would flush again, mid-flush
        user_id = connection.execute(
            select(ApiKey.user_id).where(ApiKey.id == record.owner_id)
        ).scalar_one()
        now = time.time()
        connection.execute(
            insert(WebhookDelivery).values(
                session_id=record.id,
                url=record.webhook_url,
                event=EVENT,
                payload=self.render(record, user_id),
                state=PENDING,
                attempts=[],
                next_attempt_at=now,
                created_at=now,
                finished_at=0.0,
            )
        )


@dataclass(frozen=True)
class DueDelivery:
    """A delivery taken for one attempt: where to, what, and the secret to sign it with."""

    id: int
    url: str
    event: str
    payload: dict[str, Any]
    created_at: float
    secret: str
    attempt: int


class DeliveryQueue:
    """The deliveries in the database: take the due ones, record attempts, list them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def take_due(self, limit: int, hold_s: float) -> list[DueDelivery]:
        """Up to ``limit`` due deliveries, each the oldest pending one of its session (so a
        session's changes arrive in order), held for ``hold_s``: if the deliverer dies
        meanwhile, they become due again then. Atomic across threads and processes."""
        now = time.time()
        due = (WebhookDelivery.state == PENDING, WebhookDelivery.next_attempt_at <= now)
        earlier = aliased(WebhookDelivery)
        older_pending = exists().where(
            earlier.session_id == WebhookDelivery.session_id,
            earlier.state == PENDING,
            earlier.id < WebhookDelivery.id,
        )
        query = (
            select(WebhookDelivery, ApiKey.webhook_secret)
            .join(SessionRecord, SessionRecord.id == WebhookDelivery.session_id)
            .join(ApiKey, ApiKey.id == SessionRecord.owner_id)
            .where(*due, ~older_pending)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        with self.db.read() as db:  # a lock-free look first: idle polls take no write lock
            if db.scalar(select(WebhookDelivery.id).where(*due).limit(1)) is None:
                return []
        with self.db.session() as db:
            taken = []
            for delivery, secret in db.execute(query).all():
                delivery.next_attempt_at = now + hold_s
                taken.append(
                    DueDelivery(
                        id=delivery.id,
                        url=delivery.url,
                        event=delivery.event,
                        payload=delivery.payload,
                        created_at=delivery.created_at,
                        secret=secret,
                        attempt=len(delivery.attempts) + 1,
                    )
                )
        return taken

    def record_attempt(
        self, delivery_id: int, attempt: dict[str, Any], delivered: bool, retry_at: float | None
    ) -> None:
        """Append an attempt; the delivery is then delivered, due again at ``retry_at``, or
        (``retry_at`` None) failed for good."""
        with self.db.session() as db:
            delivery = db.get(WebhookDelivery, delivery_id, with_for_update=True)
            if delivery is None:  # the session was deleted meanwhile
                return
            delivery.attempts = [*delivery.attempts, attempt]
            if delivered or retry_at is None:
                delivery.state = DELIVERED if delivered else FAILED
                delivery.finished_at = attempt["at"]
            else:
                delivery.next_attempt_at = retry_at

    def of_session(
        self, session_id: int, limit: int, page: int
    ) -> tuple[list[WebhookDelivery], int]:
        """One page of a session's deliveries, newest first, and how many it has."""
        mine = WebhookDelivery.session_id == session_id
        with self.db.read() as db:
            total = db.scalar(select(func.count()).select_from(WebhookDelivery).where(mine))
            rows = db.scalars(
                select(WebhookDelivery)
                .where(mine)
                .order_by(WebhookDelivery.id.desc())
                .limit(limit)
                .offset((page - 1) * limit)
            ).all()
        return list(rows), int(total or 0)
