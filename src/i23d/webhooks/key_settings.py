"""A key's webhook settings: the default ``webhook_url`` of its new sessions and the secret that
signs its deliveries. The secret is stored as is (it must sign), and shown only when made."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from i23d.sessions.keys import KEY_PREFIX, hash_key
from i23d.sessions.model import ApiKey
from i23d.sessions.store import Database
from i23d.webhooks.signing import new_secret


@dataclass(frozen=True)
class KeyWebhook:
    """What a key has: its default webhook URL ("" for none) and whether it has a secret."""

    webhook_url: str
    secret_set: bool


def key_webhook(db: Database, key_id: int) -> KeyWebhook:
    """The key's webhook settings."""
    with db.read() as session:
        row = session.execute(
            select(ApiKey.webhook_url, ApiKey.webhook_secret).where(ApiKey.id == key_id)
        ).one()
    return KeyWebhook(webhook_url=row.webhook_url, secret_set=bool(row.webhook_secret))


def set_default_webhook_url(db: Database, key_id: int, url: str) -> None:
    """Set (or with "" clear) the URL the key's new sessions notify; the caller checks it."""
    with db.session() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(webhook_url=url))


def make_webhook_secret(db: Database, key_id: int) -> str:
    """Give the key a new webhook secret (replacing any) and return it: the only time it is
    shown. Deliveries from then on, retries included, are signed with it."""
    secret = new_secret()
    with db.session() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(webhook_secret=secret))
    return secret


def find_key_id(db: Database, key_or_prefix: str) -> int | None:
    """The id of the key given whole, or by the first characters ``i23d keys create`` showed
    (at least 10, as stored); None if no key, or more than one, matches."""
    with db.read() as session:
        if len(key_or_prefix) > 16:
            return session.scalar(
                select(ApiKey.id).where(ApiKey.key_hash == hash_key(key_or_prefix))
            )
        if not key_or_prefix.startswith(KEY_PREFIX) or len(key_or_prefix) < 10:
            return None
        ids = session.scalars(select(ApiKey.id).where(ApiKey.prefix == key_or_prefix[:10])).all()
    return ids[0] if len(ids) == 1 else None
