"""The whole session flow of the API on the Hunyuan3D-2 backend (a tiny random-weight model,
chosen by ``I23D_RECONSTRUCTOR`` as a user would): four spins with their videos, preview,
refine, every format, placement options; no network."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import trimesh
from fastapi.testclient import TestClient

pytest.importorskip("hy3dgen", reason="the neural extra is not installed")

from i23d.api.app import create_app  # noqa: E402
from i23d.config import Settings  # noqa: E402
from i23d.sessions.keys import create_key  # noqa: E402
from tests.api.flows import (  # noqa: E402
    check_fbx,
    check_glb,
    check_mp4,
    check_obj_zip,
    check_usdz,
    poll,
)
from tests.api.test_flows import SESSIONS, Sdk  # noqa: E402
from tests.conftest import migrated, object_png  # noqa: E402
from tests.neural.test_hunyuan3d import OCTREES, no_network  # noqa: E402, F401
from tests.neural.tiny_hunyuan import write_snapshot  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("I23D_HUNYUAN3D_PATH", str(write_snapshot(tmp_path / "weights")))
    monkeypatch.setenv("I23D_HUNYUAN3D_DEVICE", "cpu")
    for name, value in OCTREES.items():
        monkeypatch.setenv(f"I23D_HUNYUAN3D_{name.upper()}", str(value))
    settings = migrated(Settings(data_dir=tmp_path / "data", workers=1, reconstructor="hunyuan3d"))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def closed(mesh: trimesh.Trimesh) -> bool:
    """Whether the mesh is watertight once the copies of vertices a UV seam makes are merged."""
    welded = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    welded.merge_vertices(merge_tex=True, merge_norm=True)
    return bool(welded.is_watertight)


def test_spins_preview_refine_and_every_format(client: TestClient, tmp_path: Path) -> None:
    db = client.app.state.ctx.db  # type: ignore[attr-defined]
    sdk = Sdk(client, create_key(db, "enterprise"))
    image = "data:image/png;base64," + base64.b64encode(object_png(192)).decode()
    created = sdk.create(
        {
            "image_url": image,
            "auto_gen_3d": False,
            "diffusion_time_steps": 16,
            "preview_mesh": "turbo",
            "resolution": "low_poly",
            "scaled_bbox": [2.0, 1.0, 0.5],
            "pivot_point": [0.0, -0.5, 0.0],
        }
    )
    code = created["session_code"]
    spun, seen = poll(
        sdk.get,
        code,
        field="status",
        until={"spin_generate_done"},
        allowed={"spin_generate_processing"},
    )
    assert [spin["prior"] for spin in spun["spins"]] == ["seed 0", "seed 1", "seed 2", "seed 3"]
    assert any(0 < percent < 100 for percent in seen), seen
    for spin in spun["spins"]:
        check_mp4(sdk.download(spin["image_url"]))

    sdk.post(f"{SESSIONS}/get-3d/preview/{code}", {"selected_spin_index": 2})
    done, _ = poll(
        sdk.get, code, field="status", until={"preview_done"}, allowed={"training_preview"}
    )
    assert done["session_status"] == "complete", done["failure_reason"]
    mesh = check_glb(sdk.download(done["preview_mesh_url_glb"]))
    assert closed(mesh)
    assert np.allclose(mesh.extents, [2.0, 1.0, 0.5], atol=1e-3)  # scaled_bbox, +Y is height
    assert np.allclose(mesh.bounds[0][1], 0.0, atol=1e-3)  # pivot: bottom centre at the origin
    assert np.allclose(mesh.bounds.sum(axis=0)[[0, 2]], 0.0, atol=1e-3)
    check_obj_zip(sdk.download(done["preview_mesh_url_zip"]))
    check_usdz(sdk.download(done["preview_mesh_url_usdz"]), tmp_path)
    three_mf = zipfile.ZipFile(io.BytesIO(sdk.download(done["preview_mesh_url_3mf"])))
    assert any(name.endswith(".model") for name in three_mf.namelist())
    if done["preview_mesh_url_fbx"]:  # offered where Blender is installed
        check_fbx(sdk.download(done["preview_mesh_url_fbx"]))
    assert done["mp4_url"].endswith("spin_2.mp4")

    sdk.post(f"{SESSIONS}/get-3d/refine/{code}")
    refined, _ = poll(sdk.get, code, field="status", until={"refine_done"}, allowed={"refining"})
    assert refined["session_status"] == "complete", refined["failure_reason"]
    polished = check_glb(sdk.download(refined["mesh_url_glb"]))
    assert closed(polished)
    assert len(polished.faces) <= 5_000  # low_poly
    assert np.allclose(polished.extents, [2.0, 1.0, 0.5], atol=1e-3)
    assert np.allclose(polished.bounds[0][1], 0.0, atol=1e-3)
    check_obj_zip(sdk.download(refined["mesh_url_zip"]))
    for field in ("mesh_url_usdz", "mesh_url_obj", "mesh_url_3mf", "mesh_url", "session_gif"):
        assert refined[field].startswith("http"), field
        assert sdk.download(refined[field])
