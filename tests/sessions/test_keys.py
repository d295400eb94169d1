"""API keys: tiers, stored hashed, looked up by hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from i23d.sessions.keys import count_keys, create_key, find_caller, hash_key
from i23d.sessions.model import ApiKey
from tests.conftest import migrated_database


def test_keys_are_stored_hashed_and_found_by_hash(tmp_path: Path) -> None:
    db = migrated_database(f"sqlite:///{tmp_path / 'k.sqlite3'}")
    key = create_key(db, "enterprise")
    assert key.startswith("i23d_") and len(key) > 40
    with db.session() as session:
        stored = session.scalars(select(ApiKey)).one()
    assert stored.key_hash == hash_key(key) and key not in (stored.key_hash, stored.prefix)
    caller = find_caller(db, key)
    assert caller is not None and caller.is_enterprise
    assert find_caller(db, key + "x") is None
    assert count_keys(db) == 1
    with pytest.raises(ValueError):
        create_key(db, "gold")
