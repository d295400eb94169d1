"""Bad input answers 4xx in the envelope, naming the field and what it allows; never 5xx.
Runs without engine workers: these are HTTP-level behaviours."""

from __future__ import annotations

import base64
import io
import json

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.sessions.keys import create_key
from tests.api.conftest import assert_envelope
from tests.conftest import migrated, object_png

SESSIONS = "/image-to-3d-sessions"
PNG_URI = "data:image/png;base64," + base64.b64encode(object_png(64)).decode()


def _post(client: TestClient, key: str, body: object, path: str = SESSIONS):  # type: ignore[no-untyped-def]
    return client.post(path, headers={"x-api-key": key}, json=body)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("preview_mesh", "fast"),
        ("preview_mesh", None),
        ("pixel_alignment", "high"),
        ("model_resolution", "medium"),
        ("diffusion_time_steps", 15),
        ("diffusion_time_steps", 201),
        ("diffusion_time_steps", "many"),
        ("diffusion_time_steps", 20.5),
        ("auto_gen_3d", "maybe"),
        ("generate_preview_mesh", [1]),
        ("topology", "ngons"),
        ("resolution", "mid_poly"),
        ("texture_resolution", 100),
        ("texture_resolution", 4096),
        ("scaled_bbox", [1, 2]),
        ("scaled_bbox", [0, 1, 1]),
        ("scaled_bbox", "big"),
        ("pivot_point", [0, 0, 0.6]),
        ("pivot_point", "centre"),
        ("image_url", 42),
        ("image_url", ""),
    ],
)
def test_each_seed_parameter_is_checked(
    quiet_app: TestClient, keys: dict[str, str], field: str, value: object
) -> None:
    body = {"image_url": PNG_URI, field: value}
    data = assert_envelope(_post(quiet_app, keys["enterprise"], body), 400)
    message = quiet_app.post(SESSIONS, headers={"x-api-key": keys["enterprise"]}, json=body).json()[
        "message"
    ]
    assert data["field"] == field and field in message
    assert data["allowed"] and data["allowed"].split(" ")[0] in message


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b'"text"', b"null", b"{}"])
def test_malformed_bodies_are_400(quiet_app: TestClient, keys: dict[str, str], raw: bytes) -> None:
    response = quiet_app.post(
        SESSIONS,
        content=raw,
        headers={"x-api-key": keys["standard"], "Content-Type": "application/json"},
    )
    data = assert_envelope(response, 400)
    assert data["field"] in ("body", "image_url")


def test_a_body_without_json_content_type_is_explained(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    response = quiet_app.post(
        SESSIONS,
        content=json.dumps({"image_url": PNG_URI}),
        headers={"x-api-key": keys["standard"], "Content-Type": "text/plain"},
    )
    assert_envelope(response, 400)
    assert "Content-Type: application/json" in response.json()["message"]


def test_auth_is_required(quiet_app: TestClient, keys: dict[str, str]) -> None:
    assert_envelope(quiet_app.get(SESSIONS), 401)
    assert_envelope(quiet_app.get(SESSIONS, headers={"x-api-key": "nope"}), 401)
    assert_envelope(quiet_app.post(SESSIONS, json={"image_url": PNG_URI}), 401)
    assert_envelope(
        quiet_app.get(f"{SESSIONS}/SESSION_1_1", headers={"x-api-key": "x" * 5000}), 401
    )


@pytest.mark.parametrize(
    "field,value", [("topology", "quads"), ("resolution", "low_poly"), ("texture_resolution", 512)]
)
def test_enterprise_fields_need_an_enterprise_key(
    quiet_app: TestClient, keys: dict[str, str], field: str, value: object
) -> None:
    body = {"image_url": PNG_URI, field: value}
    response = _post(quiet_app, keys["standard"], body)
    assert_envelope(response, 403)
    assert field in response.json()["message"]
    created = assert_envelope(_post(quiet_app, keys["enterprise"], body), 201)
    assert created[field] == value


def test_empty_enterprise_defaults_pass_for_standard_keys(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    body = {"image_url": PNG_URI, "topology": "", "resolution": "", "texture_resolution": ""}
    assert_envelope(_post(quiet_app, keys["standard"], body), 201)


def test_create_answer_has_every_seed_key(quiet_app: TestClient, keys: dict[str, str]) -> None:
    seed_body = {
        "image_url": PNG_URI,
        "preview_mesh": "turbo",
        "pixel_alignment": "lowest",
        "model_resolution": "low",
    }
    response = _post(quiet_app, keys["enterprise"], seed_body)
    data = assert_envelope(response, 201)
    seed_keys = {
        "_id",
        "user_id",
        "session_code",
        "image_url",
        "input_image",
        "caption",
        "discord_user_id",
        "user_name",
        "email",
        "preview_mesh_url",
        "mesh_url_usdz",
        "mesh_url_glb",
        "reactions_count",
        "emoji_reactions",
        "texture_resolution",
        "mesh_url",
        "polished_mesh_url_usdz",
        "polished_mesh_url_glb",
        "polished_mesh_url",
        "mesh_url_obj",
        "mesh_url_zip",
        "preview_mesh_url_zip",
        "preview_mesh_url_glb",
        "preview_mesh_url_usdz",
        "preview_mesh_url_fbx",
        "mesh_url_fbx",
        "mp4_url",
        "designer_mesh_url",
        "preview_mesh_url_3mf",
        "mesh_url_3mf",
        "session_gif",
        "user_image",
        "percentage",
        "price",
        "status",
        "topology",
        "resolution",
        "source",
        "demo",
        "user_demo",
        "private",
        "debug",
        "random_poses",
        "inference",
        "output_id",
        "animated_walk_url",
        "animated_run_url",
        "animated_jump_url",
        "auto_gen_3d",
        "server_type",
        "model_version",
        "selected_spin",
        "is_deleted",
        "tier_at_creation",
        "reaction_by_admin",
        "manual_segmentation",
        "preview_mesh",
        "pixel_alignment",
        "model_resolution",
        "product_version",
        "diffusion_time_steps",
        "selected_spin_index",
        "spins",
        "created_at",
        "updated_at",
    }
    assert seed_keys <= set(data)
    assert data["status"] == "spin_generate_processing"
    assert data["session_code"].startswith("SESSION_")
    assert (
        data["preview_mesh"],
        data["pixel_alignment"],
        data["model_resolution"],
        data["diffusion_time_steps"],
        data["auto_gen_3d"],
    ) == ("turbo", "lowest", "low", 20, False)
    assert data["tier_at_creation"] == "enterprise" and data["spins"] == []
    assert data["session_status"] == "queued" and data["percent_done"] == 0
    assert data["created_at"].endswith("Z")
    # The stored input is downloadable through its signed link, without a key.
    stored = quiet_app.get(data["input_image"])
    assert stored.status_code == 200 and stored.content == object_png(64)


def test_unknown_sessions_are_404(quiet_app: TestClient, keys: dict[str, str]) -> None:
    headers = {"x-api-key": keys["standard"]}
    code = "SESSION_1_0000000"
    assert_envelope(quiet_app.get(f"{SESSIONS}/{code}", headers=headers), 404)
    assert_envelope(quiet_app.delete(f"{SESSIONS}/{code}", headers=headers), 404)
    assert_envelope(quiet_app.post(f"{SESSIONS}/{code}/regenerate-spins", headers=headers), 404)
    assert_envelope(
        quiet_app.post(
            f"{SESSIONS}/get-3d/preview/{code}", headers=headers, json={"selected_spin_index": 0}
        ),
        404,
    )
    assert_envelope(quiet_app.post(f"{SESSIONS}/get-3d/refine/{code}", headers=headers), 404)
    assert_envelope(quiet_app.get("/no/such/route"), 404)
    assert_envelope(quiet_app.put(SESSIONS, headers=headers), 405)


def test_calls_that_do_not_fit_the_status_are_409(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    headers = {"x-api-key": keys["standard"]}
    code = assert_envelope(
        _post(quiet_app, keys["standard"], {"image_url": PNG_URI, "preview_mesh": "turbo"}), 201
    )["session_code"]
    preview = quiet_app.post(
        f"{SESSIONS}/get-3d/preview/{code}", headers=headers, json={"selected_spin_index": 0}
    )
    assert assert_envelope(preview, 409)["status"] == "spin_generate_processing"
    assert "spin_generate_processing" in preview.json()["message"]
    assert_envelope(quiet_app.post(f"{SESSIONS}/get-3d/refine/{code}", headers=headers), 409)
    assert_envelope(quiet_app.post(f"{SESSIONS}/{code}/regenerate-spins", headers=headers), 409)


def test_selected_spin_must_be_one_of_the_sessions_spins(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    headers = {"x-api-key": keys["standard"]}
    created = assert_envelope(
        _post(quiet_app, keys["standard"], {"image_url": PNG_URI, "preview_mesh": "turbo"}), 201
    )
    service = quiet_app.app.state.ctx.service  # type: ignore[attr-defined]
    ticket = service.claim("test-worker")
    spins = [
        {
            "index": i,
            "prior": "inflate",
            "score": 0.5,
            "reason": "",
            "video_key": f"{created['session_code']}/spins/1/spin_{i}.mp4",
            "still_key": "",
        }
        for i in range(4)
    ]
    service.finish(ticket, artifacts={}, spins=spins, chosen=0)
    session = quiet_app.get(f"{SESSIONS}/{created['session_code']}", headers=headers).json()
    url = f"{SESSIONS}/get-3d/preview/{created['session_code']}"
    for bad in (
        "https://via.placeholder.com/300/09f/fff.png",
        PNG_URI,
        session["data"]["input_image"],
    ):
        data = assert_envelope(
            quiet_app.post(
                url, headers=headers, json={"selected_spin_index": 0, "selected_spin": bad}
            ),
            400,
        )
        assert data["field"] == "selected_spin"
    mismatch = quiet_app.post(
        url,
        headers=headers,
        json={"selected_spin_index": 1, "selected_spin": session["data"]["spins"][2]["image_url"]},
    )
    assert assert_envelope(mismatch, 400)["field"] == "selected_spin_index"
    accepted = assert_envelope(
        quiet_app.post(
            url, headers=headers, json={"selected_spin": session["data"]["spins"][2]["image_url"]}
        ),
        200,
    )
    assert accepted["status"] == "unprocessed"
    assert accepted["complete_job_data"]["scenario"] == created["session_code"]
    after = quiet_app.get(f"{SESSIONS}/{created['session_code']}", headers=headers).json()
    assert (after["data"]["status"], after["data"]["selected_spin_index"]) == (
        "training_preview",
        2,
    )


def test_list_pages_and_validates(quiet_app: TestClient, keys: dict[str, str]) -> None:
    headers = {"x-api-key": keys["standard"]}
    codes = [
        assert_envelope(_post(quiet_app, keys["standard"], {"image_url": PNG_URI}), 201)[
            "session_code"
        ]
        for _ in range(3)
    ]
    page = quiet_app.get(f"{SESSIONS}?limit=2&page=1", headers=headers)
    assert [s["session_code"] for s in assert_envelope(page, 200)] == codes[::-1][:2]
    assert page.headers["X-Total-Count"] == "3"
    second = assert_envelope(quiet_app.get(f"{SESSIONS}?limit=2&page=2", headers=headers), 200)
    assert [s["session_code"] for s in second] == codes[:1]
    assert (
        assert_envelope(quiet_app.get(f"{SESSIONS}?limit=0", headers=headers), 400)["field"]
        == "limit"
    )
    assert (
        assert_envelope(quiet_app.get(f"{SESSIONS}?page=abc", headers=headers), 400)["field"]
        == "page"
    )
    other = assert_envelope(quiet_app.get(SESSIONS, headers={"x-api-key": keys["enterprise"]}), 200)
    assert other == []


def test_delete_removes_files_and_links(quiet_app: TestClient, keys: dict[str, str]) -> None:
    headers = {"x-api-key": keys["standard"]}
    created = assert_envelope(_post(quiet_app, keys["standard"], {"image_url": PNG_URI}), 201)
    assert quiet_app.get(created["input_image"]).status_code == 200
    deleted = assert_envelope(
        quiet_app.delete(f"{SESSIONS}/{created['session_code']}", headers=headers), 200
    )
    assert deleted["files_removed"] == 1
    files = quiet_app.app.state.ctx.settings.files_dir  # type: ignore[attr-defined]
    assert not (files / created["session_code"]).exists()
    assert_envelope(quiet_app.get(created["input_image"]), 404)
    assert_envelope(quiet_app.get(f"{SESSIONS}/{created['session_code']}", headers=headers), 404)


def test_signed_links_expire_and_resist_tampering(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    created = assert_envelope(_post(quiet_app, keys["standard"], {"image_url": PNG_URI}), 201)
    url = created["input_image"]
    token, filename = url.split("/files/")[1].split("/")
    assert filename == "image.png"
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert_envelope(quiet_app.get(f"/files/{altered}/{filename}"), 403)
    assert_envelope(quiet_app.get(f"/files/{token}/image.jpg"), 403)
    signer = quiet_app.app.state.ctx.signer  # type: ignore[attr-defined]
    key = signer.key_of_url(url)
    expired = signer.path(key, now=0)
    response = quiet_app.get(expired)
    assert_envelope(response, 403)
    assert "expired" in response.json()["message"]


def test_full_queue_answers_429_with_retry_after(settings: Settings) -> None:
    settings.queue_limit = 2
    with TestClient(create_app(settings, run_workers=False)) as client:
        key = create_key(client.app.state.ctx.db, "standard")  # type: ignore[attr-defined]
        for _ in range(2):
            assert_envelope(_post(client, key, {"image_url": PNG_URI}), 201)
        full = _post(client, key, {"image_url": PNG_URI})
        assert_envelope(full, 429)
        assert int(full.headers["Retry-After"]) >= 1


def test_image_checks(settings: Settings) -> None:
    settings.max_image_pixels = 100 * 100
    with TestClient(create_app(settings, run_workers=False)) as client:
        key = create_key(client.app.state.ctx.db, "standard")  # type: ignore[attr-defined]
        not_image = "data:image/png;base64," + base64.b64encode(b"hello").decode()
        assert (
            assert_envelope(_post(client, key, {"image_url": not_image}), 400)["field"]
            == "image_url"
        )
        big = io.BytesIO()
        Image.new("RGB", (200, 200)).save(big, "PNG")
        big_uri = "data:image/png;base64," + base64.b64encode(big.getvalue()).decode()
        response = _post(client, key, {"image_url": big_uri})
        assert_envelope(response, 413)
        assert "10,000" in response.json()["message"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/object.png",
        "http://localhost:{port}/object.png",
        "http://2130706433:{port}/object.png",
        "http://0x7f000001:{port}/object.png",
        "http://0177.0.0.1:{port}/object.png",
        "http://127.1:{port}/object.png",
        "http://[::1]:{port}/object.png",
        "http://[::ffff:127.0.0.1]:{port}/object.png",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/x.png",
        "http://192.168.1.1/x.png",
        "http://0.0.0.0:{port}/object.png",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x.png",
        "gopher://127.0.0.1/",
        "javascript:alert(1)",
    ],
)
def test_private_addresses_are_refused_by_default(
    tmp_path,
    image_server,  # type: ignore[no-untyped-def]
    url: str,
) -> None:
    base, _root = image_server
    port = base.rsplit(":", 1)[1]
    settings = migrated(Settings(data_dir=tmp_path / "d", workers=0, allow_private_urls=False))
    with TestClient(create_app(settings, run_workers=False)) as client:
        key = create_key(client.app.state.ctx.db, "standard")  # type: ignore[attr-defined]
        response = _post(client, key, {"image_url": url.format(port=port)})
        assert 400 <= response.status_code < 500, response.json()
        assert response.json()["data"]["field"] == "image_url"


def test_allowed_private_url_is_fetched(
    quiet_app: TestClient, keys: dict[str, str], image_server
) -> None:  # type: ignore[no-untyped-def]
    base, root = image_server
    data = assert_envelope(
        _post(quiet_app, keys["standard"], {"image_url": f"{base}/object.png"}), 201
    )
    assert data["image_url"] == f"{base}/object.png"
    assert quiet_app.get(data["input_image"]).content == (root / "object.png").read_bytes()


def test_health_and_docs(quiet_app: TestClient) -> None:
    health = assert_envelope(quiet_app.get("/healthz"), 200)
    assert health["status"] == "ok" and health["queued_jobs"] == 0
    assert quiet_app.get("/docs").status_code == 200
    spec = quiet_app.get("/openapi.json").json()
    assert "/image-to-3d-sessions/get-3d/preview/{session_code}" in spec["paths"]
    assert json.dumps(spec)


def test_fast_read_path_answers_like_the_route(quiet_app: TestClient, keys: dict[str, str]) -> None:
    headers = {"x-api-key": keys["standard"]}
    code = assert_envelope(_post(quiet_app, keys["standard"], {"image_url": PNG_URI}), 201)[
        "session_code"
    ]
    quiet_app.app.state.caller_cache._entries.clear()  # type: ignore[attr-defined]
    by_route = quiet_app.get(f"{SESSIONS}/{code}", headers=headers)  # uncached key: the route
    by_fast_path = quiet_app.get(f"{SESSIONS}/{code}", headers=headers)  # now cached
    assert by_route.headers["content-type"] == by_fast_path.headers["content-type"]
    first, second = assert_envelope(by_route, 200), assert_envelope(by_fast_path, 200)
    assert first.keys() == second.keys()
    for name, value in first.items():
        if isinstance(value, str) and "/files/" in value:
            assert second[name].rsplit("/", 1)[1] == value.rsplit("/", 1)[1]
            assert second[name].split("/files/")[0] == value.split("/files/")[0]
        else:
            assert second[name] == value, name
    assert quiet_app.get(second["input_image"]).status_code == 200
    assert_envelope(quiet_app.get(f"{SESSIONS}/SESSION_0_0", headers=headers), 404)


ODD_BODIES: list[object] = [
    None,
    0,
    -1,
    1e308,
    "x" * 10_000,
    [],
    [{}],
    {"a": {"b": [1, {"c": None}]}},
    {"selected_spin_index": -1},
    {"selected_spin_index": 99},
    {"selected_spin_index": "0"},
    {"selected_spin_index": True},
    {"selected_spin": 5},
    {"selected_spin": ""},
    {"scaled_bbox": ["a", "b", "c"]},
    {"pivot_point": [None, 0, 0]},
    {"pivot_point": {"x": 0}},
    {"diffusion_time_steps": -5},
    {"preview_mesh": ["turbo"]},
    {"image_url": "\u0000\ud7ff"},
    {"image_url": "data:,"},
    {"image_url": "data:image/png;base64,!!!"},
    {"image_url": "http://"},
    {"image_url": "http://[::1"},
    {"image_url": "https://exa mple.com/x.png"},
]


def test_odd_input_never_yields_5xx(quiet_app: TestClient, keys: dict[str, str]) -> None:
    headers = {"x-api-key": keys["enterprise"]}
    code = assert_envelope(_post(quiet_app, keys["enterprise"], {"image_url": PNG_URI}), 201)[
        "session_code"
    ]
    paths = [
        SESSIONS,
        f"{SESSIONS}/get-3d/preview/{code}",
        f"{SESSIONS}/get-3d/refine/{code}",
        f"{SESSIONS}/{code}/regenerate-spins",
    ]
    for path in paths:
        for body in ODD_BODIES:
            response = quiet_app.post(path, headers=headers, json=body)
            assert 400 <= response.status_code < 500, (path, body, response.text[:200])
            assert response.json()["statusCode"] == response.status_code
        for raw in (
            b'{"scaled_bbox": [1e400, 1, 1]}',
            b'{"pivot_point": [NaN, 0, 0]}',
            b"\xff\xfe",
            b'{"image_url": "' + b"a" * 100_000 + b'"}',
        ):
            response = quiet_app.post(
                path, content=raw, headers={**headers, "Content-Type": "application/json"}
            )
            assert 400 <= response.status_code < 500, (path, raw[:40], response.text[:200])
    for query in ("limit=-1", "limit=1e9", "page=0", "limit=%00", "page=" + "9" * 400):
        response = quiet_app.get(f"{SESSIONS}?{query}", headers=headers)
        assert 200 <= response.status_code < 500, (query, response.text[:200])
    for odd_code in ("%00", "..%2F..%2Fetc", "x" * 3000, "SESSION_1_1%0A"):
        response = quiet_app.get(f"{SESSIONS}/{odd_code}", headers=headers)
        assert response.status_code == 404, odd_code
