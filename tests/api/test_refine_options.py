"""Enterprise options at refine time: ``topology``, ``resolution`` and ``texture_resolution``
in the refine body are validated like create's, need an enterprise key, override the session's
values (GET shows them) and shape the refined mesh. The HTTP-level checks run without engine
workers; one slow test refines one session twice with the real engine and reads the files back
with readers other than the writers (pygltflib, the OBJ text, Pillow)."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pygltflib import GLTF2

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.sessions.keys import create_key
from tests.api.conftest import assert_envelope
from tests.api.flows import poll
from tests.conftest import migrated, object_png

SESSIONS = "/image-to-3d-sessions"
PNG_URI = "data:image/png;base64," + base64.b64encode(object_png(64)).decode()
LOW_POLY_TRIANGLES = 5_000  # docs/api.md and engine.postprocess.FACE_BUDGETS


def _refine(client: TestClient, key: str, code: str, body: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    kwargs = {"json": body} if body is not None else {}
    return client.post(f"{SESSIONS}/get-3d/refine/{code}", headers={"x-api-key": key}, **kwargs)


def _previewed_session(client: TestClient, key: str) -> str:
    """A session brought to ``preview_done`` by finishing its job by hand (no engine)."""
    code = assert_envelope(
        client.post(SESSIONS, headers={"x-api-key": key}, json={"image_url": PNG_URI}), 201
    )["session_code"]
    _finish_next_job(client)
    return code


def _finish_next_job(client: TestClient) -> dict[str, Any]:
    """Claim the oldest queued job, finish it with no files, and return the options it ran
    with (what a worker would have handed the engine)."""
    service = client.app.state.ctx.service  # type: ignore[attr-defined]
    ticket = service.claim("test-worker")
    assert ticket is not None
    spins = [
        {
            "index": i,
            "prior": "inflate",
            "score": 0.5,
            "reason": "",
            "video_key": "",
            "still_key": "",
        }
        for i in range(4)
    ]
    assert service.finish(ticket, artifacts={}, spins=spins, chosen=0)
    return ticket.options


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("topology", "ngons"),
        ("topology", 4),
        ("resolution", "mid_poly"),
        ("texture_resolution", 100),
        ("texture_resolution", 4096),
        ("texture_resolution", "big"),
    ],
)
def test_refine_checks_each_enterprise_option_like_create(
    quiet_app: TestClient, keys: dict[str, str], field: str, value: object
) -> None:
    code = _previewed_session(quiet_app, keys["enterprise"])
    response = _refine(quiet_app, keys["enterprise"], code, {field: value})
    data = assert_envelope(response, 400)
    create = quiet_app.post(
        SESSIONS,
        headers={"x-api-key": keys["enterprise"]},
        json={"image_url": PNG_URI, field: value},
    )
    assert data == assert_envelope(create, 400)  # same field, same allowed values
    assert data["field"] == field and field in response.json()["message"]
    assert data["allowed"].split(" ")[0] in response.json()["message"]
    assert (
        quiet_app.get(f"{SESSIONS}/{code}", headers={"x-api-key": keys["enterprise"]}).json()[
            "data"
        ]["status"]
        == "preview_done"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("topology", "quads"), ("resolution", "low_poly"), ("texture_resolution", 512)],
)
def test_refine_enterprise_options_need_an_enterprise_key(
    quiet_app: TestClient, keys: dict[str, str], field: str, value: object
) -> None:
    code = _previewed_session(quiet_app, keys["standard"])
    response = _refine(quiet_app, keys["standard"], code, {field: value})
    assert assert_envelope(response, 403) == {"field": field}
    assert field in response.json()["message"] and "enterprise" in response.json()["message"]
    session = quiet_app.get(f"{SESSIONS}/{code}", headers={"x-api-key": keys["standard"]})
    assert assert_envelope(session, 200)["status"] == "preview_done"  # nothing was queued
    # Sent empty, they count as not sent: any key may refine.
    empty = {"topology": "", "resolution": None, "texture_resolution": ""}
    assert (
        assert_envelope(_refine(quiet_app, keys["standard"], code, empty), 200)["status"]
        == "unprocessed"
    )


def test_refine_options_override_the_sessions_and_persist(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    key = keys["enterprise"]
    code = assert_envelope(
        quiet_app.post(
            SESSIONS,
            headers={"x-api-key": key},
            json={"image_url": PNG_URI, "topology": "tris", "texture_resolution": 1024},
        ),
        201,
    )["session_code"]
    _finish_next_job(quiet_app)

    def session() -> dict[str, Any]:
        return assert_envelope(quiet_app.get(f"{SESSIONS}/{code}", headers={"x-api-key": key}), 200)

    assert_envelope(
        _refine(quiet_app, key, code, {"topology": "quads", "resolution": "low_poly"}), 200
    )
    shown = session()
    assert (
        shown["status"],
        shown["topology"],
        shown["resolution"],
        shown["texture_resolution"],
    ) == ("refining", "quads", "low_poly", 1024)
    ran_with = _finish_next_job(quiet_app)
    assert (ran_with["topology"], ran_with["resolution"], ran_with["texture_resolution"]) == (
        "quads",
        "low_poly",
        1024,
    )

    # Refine again after refine_done: only the texture changes; the rest is kept.
    assert session()["status"] == "refine_done"
    assert_envelope(_refine(quiet_app, key, code, {"texture_resolution": 256, "topology": ""}), 200)
    ran_with = _finish_next_job(quiet_app)
    assert (ran_with["topology"], ran_with["resolution"], ran_with["texture_resolution"]) == (
        "quads",
        "low_poly",
        256,
    )
    assert (session()["topology"], session()["texture_resolution"]) == ("quads", 256)

    # No body at all keeps everything.
    assert_envelope(_refine(quiet_app, key, code, None), 200)
    assert _finish_next_job(quiet_app)["texture_resolution"] == 256


# ---- with the real engine ------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    settings = migrated(Settings(data_dir=tmp_path_factory.mktemp("refine"), workers=1))
    with TestClient(create_app(settings)) as client:
        db = client.app.state.ctx.db  # type: ignore[attr-defined]
        yield client, create_key(db, "enterprise")


def _obj_face_sizes(zip_bytes: bytes) -> set[int]:
    """The vertex counts of the faces in the OBJ inside the zip, read from the OBJ text."""
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    obj = archive.read(next(n for n in archive.namelist() if n.endswith(".obj"))).decode()
    return {len(line.split()) - 1 for line in obj.splitlines() if line.startswith("f ")}


def _glb_summary(glb_bytes: bytes) -> tuple[int, tuple[int, int]]:
    """(triangles, base-colour texture size) of a GLB, read with pygltflib and Pillow."""
    gltf = GLTF2.load_from_bytes(glb_bytes)
    blob = gltf.binary_blob()
    triangles = sum(gltf.accessors[p.indices].count // 3 for m in gltf.meshes for p in m.primitives)
    material = gltf.materials[gltf.meshes[0].primitives[0].material]
    texture = gltf.textures[material.pbrMetallicRoughness.baseColorTexture.index]
    view = gltf.bufferViews[gltf.images[texture.source].bufferView]
    image = Image.open(io.BytesIO(blob[view.byteOffset : view.byteOffset + view.byteLength]))
    return triangles, image.size


@pytest.mark.slow
def test_refined_mesh_honours_the_options_given_at_refine(live) -> None:  # type: ignore[no-untyped-def]
    client, key = live
    headers = {"x-api-key": key}

    def get(code: str) -> dict[str, Any]:
        return assert_envelope(client.get(f"{SESSIONS}/{code}", headers=headers), 200)

    def download(url: str) -> bytes:
        response = client.get(url)
        assert response.status_code == 200, url
        return response.content

    image = "data:image/png;base64," + base64.b64encode(object_png(256)).decode()
    code = assert_envelope(client.post(SESSIONS, headers=headers, json={"image_url": image}), 201)[
        "session_code"
    ]
    previewed, _ = poll(
        get,
        code,
        field="status",
        until={"preview_done", "preview_failed"},
        allowed={"training_preview"},
    )
    assert previewed["status"] == "preview_done", previewed["failure_reason"]
    preview_triangles, preview_texture = _glb_summary(download(previewed["preview_mesh_url_glb"]))

    # First refine: quads and a 256² texture.
    assert_envelope(
        _refine(client, key, code, {"topology": "quads", "texture_resolution": 256}), 200
    )
    first, _ = poll(
        get, code, field="status", until={"refine_done", "refine_failed"}, allowed={"refining"}
    )
    assert first["status"] == "refine_done", first["failure_reason"]
    assert (first["topology"], first["texture_resolution"]) == ("quads", 256)
    assert _obj_face_sizes(download(first["mesh_url_zip"])) == {4}
    first_triangles, first_texture = _glb_summary(download(first["mesh_url_glb"]))
    assert first_texture == (256, 256) != preview_texture

    # Second refine of the same session: low_poly; quads and 256² are kept from the first.
    assert_envelope(_refine(client, key, code, {"resolution": "low_poly"}), 200)
    second, _ = poll(
        get, code, field="status", until={"refine_done", "refine_failed"}, allowed={"refining"}
    )
    assert second["status"] == "refine_done", second["failure_reason"]
    assert (second["topology"], second["resolution"], second["texture_resolution"]) == (
        "quads",
        "low_poly",
        256,
    )
    zip_bytes = download(second["mesh_url_zip"])
    assert _obj_face_sizes(zip_bytes) == {4}
    triangles, texture = _glb_summary(download(second["mesh_url_glb"]))
    assert 100 < triangles <= LOW_POLY_TRIANGLES < max(first_triangles, preview_triangles)
    assert texture == (256, 256)
