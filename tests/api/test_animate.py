"""POST /image-to-3d-sessions/get-3d/animate/{code}: validation and the status rules without
workers; then the whole flow (photo → preview → animate → animate_done) with the real engine."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.sessions.keys import create_key
from tests.api.conftest import assert_envelope
from tests.api.flows import poll
from tests.conftest import migrated, object_png
from tests.engine.animate.figures import biped
from tests.engine.animate.gltf_skin import read_glb
from tests.engine.photos import photograph, striped, vase

SESSIONS = "/image-to-3d-sessions"
ANIMATE = f"{SESSIONS}/get-3d/animate"
CLIP_FIELDS = [
    f"animated_{clip}_url{suffix}" for clip in ("walk", "run", "jump") for suffix in ("", "_fbx")
]


def _data_uri(pixels: Any) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _session(client: TestClient, key: str) -> str:
    uri = "data:image/png;base64," + base64.b64encode(object_png(64)).decode()
    created = client.post(SESSIONS, headers={"x-api-key": key}, json={"image_url": uri})
    return assert_envelope(created, 201)["session_code"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"animations": ["walk", "fly"]}, "animations"),
        ({"animations": "walk"}, "animations"),
        ({"animations": []}, "animations"),
        ({"animations": [3]}, "animations"),
        ({"rig": "snake"}, "rig"),
        ({"rig": None}, "rig"),
    ],
)
def test_bad_values_are_400_naming_the_field(
    quiet_app: TestClient, keys: dict[str, str], body: dict[str, Any], field: str
) -> None:
    code = _session(quiet_app, keys["standard"])
    response = quiet_app.post(
        f"{ANIMATE}/{code}", headers={"x-api-key": keys["standard"]}, json=body
    )
    data = assert_envelope(response, 400)
    assert data["field"] == field and data["allowed"]
    assert field in response.json()["message"]


def test_animating_before_a_preview_is_409_naming_the_status(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    code = _session(quiet_app, keys["standard"])
    response = quiet_app.post(f"{ANIMATE}/{code}", headers={"x-api-key": keys["standard"]})
    data = assert_envelope(response, 409)
    status = quiet_app.get(f"{SESSIONS}/{code}", headers={"x-api-key": keys["standard"]}).json()[
        "data"
    ]["status"]
    assert data["status"] == status == "training_preview"  # queued, no worker runs it
    assert status in response.json()["message"]
    other = quiet_app.post(f"{ANIMATE}/{code}", headers={"x-api-key": keys["enterprise"]})
    assert_envelope(other, 404)  # someone else's session
    assert quiet_app.post(f"{ANIMATE}/{code}").status_code == 401


def test_new_sessions_show_empty_animation_fields(
    quiet_app: TestClient, keys: dict[str, str]
) -> None:
    code = _session(quiet_app, keys["standard"])
    data = assert_envelope(
        quiet_app.get(f"{SESSIONS}/{code}", headers={"x-api-key": keys["standard"]}), 200
    )
    assert all(data[field] == "" for field in CLIP_FIELDS)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    settings = migrated(Settings(data_dir=tmp_path_factory.mktemp("animate"), workers=2))
    with TestClient(create_app(settings)) as client:
        yield client, create_key(client.app.state.ctx.db, "standard")  # type: ignore[attr-defined]


class _Client:
    def __init__(self, client: TestClient, key: str) -> None:
        self.client, self.headers = client, {"x-api-key": key}

    def get(self, code: str) -> dict[str, Any]:
        return assert_envelope(self.client.get(f"{SESSIONS}/{code}", headers=self.headers), 200)

    def post(self, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
        kwargs = {"json": body} if body is not None else {}
        return assert_envelope(self.client.post(path, headers=self.headers, **kwargs), status)

    def download(self, url: str) -> bytes:
        response = self.client.get(url)
        assert response.status_code == 200, url
        return response.content

    def preview(self, image_url: str) -> dict[str, Any]:
        created = self.post(
            SESSIONS, {"image_url": image_url, "generate_preview_mesh": True}, status=201
        )
        done, _ = poll(
            self.get,
            created["session_code"],
            field="status",
            until={"preview_done"},
            allowed={"training_preview"},
        )
        return done


@pytest.mark.slow
def test_a_character_walks_runs_and_jumps(live: tuple[TestClient, str]) -> None:
    api = _Client(*live)
    done = api.preview(_data_uri(photograph(striped(biped()))))
    code = done["session_code"]
    static = api.download(done["preview_mesh_url_glb"])
    job = api.post(f"{ANIMATE}/{code}")
    assert job["status"] == "unprocessed" and job["complete_job_data"]["call"] == "animate"
    animated, seen = poll(
        api.get, code, field="status", until={"animate_done"}, allowed={"animating"}
    )
    assert animated["session_status"] == "complete" and animated["percent_done"] == 100
    assert any(0 < p < 100 for p in seen) or len(seen) == 1
    for clip in ("walk", "run", "jump"):
        glb = read_glb(api.download(animated[f"animated_{clip}_url"]))
        assert [a.name for a in glb.gltf.animations] == [clip]
        assert api.download(animated[f"animated_{clip}_url_fbx"])[:18] == b"Kaydara FBX Binary"
    assert api.download(animated["preview_mesh_url_glb"]) == static  # the model is untouched

    api.post(f"{ANIMATE}/{code}", {"animations": ["jump"], "rig": "quadruped"})
    again, _ = poll(api.get, code, field="status", until={"animate_done"}, allowed={"animating"})
    assert again["animated_jump_url"] and again["animated_jump_url_fbx"]
    assert again["animated_walk_url"] == again["animated_run_url"] == ""
    joints = read_glb(api.download(again["animated_jump_url"])).joint_names()
    assert any(name.startswith("front_leg") for name in joints)  # the forced rig


@pytest.mark.slow
def test_a_vase_jumps_but_will_not_walk(live: tuple[TestClient, str]) -> None:
    api = _Client(*live)
    code = api.preview(_data_uri(photograph(vase())))["session_code"]
    response = api.client.post(
        f"{ANIMATE}/{code}", headers=api.headers, json={"animations": ["walk", "jump"]}
    )
    data = assert_envelope(response, 422)
    assert data["field"] == "animations" and "no legs" in response.json()["message"]
    assert api.get(code)["status"] == "preview_done"  # nothing was queued
    api.post(f"{ANIMATE}/{code}", {"animations": ["jump"]})
    done, _ = poll(api.get, code, field="status", until={"animate_done"}, allowed={"animating"})
    assert done["animated_jump_url"] and done["animated_walk_url"] == ""
