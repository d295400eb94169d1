"""What this machine offers: GET /options (the engine's option values), /healthz's formats, and a
preview on a machine without Blender (FBX not offered, never a failed preview; animation refused
with the reason)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.engine.animate import CLIP_NAMES, RIG_CHOICES
from i23d.engine.export import FORMATS
from i23d.engine.export.fbx import BLENDER_PYTHON_ENV
from i23d.engine.options import PIXEL_ALIGNMENTS, PREVIEW_MESHES, EngineOptions
from i23d.engine.postprocess import TEXTURE_RESOLUTIONS
from i23d.sessions.keys import create_key
from tests.api.conftest import assert_envelope
from tests.api.flows import poll

SESSIONS = "/image-to-3d-sessions"


@pytest.fixture
def no_blender(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This process finds no Python with ``bpy``, as on a machine without ``.venv-blender``."""
    monkeypatch.setenv(BLENDER_PYTHON_ENV, str(tmp_path / "no-blender" / "python"))


def test_options_are_the_engines_and_need_no_key(quiet_app: TestClient) -> None:
    data = assert_envelope(quiet_app.get("/options"), 200)
    create = {option["name"]: option for option in data["create"]}
    assert create["preview_mesh"]["choices"] == list(PREVIEW_MESHES)
    assert create["preview_mesh"]["default"] == EngineOptions().preview_mesh
    assert create["pixel_alignment"]["choices"] == list(PIXEL_ALIGNMENTS)
    assert (create["diffusion_time_steps"]["min"], create["diffusion_time_steps"]["max"]) == (
        16,
        200,
    )
    assert create["texture_resolution"]["choices"] == list(TEXTURE_RESOLUTIONS)
    assert create["texture_resolution"]["enterprise"] and not create["preview_mesh"]["enterprise"]
    animate = {option["name"]: option for option in data["animate"]}
    assert animate["animations"]["choices"] == list(CLIP_NAMES)
    assert animate["rig"]["choices"] == list(RIG_CHOICES)


def test_healthz_lists_the_formats_and_why_fbx_is_missing(
    no_blender: None, quiet_app: TestClient
) -> None:
    health = assert_envelope(quiet_app.get("/healthz"), 200)
    assert health["formats"] == [name for name in FORMATS if name != "fbx"]
    assert "bpy" in health["formats_missing"]["fbx"]
    assert "bpy" in health["animation_missing"]


@pytest.fixture
def working_app(settings: Settings) -> Iterator[tuple[TestClient, str]]:
    with TestClient(create_app(settings)) as client:
        db = client.app.state.ctx.db  # type: ignore[attr-defined]
        yield client, create_key(db, "standard")


@pytest.mark.slow
def test_a_preview_without_blender_succeeds_without_fbx(
    no_blender: None, working_app: tuple[TestClient, str], image_server: tuple[str, Path]
) -> None:
    client, key = working_app
    headers = {"x-api-key": key}
    created = assert_envelope(
        client.post(
            SESSIONS,
            headers=headers,
            json={"image_url": f"{image_server[0]}/object.png", "preview_mesh": "turbo"},
        ),
        201,
    )
    code = created["session_code"]

    def get(code: str) -> dict:
        return assert_envelope(client.get(f"{SESSIONS}/{code}", headers=headers), 200)

    poll(
        get,
        code,
        field="status",
        until={"spin_generate_done"},
        allowed={"spin_generate_processing"},
    )
    assert_envelope(client.post(f"{SESSIONS}/get-3d/preview/{code}", headers=headers), 200)
    done, _ = poll(
        get, code, field="status", until={"preview_done", "preview_failed"},
        allowed={"training_preview"},
    )  # fmt: skip
    assert done["status"] == "preview_done", done["failure_reason"]
    assert done["preview_mesh_url_fbx"] == "" and done["mesh_url_fbx"] == ""
    for field in ("preview_mesh_url", "preview_mesh_url_glb", "preview_mesh_url_zip",
                  "preview_mesh_url_usdz", "preview_mesh_url_3mf"):  # fmt: skip
        assert done[field].startswith("http"), field
    glb = client.get(done["preview_mesh_url_glb"])
    assert glb.status_code == 200 and glb.headers["content-type"] == "model/gltf-binary"
    refused = client.post(f"{SESSIONS}/get-3d/animate/{code}", headers=headers)
    assert assert_envelope(refused, 501)["field"] == "animations"
    assert "bpy" in refused.json()["message"]
    assert get(code)["status"] == "preview_done"  # nothing queued, nothing lost
