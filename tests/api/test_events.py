"""``GET /image-to-3d-sessions/{code}/events`` against a real uvicorn: the session object at
once and after every change (status and percent_done), the end after a finished status, a
deleted session, keepalive comments, the per-key bound, auth as for GET; and one real job
followed to preview_done by the stream and by a webhook at once."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from i23d.api.app import create_app
from i23d.api.routes import events
from i23d.config import Settings
from i23d.sessions.keys import create_key
from tests.api.live_server import serving, sse_events
from tests.conftest import migrated, object_png
from tests.webhooks.receiver import receiver, verify

SESSIONS = "/image-to-3d-sessions"
IMAGE = "data:image/png;base64," + base64.b64encode(object_png(256)).decode()


@pytest.fixture
def quiet_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Any]]:
    """A served app without engine workers (jobs wait), a key's headers, and the service."""
    app = create_app(
        migrated(
            Settings(
                data_dir=tmp_path / "data",
                workers=0,
                allow_private_urls=True,
                event_streams_per_key=2,
            )
        )
    )
    with serving(app) as url:
        key = create_key(app.state.ctx.db, "standard")
        yield url, {"x-api-key": key}, app.state.ctx.service


def _create(url: str, headers: dict[str, str], **extra: Any) -> str:
    answer = httpx.post(
        url + SESSIONS, headers=headers, timeout=30, json={"image_url": IMAGE, **extra}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]["session_code"]


def test_status_and_percent_changes_stream_until_done(quiet_server) -> None:  # type: ignore[no-untyped-def]
    url, headers, service = quiet_server
    code = _create(url, headers, preview_mesh="turbo")
    seen: list[tuple[str, str, float]] = []

    def be_the_worker() -> None:
        time.sleep(0.5)
        ticket = service.claim("test-worker")
        for percent in (12.0, 42.0, 87.5):
            time.sleep(0.4)
            service.report_progress(ticket, percent)
        time.sleep(0.4)
        service.finish(
            ticket,
            artifacts={},
            spins=[
                {
                    "index": i,
                    "prior": "inflate",
                    "score": 0.5,
                    "reason": "",
                    "video_key": "",
                    "still_key": "",
                }
                for i in range(4)
            ],
            chosen=0,
        )

    worker = threading.Thread(target=be_the_worker)
    with httpx.stream(
        "GET", f"{url}{SESSIONS}/{code}/events", headers=headers, timeout=30
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        worker.start()
        for name, data in sse_events(response):
            assert name == "session"
            assert data["session_code"] == code
            seen.append((data["status"], data["session_status"], data["percent_done"]))
    worker.join()
    assert seen == [
        ("spin_generate_processing", "queued", 0.0),
        ("spin_generate_processing", "in_progress", 0.0),
        ("spin_generate_processing", "in_progress", 12.0),
        ("spin_generate_processing", "in_progress", 42.0),
        ("spin_generate_processing", "in_progress", 87.5),
        ("spin_generate_done", "incomplete", 100.0),
    ]  # the stream ended by itself after the finished status


def test_a_stream_says_when_the_session_is_deleted(quiet_server) -> None:  # type: ignore[no-untyped-def]
    url, headers, _service = quiet_server
    code = _create(url, headers)
    with httpx.stream(
        "GET", f"{url}{SESSIONS}/{code}/events", headers=headers, timeout=30
    ) as response:
        received = []
        for name, data in sse_events(response):
            received.append((name, data["session_code"]))
            if len(received) == 1:
                httpx.delete(f"{url}{SESSIONS}/{code}", headers=headers, timeout=30)
    assert received == [("session", code), ("deleted", code)]


def test_keepalives_and_the_per_key_bound(quiet_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url, headers, _service = quiet_server
    monkeypatch.setattr(events, "KEEPALIVE_S", 0.3)
    code = _create(url, headers)
    path = f"{url}{SESSIONS}/{code}/events"
    with httpx.Client(timeout=30) as client:
        with (
            client.stream("GET", path, headers=headers) as first,
            client.stream("GET", path, headers=headers) as second,
        ):
            stream = sse_events(first)  # kept: closing the iterator would close the stream
            kinds = [next(stream)[0], next(stream)[0]]
            assert kinds == ["session", "comment"]  # nothing changed: a keepalive
            assert second.status_code == 200
            third = client.get(path, headers=headers)
            assert third.status_code == 429 and third.headers["Retry-After"]
            assert "2 event streams" in third.json()["message"]
        deadline = time.monotonic() + 10  # closed streams give their slots back
        while time.monotonic() < deadline:
            with client.stream("GET", path, headers=headers) as again:
                if again.status_code == 200:
                    break
            time.sleep(0.2)
        assert again.status_code == 200


def test_a_stream_needs_the_key_and_the_sessions_owner(quiet_server) -> None:  # type: ignore[no-untyped-def]
    url, headers, service = quiet_server
    code = _create(url, headers)
    path = f"{url}{SESSIONS}/{code}/events"
    assert httpx.get(path, timeout=30).status_code == 401
    other = {"x-api-key": create_key(service.db, "enterprise")}
    answer = httpx.get(path, headers=other, timeout=30)
    assert answer.status_code == 404 and answer.json()["data"]["field"] == "session_code"


@pytest.mark.slow
def test_a_real_job_streams_and_notifies_to_preview_done(tmp_path: Path) -> None:
    app = create_app(
        migrated(Settings(data_dir=tmp_path / "data", workers=1, allow_private_urls=True))
    )
    with serving(app) as url, receiver() as hook:
        headers = {"x-api-key": create_key(app.state.ctx.db, "standard")}
        secret = httpx.post(url + "/webhook/secret", headers=headers, timeout=30).json()["data"][
            "webhook_secret"
        ]
        code = _create(url, headers, webhook_url=hook.url)  # straight through: one job
        streamed: list[tuple[str, str, float]] = []
        started = time.monotonic()
        with httpx.stream(
            "GET", f"{url}{SESSIONS}/{code}/events", headers=headers, timeout=60
        ) as response:
            for name, data in sse_events(response):
                assert name == "session"
                streamed.append((data["status"], data["session_status"], data["percent_done"]))
        took = time.monotonic() - started
        posts = hook.wait_for(3)
    print(f"\nstream: {len(streamed)} events over {took:.1f} s")
    assert streamed[-1] == ("preview_done", "complete", 100.0)
    steps = list(dict.fromkeys((status, session) for status, session, _ in streamed))
    order = [
        ("training_preview", "queued"),
        ("training_preview", "in_progress"),
        ("preview_done", "complete"),
    ]
    assert steps == [step for step in order if step in steps] and len(steps) >= 2
    percents = [percent for _, _, percent in streamed]
    assert percents == sorted(percents) and any(0 < p < 100 for p in percents)
    assert all(verify(secret, post) for post in posts)
    assert [(p.json["data"]["status"], p.json["data"]["session_status"]) for p in posts] == order
    assert posts[-1].json["data"]["preview_mesh_url_glb"].startswith(url + "/files/")
