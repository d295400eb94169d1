"""FBX via Blender: ufbx reads back vertices, UVs, material, embedded texture; quads stay quads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import ufbx
from PIL import Image

from i23d.engine.asset import Asset
from i23d.engine.export import fbx
from tests.engine.export.conftest import QUADS_OPTIONS
from tests.engine.export.ufbx_read import read_with_ufbx


@pytest.fixture(scope="module")
def read_back(quads_asset: Asset, tmp_path_factory: pytest.TempPathFactory) -> dict:
    try:
        fbx.blender_python()
    except fbx.BlenderUnavailable as missing:
        pytest.skip(str(missing))
    folder = tmp_path_factory.mktemp("fbx")
    (folder / "mesh.fbx").write_bytes(fbx.export_fbx(quads_asset))
    report = read_with_ufbx(folder / "mesh.fbx", folder / "texture.png")
    report["texture_path"] = folder / "texture.png"
    return report


def test_fbx_is_y_up_metres_at_the_requested_size(read_back: dict) -> None:
    assert read_back["mesh_nodes"] == 1
    assert read_back["up"] == ufbx.CoordinateAxis.POSITIVE_Y
    assert read_back["front"] == ufbx.CoordinateAxis.POSITIVE_Z
    extent = np.ptp(np.asarray(read_back["world_metres"]), axis=0)
    np.testing.assert_allclose(extent, QUADS_OPTIONS.scaled_bbox, rtol=0.005)


def test_fbx_keeps_quads_and_uvs(read_back: dict, quads_asset: Asset) -> None:
    assert read_back["face_count"] == len(quads_asset.quads)
    assert read_back["face_sizes"] == [4]
    uv = np.asarray(read_back["uv"])
    assert uv.min() >= -1e-6 and uv.max() <= 1 + 1e-6
    # welded: one position per distinct point, UVs per corner
    assert read_back["vertex_count"] == len(np.unique(quads_asset.vertices, axis=0))


def test_fbx_material_embeds_the_texture(read_back: dict, quads_asset: Asset) -> None:
    assert read_back["material_count"] == 1
    assert read_back["texture_embedded"]  # the pixels are in the file, not just a path
    image = Image.open(Path(read_back["texture_path"])).convert("RGB")
    assert image.size == (QUADS_OPTIONS.texture_resolution,) * 2
    np.testing.assert_array_equal(np.asarray(image), np.asarray(quads_asset.texture))


def test_missing_blender_is_a_clear_error(
    quads_asset: Asset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fbx.BLENDER_PYTHON_ENV, "/nonexistent/python")
    with pytest.raises(fbx.BlenderUnavailable, match="bpy"):
        fbx.export_fbx(quads_asset)


def test_blender_worker_is_reused_and_restarted_when_it_dies(
    quads_asset: Asset, read_back: dict
) -> None:
    def same_file_as(first: bytes) -> bool:  # FBX headers carry a timestamp
        again = fbx.export_fbx(quads_asset)
        return again[:18] == b"Kaydara FBX Binary" and len(again) == len(first)

    first = fbx.export_fbx(quads_asset)
    process = fbx._worker._process
    assert process is not None and process.poll() is None
    assert same_file_as(first) and fbx._worker._process is process  # the same Blender
    process.kill()
    process.wait()
    assert same_file_as(first)  # a fresh Blender took over
    assert fbx._worker._process is not process
