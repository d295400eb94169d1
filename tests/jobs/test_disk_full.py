"""A full disk (a small tmpfs mounted by the test) never kills the workers: the job that could
not write goes back to the queue, creates answer 507 with Retry-After, /healthz says what is
wrong, and everything finishes once space is freed."""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import object_png
from tests.hostile_hosts import fill, tmpfs
from tests.serve_process import start_serve

SESSIONS = "/image-to-3d-sessions"


@pytest.fixture
def small_disk() -> Iterator[Path]:
    with contextlib.ExitStack() as stack:
        try:
            mount = stack.enter_context(tmpfs(64))
        except OSError as exc:  # mounting needs root
            pytest.skip(str(exc))
        yield mount


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.slow
def test_a_full_disk_pauses_work_and_loses_nothing(small_disk: Path) -> None:
    server = start_serve(
        small_disk / "data", "--workers", "1", env={"I23D_MIN_FREE_BYTES": str(4 * 2**20)}
    )
    image = "data:image/png;base64," + base64.b64encode(object_png(128)).decode()
    client = httpx.Client(base_url=server.url, headers={"x-api-key": server.key}, timeout=60)
    try:
        code = client.post(SESSIONS, json={"image_url": image}).json()["data"]["session_code"]
        stored = client.get(f"{SESSIONS}/{code}").json()["data"]["input_image"]

        def status() -> str:
            return client.get(f"{SESSIONS}/{code}").json()["data"]["session_status"]

        assert _wait(lambda: status() == "in_progress", 120)
        filler = fill(small_disk)
        refused = client.post(SESSIONS, json={"image_url": image})
        assert refused.status_code == 507 and int(refused.headers["Retry-After"]) > 0
        assert "storage is full" in refused.json()["message"]
        health = httpx.get(server.url + "/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["data"]["workers"] == 1
        assert httpx.get(stored, timeout=30).status_code == 200  # nothing stored was lost
        assert _wait(
            lambda: any(
                "put the job back" in line or "put back in the queue" in line
                for line in server.lines
            ),
            300,
        )  # the job hit the full disk
        assert status() in ("queued", "in_progress")  # waiting for room, not failed

        filler.unlink()
        late = client.post(SESSIONS, json={"image_url": image})
        assert late.status_code == 201
        late_code = late.json()["data"]["session_code"]
        for each in (code, late_code):
            assert _wait(
                lambda c=each: (
                    client.get(f"{SESSIONS}/{c}").json()["data"]["session_status"] == "complete"
                ),
                300,
            ), each
        assert client.get("/healthz").status_code == 200
    finally:
        client.close()
        server.stop()
