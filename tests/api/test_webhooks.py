"""Webhooks through the API with the real deliverer thread: signed deliveries of every status
change to a loopback receiver, retries with backoff, URLs refused at create, the deliveries
listed, pending deliveries kept across a restart, and nothing left after DELETE. Transitions
are driven through the session service (no engine), as a worker drives them."""

from __future__ import annotations

import base64
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.sessions.keys import create_key
from i23d.sessions.model import WebhookDelivery
from i23d.sessions.service import SessionService
from tests.api.conftest import assert_envelope
from tests.conftest import migrated, object_png
from tests.webhooks.receiver import receiver, verify

SESSIONS = "/image-to-3d-sessions"
API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
IMAGE = "data:image/png;base64," + base64.b64encode(object_png(256)).decode()
SPINS = [
    {"index": i, "prior": p, "score": 0.5, "reason": "test", "video_key": "", "still_key": ""}
    for i, p in enumerate(("inflate", "revolve", "extrude", "relief"))
]


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "workers": 0,
        "allow_private_urls": True,
        "webhook_retry_base_s": 0.2,
    }
    return migrated(Settings(**{**values, **overrides}))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The service with its deliverer and no engine workers, and one key's headers."""
    with TestClient(create_app(_settings(tmp_path))) as client:
        key = create_key(client.app.state.ctx.db, "standard")  # type: ignore[attr-defined]
        yield client, {"x-api-key": key}


def _service(client: TestClient) -> SessionService:
    return client.app.state.ctx.service  # type: ignore[attr-defined]


def _secret(client: TestClient, headers: dict[str, str]) -> str:
    data = assert_envelope(client.post("/webhook/secret", headers=headers), 201)
    assert data["webhook_secret"].startswith("whsec_") and data["webhook_secret_set"]
    return data["webhook_secret"]


def _spins_done(service: SessionService) -> None:
    """Be the worker: claim the queued spins job and finish it."""
    ticket = service.claim("test-worker")
    assert ticket is not None
    assert service.finish(ticket, artifacts={}, spins=SPINS, chosen=1)


def test_every_status_change_is_delivered_signed(app) -> None:  # type: ignore[no-untyped-def]
    client, headers = app
    secret = _secret(client, headers)
    with receiver() as hook:
        created = assert_envelope(
            client.post(
                SESSIONS,
                headers=headers,
                json={"image_url": IMAGE, "preview_mesh": "turbo", "webhook_url": hook.url},
            ),
            201,
        )
        assert created["webhook_url"] == hook.url
        _spins_done(_service(client))
        posts = hook.wait_for(3)
        got = assert_envelope(
            client.get(f"{SESSIONS}/{created['session_code']}", headers=headers), 200
        )
    for post in posts:
        assert verify(secret, post), post.headers
        assert post.headers["content-type"] == "application/json"
        assert post.headers["x-i23d-event"] == "session.status"
        assert post.json["type"] == "session.status"
        assert post.json["id"] == int(post.headers["x-i23d-delivery"])
    assert [(p.json["data"]["status"], p.json["data"]["session_status"]) for p in posts] == [
        ("spin_generate_processing", "queued"),
        ("spin_generate_processing", "in_progress"),
        ("spin_generate_done", "incomplete"),
    ]
    last = posts[-1].json["data"]
    assert set(last) == set(got)  # the session object, as GET shows it
    assert last["spins"][1]["prior"] == "revolve" and last["selected_spin_index"] == 1
    assert last["input_image"].startswith("http://testserver/files/")
    # A wrong secret or a stale timestamp fails the receiver's check.
    assert not verify(secret + "x", posts[0])
    assert not verify(secret, posts[0], window_s=-1)


def test_failed_attempts_are_retried_with_backoff_and_listed(app) -> None:  # type: ignore[no-untyped-def]
    client, headers = app
    secret = _secret(client, headers)
    with receiver(script=[500, 500]) as hook:
        created = assert_envelope(
            client.post(
                SESSIONS,
                headers=headers,
                json={"image_url": IMAGE, "preview_mesh": "turbo", "webhook_url": hook.url},
            ),
            201,
        )
        _service(client).claim("test-worker")  # a second change, queued behind the first
        posts = hook.wait_for(4)
    assert [p.answered for p in posts] == [500, 500, 200, 200]
    assert all(verify(secret, p) for p in posts)
    # The first change is retried until delivered before the second is sent.
    assert [p.json["data"]["session_status"] for p in posts] == [
        "queued",
        "queued",
        "queued",
        "in_progress",
    ]
    assert len({p.headers["x-i23d-delivery"] for p in posts[:3]}) == 1
    gaps = [posts[1].at - posts[0].at, posts[2].at - posts[1].at]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4  # 0.2 s, then doubled

    listed = client.get(f"{SESSIONS}/{created['session_code']}/webhook-deliveries", headers=headers)
    deliveries = assert_envelope(listed, 200)
    assert listed.headers["X-Total-Count"] == "2"
    first = deliveries[-1]  # newest first
    assert (first["state"], first["status"], first["session_status"], first["url"]) == (
        "delivered",
        "spin_generate_processing",
        "queued",
        hook.url,
    )
    assert [(a["attempt"], a["status_code"]) for a in first["attempts"]] == [
        (1, 500),
        (2, 500),
        (3, 200),
    ]
    assert [a["error"] for a in first["attempts"]] == ["HTTP 500", "HTTP 500", ""]
    assert first["attempts"][0]["at"].endswith("Z") and first["finished_at"]
    assert deliveries[0]["state"] == "delivered" and len(deliveries[0]["attempts"]) == 1


def test_a_delivery_that_keeps_failing_is_given_up(tmp_path: Path) -> None:
    settings = _settings(tmp_path, webhook_max_attempts=2, webhook_retry_base_s=0.1)
    with TestClient(create_app(settings)) as client, receiver(script=[503] * 5) as hook:
        headers = {"x-api-key": create_key(client.app.state.ctx.db, "standard")}  # type: ignore[attr-defined]
        _secret(client, headers)
        code = assert_envelope(
            client.post(
                SESSIONS, headers=headers, json={"image_url": IMAGE, "webhook_url": hook.url}
            ),
            201,
        )["session_code"]
        hook.wait_for(2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            deliveries = assert_envelope(
                client.get(f"{SESSIONS}/{code}/webhook-deliveries", headers=headers), 200
            )
            if deliveries[0]["state"] != "pending":
                break
            time.sleep(0.05)
    assert deliveries[0]["state"] == "failed" and len(deliveries[0]["attempts"]) == 2
    assert deliveries[0]["next_attempt_at"] is None
    assert len(hook.received) == 2


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:9/hook", "not a public address"),
        ("http://169.254.169.254/latest/meta-data/", "not a public address"),
        ("http://localhost/hook", "the local machine"),
        ("gopher://93.184.216.34/hook", "scheme 'gopher'"),
        ("https://93.184.216.34/" + "x" * 2100, "longer than 2048"),
    ],
)
def test_a_refused_webhook_url_is_a_400_at_create(tmp_path: Path, url: str, words: str) -> None:
    with TestClient(
        create_app(_settings(tmp_path, allow_private_urls=False), run_workers=False)
    ) as client:
        headers = {"x-api-key": create_key(client.app.state.ctx.db, "standard")}  # type: ignore[attr-defined]
        _secret(client, headers)
        answer = client.post(
            SESSIONS, headers=headers, json={"image_url": IMAGE, "webhook_url": url}
        )
        body = assert_envelope(answer, 400)
        assert body["field"] == "webhook_url"
        assert words in answer.json()["message"]
        refused_default = client.put("/webhook", headers=headers, json={"webhook_url": url})
        assert assert_envelope(refused_default, 400)["field"] == "webhook_url"
        assert assert_envelope(client.get(SESSIONS, headers=headers), 200) == []


def test_a_webhook_needs_the_keys_secret_first(app) -> None:  # type: ignore[no-untyped-def]
    client, headers = app
    answer = client.post(
        SESSIONS,
        headers=headers,
        json={"image_url": IMAGE, "webhook_url": "http://127.0.0.1:9/hook"},
    )
    assert assert_envelope(answer, 400)["field"] == "webhook_url"
    assert "POST /webhook/secret" in answer.json()["message"]


def test_the_keys_default_url_applies_to_new_sessions(app) -> None:  # type: ignore[no-untyped-def]
    client, headers = app
    with receiver() as hook:
        assert assert_envelope(client.get("/webhook", headers=headers), 200) == {
            "webhook_url": "",
            "webhook_secret_set": False,
        }
        set_url = assert_envelope(
            client.put("/webhook", headers=headers, json={"webhook_url": hook.url}), 200
        )
        secret = set_url["webhook_secret"]  # made with the first URL, shown once
        assert set_url["webhook_url"] == hook.url and set_url["webhook_secret_set"]
        again = assert_envelope(
            client.put("/webhook", headers=headers, json={"webhook_url": hook.url}), 200
        )
        assert "webhook_secret" not in again
        created = assert_envelope(
            client.post(SESSIONS, headers=headers, json={"image_url": IMAGE}), 201
        )
        assert created["webhook_url"] == hook.url
        (post,) = hook.wait_for(1)
        assert verify(secret, post) and post.json["data"]["session_code"] == created["session_code"]
        # A new secret signs from then on; the old one no longer verifies.
        rotated = _secret(client, headers)
        _service(client).claim("test-worker")
        second = hook.wait_for(2)[1]
        assert verify(rotated, second) and not verify(secret, second)
        cleared = assert_envelope(
            client.put("/webhook", headers=headers, json={"webhook_url": ""}), 200
        )
        assert cleared["webhook_url"] == ""
        quiet = assert_envelope(
            client.post(SESSIONS, headers=headers, json={"image_url": IMAGE}), 201
        )
        assert quiet["webhook_url"] == ""


def test_pending_deliveries_survive_a_restart(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with receiver() as hook:
        with TestClient(create_app(settings, run_workers=False)) as client:  # no deliverer
            headers = {"x-api-key": create_key(client.app.state.ctx.db, "standard")}  # type: ignore[attr-defined]
            secret = _secret(client, headers)
            code = assert_envelope(
                client.post(
                    SESSIONS,
                    headers=headers,
                    json={"image_url": IMAGE, "preview_mesh": "turbo", "webhook_url": hook.url},
                ),
                201,
            )["session_code"]
            _spins_done(_service(client))
            pending = assert_envelope(
                client.get(f"{SESSIONS}/{code}/webhook-deliveries", headers=headers), 200
            )
            assert [d["state"] for d in pending] == ["pending"] * 3
        assert hook.received == []
        with TestClient(create_app(settings)) as client:  # the next start delivers them
            posts = hook.wait_for(3)
    assert all(verify(secret, p) for p in posts)
    assert [p.json["data"]["status"] for p in posts] == [
        "spin_generate_processing",
        "spin_generate_processing",
        "spin_generate_done",
    ]


def test_delete_removes_the_sessions_deliveries(app) -> None:  # type: ignore[no-untyped-def]
    client, headers = app
    _secret(client, headers)
    with receiver() as hook:
        code = assert_envelope(
            client.post(
                SESSIONS, headers=headers, json={"image_url": IMAGE, "webhook_url": hook.url}
            ),
            201,
        )["session_code"]
        hook.wait_for(1)
        assert_envelope(client.delete(f"{SESSIONS}/{code}", headers=headers), 200)
    db = client.app.state.ctx.db  # type: ignore[attr-defined]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    gone = client.get(f"{SESSIONS}/{code}/webhook-deliveries", headers=headers)
    assert_envelope(gone, 404)


def _documented_receiver() -> type[http.server.BaseHTTPRequestHandler]:
    """The receiver of docs/api.md, run as written (all but its last line, which serves on a
    fixed port forever); the test sets ``SECRET``."""
    code = API_DOC.read_text().split("<!-- receiver -->", 1)[1]
    code = code.split("```python\n", 1)[1].split("```", 1)[0]
    code = code.rsplit("HTTPServer((", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/api.md receiver", "exec"), namespace)  # noqa: S102 - our own doc
    return namespace["Receiver"]


def test_the_documented_receiver_accepts_deliveries_and_refuses_forgeries(app, capsys) -> None:  # type: ignore[no-untyped-def]
    client, headers = app
    handler = _documented_receiver()
    handler.do_POST.__globals__["SECRET"] = _secret(client, headers).encode()
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        code = assert_envelope(
            client.post(SESSIONS, headers=headers, json={"image_url": IMAGE, "webhook_url": url}),
            201,
        )["session_code"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            (delivery,) = assert_envelope(
                client.get(f"{SESSIONS}/{code}/webhook-deliveries", headers=headers), 200
            )
            if delivery["state"] == "delivered":
                break
            time.sleep(0.05)
        assert delivery["state"] == "delivered"
        assert delivery["attempts"][0]["status_code"] == 204
        stamp = str(int(time.time()))
        forged = httpx.post(
            url,
            content=b'{"id": 1}',
            headers={"X-I23D-Timestamp": stamp, "X-I23D-Signature": "v1=" + "0" * 64},
        )
        assert forged.status_code == 401
    finally:
        server.shutdown()
        server.server_close()
    assert f"{code} training_preview 0.0" in capsys.readouterr().out
