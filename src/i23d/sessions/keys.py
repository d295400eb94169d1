"""API keys: created with a tier, shown once, stored as a SHA-256 hash, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from i23d.sessions.model import ApiKey
from i23d.sessions.store import Database

TIERS: tuple[str, ...] = ("standard", "enterprise")
KEY_PREFIX = "i23d_"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's row id, tier and the public user id shown in sessions."""

    key_id: int
    tier: str
    user_id: str

    @property
    def is_enterprise(self) -> bool:
        return self.tier == "enterprise"


def hash_key(key: str) -> str:
    """The stored form of a key (keys are 256-bit random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(db: Database, tier: str) -> str:
    """Create a key of ``tier`` and return it; only its hash is kept."""
    if tier not in TIERS:
        raise ValueError(f"tier must be one of {', '.join(TIERS)}; got {tier!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.session() as session:
        session.add(
            ApiKey(
                key_hash=hash_key(key),
                prefix=key[:10],
                tier=tier,
                user_id=secrets.token_hex(12),
                created_at=time.time(),
            )
        )
    return key


def find_caller(db: Database, key: str) -> Caller | None:
    """The caller a key belongs to, or None for an unknown or revoked key."""
    with db.read() as session:
        row = session.execute(
            select(ApiKey.id, ApiKey.tier, ApiKey.user_id).where(
                ApiKey.key_hash == hash_key(key), ApiKey.revoked.is_(False)
            )
        ).first()
    return Caller(key_id=row.id, tier=row.tier, user_id=row.user_id) if row else None


def count_keys(db: Database) -> int:
    """How many keys exist (used to create the first key on first start)."""
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(ApiKey)) or 0)
