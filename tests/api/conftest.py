"""API fixtures: an app without engine workers (for validation and HTTP-level behaviour), keys
of both tiers, and a helper to read envelopes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.sessions.keys import create_key


@pytest.fixture
def quiet_app(settings: Settings) -> Iterator[TestClient]:
    """The service with no engine workers: jobs stay queued; every route still answers."""
    with TestClient(create_app(settings, run_workers=False)) as client:
        yield client


@pytest.fixture
def keys(quiet_app: TestClient) -> dict[str, str]:
    """One key per tier for ``quiet_app``."""
    db = quiet_app.app.state.ctx.db  # type: ignore[attr-defined]
    return {"standard": create_key(db, "standard"), "enterprise": create_key(db, "enterprise")}


def assert_envelope(response: httpx.Response, status: int) -> Any:
    """Check the envelope's shape and status; return ``data``."""
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"error", "message", "statusCode", "data"}
    assert body["statusCode"] == status
    assert bool(body["error"]) == (status >= 400)
    assert isinstance(body["message"], str) and body["message"]
    return body["data"]
