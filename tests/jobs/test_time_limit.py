"""A job that overruns its time limit fails cleanly, with the real engine running."""

from __future__ import annotations

import base64
import time

import pytest
from fastapi.testclient import TestClient

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.sessions.keys import create_key
from tests.conftest import object_png

pytestmark = pytest.mark.slow


def test_overrunning_job_ends_failed_with_a_reason(settings: Settings) -> None:
    settings.job_time_limit_s = 0.3
    settings.lease_s = 0.6  # the housekeeping thread reaps every lease_s / 3
    with TestClient(create_app(settings)) as client:
        key = create_key(client.app.state.ctx.db, "standard")  # type: ignore[attr-defined]
        headers = {"x-api-key": key}
        image = "data:image/png;base64," + base64.b64encode(object_png(256)).decode()
        code = client.post(
            "/image-to-3d-sessions",
            headers=headers,
            json={"image_url": image, "preview_mesh": "turbo"},
        ).json()["data"]["session_code"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            data = client.get(f"/image-to-3d-sessions/{code}", headers=headers).json()["data"]
            if data["status"] != "spin_generate_processing":
                break
            time.sleep(0.05)
        assert data["status"] == "spin_generate_failed"
        assert data["session_status"] == "failed"
        assert "timed out" in data["failure_reason"] and "0.3 s" in data["failure_reason"]
        assert data["spins"] == []
