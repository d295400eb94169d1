"""USDZ: usd-core's validators report no errors; Y up, metres, the texture inside the package."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pxr import Usd, UsdGeom, UsdShade, UsdValidation

from i23d.engine.asset import Asset
from i23d.engine.export.usdz import export_usdz
from tests.engine.export.conftest import TRIS_OPTIONS


@pytest.fixture(scope="module")
def usdz(tris_asset: Asset) -> bytes:
    return export_usdz(tris_asset)


@pytest.fixture()
def stage(usdz: bytes, tmp_path: Path) -> Usd.Stage:
    path = tmp_path / "mesh.usdz"
    path.write_bytes(usdz)
    return Usd.Stage.Open(str(path))


def test_usd_validation_reports_no_errors(stage: Usd.Stage) -> None:
    registry = UsdValidation.ValidationRegistry()
    context = UsdValidation.ValidationContext(registry.GetOrLoadAllValidators())
    errors = [
        f"{error.GetName()}: {error.GetMessage()}"
        for error in context.Validate(stage)
        if error.GetType() == UsdValidation.ValidationErrorType.Error
    ]
    assert errors == []


def test_stage_is_y_up_in_metres_at_the_requested_size(stage: Usd.Stage) -> None:
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    meshes = [UsdGeom.Mesh(prim) for prim in stage.Traverse() if prim.IsA(UsdGeom.Mesh)]
    assert len(meshes) == 1
    points = np.asarray(meshes[0].GetPointsAttr().Get())
    np.testing.assert_allclose(np.ptp(points, axis=0), TRIS_OPTIONS.scaled_bbox, rtol=0.005)
    assert stage.GetDefaultPrim().GetName() == "model"


def test_texture_is_inside_the_package_and_bound(
    usdz: bytes, stage: Usd.Stage, tris_asset: Asset
) -> None:
    with zipfile.ZipFile(io.BytesIO(usdz)) as archive:
        names = archive.namelist()
        assert names[0].endswith(".usdc")  # the root layer comes first
        pngs = [name for name in names if name.endswith(".png")]
        assert len(pngs) == 1
        image = Image.open(io.BytesIO(archive.read(pngs[0]))).convert("RGB")
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED  # USDZ packages are uncompressed
    assert image.size == (TRIS_OPTIONS.texture_resolution,) * 2
    np.testing.assert_array_equal(np.asarray(image), np.asarray(tris_asset.texture))
    mesh = next(prim for prim in stage.Traverse() if prim.IsA(UsdGeom.Mesh))
    material, _ = UsdShade.MaterialBindingAPI(mesh).ComputeBoundMaterial()
    shaders = [UsdShade.Shader(prim) for prim in Usd.PrimRange(material.GetPrim())]
    files = [
        shader.GetInput("file").Get()
        for shader in shaders
        if shader and shader.GetIdAttr().Get() == "UsdUVTexture"
    ]
    assert len(files) == 1 and files[0].resolvedPath.endswith(".png]")
