"""What a hostile or careless caller sends is answered in the envelope with a 4xx naming what is
wrong, never a 5xx: bodies before and past the key check, odd download links, odd photos,
one key's burst, and the photo kept out of the database."""

from __future__ import annotations

import base64
import io
import os
import sqlite3
import stat
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.sessions.keys import create_key
from tests.api.conftest import assert_envelope
from tests.conftest import object_png

SESSIONS = "/image-to-3d-sessions"


def _uri(data: bytes, media: str = "image/png") -> str:
    return f"data:{media};base64," + base64.b64encode(data).decode()


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(buffer, format="PNG")
    return buffer.getvalue()


# ---- bodies: the key first, then a cap while streaming -------------------------------------


def test_no_key_is_refused_before_the_body_is_read(quiet_app: TestClient) -> None:
    consumed = []

    def body() -> Iterator[bytes]:
        for _ in range(64):
            consumed.append(1)
            yield b"x" * 65536

    response = quiet_app.post(
        SESSIONS, content=body(), headers={"Content-Type": "application/json"}
    )
    assert assert_envelope(response, 401)["field"] == "x-api-key"
    assert len(consumed) <= 1  # the 4 MiB body was never read
    assert_envelope(
        quiet_app.post(
            SESSIONS,
            content=b"{}",
            headers={"x-api-key": "i23d_wrong", "Content-Type": "application/json"},
        ),
        401,
    )


def test_a_declared_length_over_the_cap_is_413_at_once(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    cap = quiet_app.app.state.ctx.settings.max_request_bytes  # type: ignore[attr-defined]
    max_image = quiet_app.app.state.ctx.settings.max_image_bytes  # type: ignore[attr-defined]
    assert max_image * 4 // 3 < cap < max_image * 4 // 3 + 2 * 2**20
    consumed = []

    def body() -> Iterator[bytes]:
        for _ in range(cap // 65536 + 2):
            consumed.append(1)
            yield b" " * 65536

    response = quiet_app.post(
        SESSIONS,
        content=body(),
        headers={
            "x-api-key": keys["standard"],
            "Content-Type": "application/json",
            "Content-Length": str(cap + 1),
        },
    )
    data = assert_envelope(response, 413)
    assert data["field"] == "body" and data["max_bytes"] == cap
    assert len(consumed) <= 1


def test_a_streamed_body_past_the_cap_is_413(quiet_app: TestClient, keys: dict[str, str]) -> None:
    cap = quiet_app.app.state.ctx.settings.max_request_bytes  # type: ignore[attr-defined]

    def body() -> Iterator[bytes]:  # chunked: no Content-Length
        for _ in range(cap // 65536 + 64):
            yield b" " * 65536

    response = quiet_app.post(
        SESSIONS,
        content=body(),
        headers={"x-api-key": keys["standard"], "Content-Type": "application/json"},
    )
    assert assert_envelope(response, 413)["field"] == "body"


def test_an_image_at_the_byte_cap_still_fits_the_body_cap(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    settings = quiet_app.app.state.ctx.settings  # type: ignore[attr-defined]
    padded = object_png(64) + b"\0" * (settings.max_image_bytes - len(object_png(64)))
    response = quiet_app.post(
        SESSIONS, headers={"x-api-key": keys["standard"]}, json={"image_url": _uri(padded)}
    )
    assert response.status_code != 413, response.json()


# ---- messages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        (b'{"image_url": ' + b"[" * 5000 + b"]" * 5000 + b"}", "too deeply"),
        (b'{"image_url": "\xff\xfe"}', "UTF-8"),
    ],
)
def test_unparseable_bodies_say_what_is_wrong(
    quiet_app: TestClient, keys: dict[str, str], raw: bytes, hint: str
) -> None:
    response = quiet_app.post(
        SESSIONS,
        content=raw,
        headers={"x-api-key": keys["standard"], "Content-Type": "application/json"},
    )
    assert assert_envelope(response, 400)["field"] == "body"
    assert hint in response.json()["message"]


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "false"])
def test_booleans_must_be_json_booleans(
    quiet_app: TestClient, keys: dict[str, str], value: object
) -> None:
    response = quiet_app.post(
        SESSIONS,
        headers={"x-api-key": keys["standard"]},
        json={"image_url": _uri(object_png(64)), "auto_gen_3d": value},
    )
    assert assert_envelope(response, 400)["field"] == "auto_gen_3d"
    assert "JSON boolean" in response.json()["message"]


def test_framework_errors_wear_the_same_envelope(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    missing = assert_envelope(quiet_app.get("/no/such/route"), 404)
    assert missing == {"field": "path", "allowed": "see /docs"}
    wrong = quiet_app.put(f"{SESSIONS}/SESSION_1_1", headers={"x-api-key": keys["standard"]})
    method = assert_envelope(wrong, 405)
    assert method["field"] == "method" and "GET" in method["allowed"]
    huge = "S" * 10_000
    response = quiet_app.get(f"{SESSIONS}/{huge}", headers={"x-api-key": keys["standard"]})
    assert_envelope(response, 404)
    assert len(response.content) < 400


# ---- download links --------------------------------------------------------------------------


def test_odd_signatures_and_keys_are_403_or_404(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    assert_envelope(quiet_app.get("/files/YQ.%C3%A9/x.png"), 403)
    assert_envelope(quiet_app.get("/files/%C3%A9.%C3%A9/x.png"), 403)
    signer = quiet_app.app.state.ctx.signer  # type: ignore[attr-defined]
    assert_envelope(quiet_app.get(signer.path("SESSION_1/../../signing.key")), 404)
    assert_envelope(quiet_app.get(signer.path("SESSION_1/é.png")), 404)
    created = assert_envelope(
        quiet_app.post(
            SESSIONS,
            headers={"x-api-key": keys["standard"]},
            json={"image_url": _uri(object_png(64))},
        ),
        201,
    )
    response = quiet_app.post(
        f"{SESSIONS}/get-3d/preview/{created['session_code']}",
        headers={"x-api-key": keys["standard"]},
        json={"selected_spin": "http://h/files/YQ.%C3%A9/x.png"},
    )
    assert response.status_code < 500 and response.json()["statusCode"] < 500
    response = quiet_app.post(
        f"{SESSIONS}/get-3d/preview/{created['session_code']}",
        headers={"x-api-key": keys["standard"]},
        json={"selected_spin": "http://h/files/YQ.é/x.png"},
    )
    assert_envelope(response, 400)


# ---- odd photos are refused before the 201 ----------------------------------------------------


@pytest.mark.parametrize(
    ("image", "status"),
    [
        (object_png(128)[:600], 400),  # truncated
        (_png((1, 1)), 400),
        (_png((40000, 1)), 400),
        (_png((40, 400)), 400),  # 10:1
    ],
)
def test_unusable_images_are_refused_at_create(
    quiet_app: TestClient, keys: dict[str, str], image: bytes, status: int
) -> None:
    response = quiet_app.post(
        SESSIONS, headers={"x-api-key": keys["standard"]}, json={"image_url": _uri(image)}
    )
    assert assert_envelope(response, status)["field"] == "image_url"
    files = quiet_app.app.state.ctx.settings.files_dir  # type: ignore[attr-defined]
    assert not any(files.iterdir()) if files.exists() else True


def test_phone_photos_are_accepted(quiet_app: TestClient, keys: dict[str, str]) -> None:
    buffer = io.BytesIO()
    frame = Image.fromarray(np.full((64, 96, 3), 120, np.uint8))
    frame.save(buffer, format="MPO", save_all=True, append_images=[frame])
    created = assert_envelope(
        quiet_app.post(
            SESSIONS,
            headers={"x-api-key": keys["standard"]},
            json={"image_url": _uri(buffer.getvalue(), "image/jpeg")},
        ),
        201,
    )
    assert created["input_image"].endswith("/image.jpg")
    ramp = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (64, 1))
    buffer = io.BytesIO()
    Image.fromarray(ramp).save(buffer, format="PNG")
    assert_envelope(
        quiet_app.post(
            SESSIONS,
            headers={"x-api-key": keys["standard"]},
            json={"image_url": _uri(buffer.getvalue())},
        ),
        201,
    )


# ---- one key cannot fill the queue for all ---------------------------------------------------


def test_per_key_queue_limit_leaves_room_for_other_keys(settings: Settings) -> None:
    settings.key_queue_limit_standard = 2
    settings.queue_limit = 5
    with TestClient(create_app(settings, run_workers=False)) as client:
        db = client.app.state.ctx.db  # type: ignore[attr-defined]
        greedy, other = create_key(db, "standard"), create_key(db, "standard")
        body = {"image_url": _uri(object_png(64))}
        for _ in range(2):
            assert_envelope(client.post(SESSIONS, headers={"x-api-key": greedy}, json=body), 201)
        refused = client.post(SESSIONS, headers={"x-api-key": greedy}, json=body)
        data = assert_envelope(refused, 429)
        assert data["limit"] == "per_key_queued_jobs" and data["max"] == 2
        assert "standard keys" in refused.json()["message"]
        assert int(refused.headers["Retry-After"]) >= 1
        assert_envelope(client.post(SESSIONS, headers={"x-api-key": other}, json=body), 201)


# ---- the photo lives in storage, not in the sessions row -------------------------------------


def test_the_photo_is_not_kept_in_the_database(quiet_app: TestClient, keys: dict[str, str]) -> None:
    headers = {"x-api-key": keys["standard"]}
    image = object_png(200)
    marker = base64.b64encode(image).decode()[200:260]
    created = assert_envelope(
        quiet_app.post(SESSIONS, headers=headers, json={"image_url": _uri(image)}), 201
    )
    assert created["image_url"] == created["input_image"]  # a link to the stored copy
    assert quiet_app.get(created["image_url"]).content == image
    # GET (the poll) answers the signed link of the stored copy too, never the URI.
    got = assert_envelope(
        quiet_app.get(f"{SESSIONS}/{created['session_code']}", headers=headers), 200
    )
    ctx = quiet_app.app.state.ctx  # type: ignore[attr-defined]
    assert got["image_url"] == got["input_image"] and not got["image_url"].startswith("data:")
    assert ctx.signer.key_of_url(got["image_url"]) == f"{created['session_code']}/input/image.png"
    assert quiet_app.get(got["image_url"]).content == image
    settings = ctx.settings
    database = settings.data_dir / "i23d.sqlite3"
    with sqlite3.connect(database) as connection:
        stored = connection.execute("SELECT image_url FROM sessions").fetchone()[0]
        row = connection.execute("SELECT * FROM sessions").fetchone()
    assert stored == ""
    # The whole row stays small: a tenth of the URI sent, whatever the image's size.
    assert sum(len(str(value)) for value in row) < len(_uri(image)) / 10
    assert_envelope(quiet_app.delete(f"{SESSIONS}/{created['session_code']}", headers=headers), 200)
    assert not (settings.files_dir / created["session_code"]).exists()
    for path in settings.data_dir.glob("i23d.sqlite3*"):
        assert marker.encode() not in path.read_bytes() and image[100:160] not in path.read_bytes()
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(settings.data_dir).st_mode) == 0o700


def test_an_http_image_url_is_answered_as_sent_and_cleared_on_delete(
    quiet_app: TestClient, keys: dict[str, str], image_server
) -> None:  # type: ignore[no-untyped-def]
    base, _ = image_server
    headers = {"x-api-key": keys["standard"]}
    created = assert_envelope(
        quiet_app.post(SESSIONS, headers=headers, json={"image_url": f"{base}/object.png"}), 201
    )
    assert created["image_url"] == f"{base}/object.png"
    assert_envelope(quiet_app.delete(f"{SESSIONS}/{created['session_code']}", headers=headers), 200)
    database = quiet_app.app.state.ctx.settings.data_dir / "i23d.sqlite3"  # type: ignore[attr-defined]
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT image_url FROM sessions").fetchone()[0] == ""


# ---- storage full ----------------------------------------------------------------------------


def test_under_the_free_space_floor_creates_answer_507_and_health_fails(settings: Settings) -> None:
    settings.min_free_bytes = 2**62  # more than any disk has
    with TestClient(create_app(settings, run_workers=False)) as client:
        key = create_key(client.app.state.ctx.db, "standard")  # type: ignore[attr-defined]
        refused = client.post(
            SESSIONS, headers={"x-api-key": key}, json={"image_url": _uri(object_png(64))}
        )
        assert assert_envelope(refused, 507)["field"] == "storage"
        assert int(refused.headers["Retry-After"]) > 0
        assert "storage is full" in refused.json()["message"]
        assert not settings.files_dir.exists() or not any(settings.files_dir.iterdir())
        health = assert_envelope(client.get("/healthz"), 503)
        assert health["status"] == "failing" and health["database_writable"] is True
        assert any("disk" in problem for problem in health["problems"])
        assert health["disk_free_bytes"] < health["min_free_bytes"]


def test_health_reports_queue_disk_database_and_workers(quiet_app: TestClient) -> None:
    health = assert_envelope(quiet_app.get("/healthz"), 200)
    assert health["database_writable"] is True and health["queued_jobs"] == 0
    assert health["disk_free_bytes"] >= health["min_free_bytes"]
    assert health["workers_in_process"] is False


def test_health_fails_when_the_engine_threads_are_gone(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        health = assert_envelope(client.get("/healthz"), 200)
        assert health["workers"] == 1 and health["workers_in_process"] is True
        client.app.state.workers.stop()  # type: ignore[attr-defined]
        stopped = assert_envelope(client.get("/healthz"), 503)
        assert stopped["workers"] == 0
        assert any("engine threads" in problem for problem in stopped["problems"])
