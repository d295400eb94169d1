"""GLB: the Khronos validator finds no errors; pygltflib reads back geometry and texture."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pygltflib
import pytest
from PIL import Image

from i23d.engine.asset import Asset
from i23d.engine.export.glb import export_glb
from tests.engine.export.conftest import TRIS_OPTIONS

VALIDATOR = Path(__file__).resolve().parents[3] / "tools" / "gltf-validator"


@pytest.fixture(scope="module")
def glb(tris_asset: Asset) -> bytes:
    return export_glb(tris_asset)


def _validate(path: Path) -> dict:
    if shutil.which("node") is None or not (VALIDATOR / "node_modules" / "gltf-validator").is_dir():
        pytest.skip("the glTF validator is not installed (scripts/setup.sh installs it)")
    result = subprocess.run(
        ["node", str(VALIDATOR / "validate.js"), str(path)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


@pytest.mark.parametrize("asset_name", ["tris_asset", "quads_asset"])
def test_khronos_validator_reports_no_errors(
    asset_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    path = tmp_path / "mesh.glb"
    path.write_bytes(export_glb(request.getfixturevalue(asset_name)))
    report = _validate(path)
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]
    assert report["issues"]["numWarnings"] == 0, report["issues"]["messages"]
    assert report["info"]["hasTextures"] is True


def test_glb_reads_back_with_size_normals_and_the_texture(glb: bytes, tris_asset: Asset) -> None:
    gltf = pygltflib.GLTF2.load_from_bytes(glb)
    blob = gltf.binary_blob()
    primitive = gltf.meshes[0].primitives[0]
    attributes = primitive.attributes
    assert attributes.NORMAL is not None and attributes.TEXCOORD_0 is not None
    positions = _accessor(gltf, blob, attributes.POSITION)
    extent = positions.max(axis=0) - positions.min(axis=0)
    np.testing.assert_allclose(extent, TRIS_OPTIONS.scaled_bbox, rtol=0.005)
    assert positions.min(axis=0)[1] == pytest.approx(0.0, abs=1e-6)  # pivot: bottom centre
    normals = _accessor(gltf, blob, attributes.NORMAL)
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-4)
    material = gltf.materials[primitive.material]
    texture = gltf.textures[material.pbrMetallicRoughness.baseColorTexture.index]
    image = gltf.images[texture.source]
    view = gltf.bufferViews[image.bufferView]
    encoded = blob[view.byteOffset : view.byteOffset + view.byteLength]
    assert encoded == tris_asset.texture_png  # encoded as every other format embeds it
    png = Image.open(io.BytesIO(encoded))
    assert png.size == (TRIS_OPTIONS.texture_resolution,) * 2
    pixels = np.asarray(png.convert("RGB"), dtype=np.int16)
    np.testing.assert_array_equal(pixels, np.asarray(tris_asset.texture, dtype=np.int16))
    assert pixels.std() > 10  # a real picture, not a blank material


def _accessor(gltf: pygltflib.GLTF2, blob: bytes, index: int) -> np.ndarray:
    accessor = gltf.accessors[index]
    view = gltf.bufferViews[accessor.bufferView]
    start = view.byteOffset + (accessor.byteOffset or 0)
    width = {"VEC2": 2, "VEC3": 3}[accessor.type]
    data = np.frombuffer(blob, dtype=np.float32, count=accessor.count * width, offset=start)
    return data.reshape(-1, width)
