"""Every flow of API.md end to end, in-process, with the real engine and exporters, written
as CSM's three SDK generations and the seeds' own snippets call the API."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from i23d.api.app import create_app
from i23d.config import Settings
from i23d.sessions.keys import create_key
from tests.api.conftest import assert_envelope
from tests.api.flows import (
    check_fbx,
    check_glb,
    check_mp4,
    check_obj_zip,
    check_usdz,
    poll,
)
from tests.conftest import migrated, object_png

pytestmark = pytest.mark.slow
SESSIONS = "/image-to-3d-sessions"


class Sdk:
    """The calls CSM's SDKs make, over a TestClient."""

    def __init__(self, client: TestClient, key: str) -> None:
        self.client = client
        self.headers = {"x-api-key": key, "Content-Type": "application/json"}

    def create(self, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        return assert_envelope(self.client.post(SESSIONS, headers=self.headers, json=body), status)

    def get(self, code: str) -> dict[str, Any]:
        return assert_envelope(self.client.get(f"{SESSIONS}/{code}", headers=self.headers), 200)

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        kwargs = {"json": body} if body is not None else {}
        return assert_envelope(
            self.client.post(path, headers={"x-api-key": self.headers["x-api-key"]}, **kwargs), 200
        )

    def download(self, url: str) -> bytes:
        assert url.startswith("http"), url
        response = self.client.get(url)  # no key: links are signed
        assert response.status_code == 200, url
        return response.content


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = migrated(
        Settings(data_dir=tmp_path_factory.mktemp("flows"), workers=2, allow_private_urls=True)
    )
    with TestClient(create_app(settings)) as client:
        db = client.app.state.ctx.db  # type: ignore[attr-defined]
        yield (
            client,
            {"enterprise": create_key(db, "enterprise"), "standard": create_key(db, "standard")},
        )


def test_first_generation_sdk_spin_preview_refine(live, image_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client, keys = live
    base, _ = image_server
    sdk = Sdk(client, keys["enterprise"])
    created = sdk.create(
        {
            "image_url": f"{base}/object.png",
            "preview_mesh": "turbo",
            "pixel_alignment": "highest",
            "model_resolution": "high",
            "resolution": "high_poly",
            "diffusion_time_steps": 75,
            "auto_gen_3d": False,
            "topology": "tris",
            "texture_resolution": 2048,
        }
    )
    assert created["status"] == "spin_generate_processing"
    code = created["session_code"]
    spun, progress = poll(
        sdk.get,
        code,
        field="status",
        until={"spin_generate_done"},
        allowed={"spin_generate_processing"},
    )
    assert len(spun["spins"]) == 4 and spun["session_status"] == "incomplete"
    assert {s["prior"] for s in spun["spins"]} == {"inflate", "revolve", "extrude", "relief"}
    for spin in spun["spins"]:
        assert spin["image_url"].endswith(f"spin_{spin['index']}.mp4")
    check_mp4(sdk.download(spun["spins"][0]["image_url"]))
    assert sdk.download(spun["spins"][0]["still_url"])[:8] == b"\x89PNG\r\n\x1a\n"

    job = sdk.post(
        f"{SESSIONS}/get-3d/preview/{code}",
        {"selected_spin_index": 0, "selected_spin": spun["spins"][0]["image_url"]},
    )
    assert job["status"] == "unprocessed" and job["scenario"] == code
    assert sdk.get(code)["status"] == "training_preview"
    done, _ = poll(
        sdk.get, code, field="status", until={"preview_done"}, allowed={"training_preview"}
    )
    assert done["session_status"] == "complete" and done["percent_done"] == 100
    check_obj_zip(sdk.download(done["preview_mesh_url_zip"]))
    mesh = check_glb(sdk.download(done["preview_mesh_url_glb"]))
    assert np.allclose(mesh.extents.max(), 1.0, atol=0.02)
    check_usdz(sdk.download(done["preview_mesh_url_usdz"]), tmp_path)
    check_fbx(sdk.download(done["preview_mesh_url_fbx"]))
    assert done["preview_mesh_url_3mf"].endswith("mesh.3mf")
    assert done["mp4_url"].endswith("spin_0.mp4")  # the chosen spin's turntable
    assert done["mesh_url_glb"] == ""

    refine = sdk.post(f"{SESSIONS}/get-3d/refine/{code}")
    assert refine["status"] == "unprocessed"
    refined, _ = poll(sdk.get, code, field="status", until={"refine_done"}, allowed={"refining"})
    check_glb(sdk.download(refined["mesh_url_glb"]))
    assert sdk.download(refined["session_gif"])[:6] in (b"GIF89a", b"GIF87a")
    check_obj_zip(sdk.download(refined["mesh_url_zip"]))
    for field in (
        "mesh_url_usdz",
        "mesh_url_fbx",
        "mesh_url_obj",
        "mesh_url_3mf",
        "mesh_url",
        "polished_mesh_url_glb",
        "polished_mesh_url_usdz",
        "polished_mesh_url",
    ):
        assert refined[field].startswith("http"), field


def test_second_generation_sdk_straight_to_preview(live, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client, keys = live
    sdk = Sdk(client, keys["standard"])
    image = "data:image/png;base64," + base64.b64encode(object_png(256)).decode()
    created = sdk.create(
        {
            "image_url": image,
            "manual_segmentation": False,
            "pivot_point": [0.0, -0.5, 0.0],
            "scaled_bbox": [2.0, 1.0, 0.5],
        }
    )
    session_status = created.get("session_status") or created["status"]
    assert session_status != "failed"
    done, _ = poll(
        sdk.get,
        created["session_code"],
        field="status",
        until={"preview_done"},
        allowed={"training_preview"},
    )
    obj = sdk.download(done["preview_mesh_url"])
    assert done["preview_mesh_url"].endswith("mesh.obj") and b"\nv " in obj
    mesh = check_glb(sdk.download(done["preview_mesh_url_glb"]))
    assert np.allclose(mesh.extents, [2.0, 1.0, 0.5], atol=0.02)
    assert abs(mesh.bounds[0][1]) < 0.02  # pivot [0, -0.5, 0]: bottom centre at the origin
    check_usdz(sdk.download(done["preview_mesh_url_usdz"]), tmp_path)


def test_newest_sdk_runs_straight_through(live, image_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client, keys = live
    base, _ = image_server
    sdk = Sdk(client, keys["standard"])
    created = sdk.create({"image_url": f"{base}/object512.jpg"})
    assert created["session_status"] == "queued"
    done, seen = poll(
        sdk.get,
        created["session_code"],
        field="session_status",
        until={"complete", "failed"},
        allowed={"queued", "in_progress"},
    )
    assert done["session_status"] == "complete", done["failure_reason"]
    assert any(0 < p < 100 for p in seen), seen  # percent_done moved during the work
    assert done["percent_done"] == 100
    downloads = {
        fmt: sdk.download(done[f"mesh_url_{fmt}"]) for fmt in ("obj", "zip", "glb", "fbx", "usdz")
    }
    check_obj_zip(downloads["zip"])
    check_glb(downloads["glb"])
    check_fbx(downloads["fbx"])
    check_usdz(downloads["usdz"], tmp_path)
    assert b"\nv " in downloads["obj"]


def test_auto_gen_regenerate_and_delete(live, image_server) -> None:  # type: ignore[no-untyped-def]
    client, keys = live
    base, _ = image_server
    sdk = Sdk(client, keys["standard"])
    created = sdk.create(
        {"image_url": f"{base}/object.png", "auto_gen_3d": True, "preview_mesh": "turbo"}
    )
    code = created["session_code"]
    done, _ = poll(
        sdk.get,
        code,
        field="status",
        until={"preview_done"},
        allowed={"spin_generate_processing", "training_preview"},
    )
    best = max(done["spins"], key=lambda s: s["score"])
    assert done["selected_spin_index"] == best["index"]
    first_links = [s["image_url"] for s in done["spins"]]

    regenerated = sdk.post(f"{SESSIONS}/{code}/regenerate-spins", {"diffusion_time_steps": 24})
    assert regenerated["status"] == "spin_generate_processing"
    spun, _ = poll(
        sdk.get,
        code,
        field="status",
        until={"spin_generate_done"},
        allowed={"spin_generate_processing"},
    )
    assert spun["diffusion_time_steps"] == 24
    assert all("/spins/" not in link for link in first_links)  # links carry no storage path
    assert [s["image_url"] for s in spun["spins"]] != first_links
    check_mp4(sdk.download(spun["spins"][3]["image_url"]))

    files = Path(client.app.state.ctx.settings.files_dir) / code  # type: ignore[attr-defined]
    assert files.exists()
    assert_envelope(client.delete(f"{SESSIONS}/{code}", headers=sdk.headers), 200)
    assert not files.exists()
    assert client.get(spun["spins"][0]["image_url"]).status_code == 404
