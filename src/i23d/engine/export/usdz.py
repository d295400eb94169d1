"""USDZ for Apple Quick Look / AR: a UsdPreviewSurface-textured mesh, packaged with usd-core.

The stage is ``upAxis`` Y with ``metersPerUnit`` 1 (so the model's metres are the viewer's),
holds one mesh under a ``component`` root prim, and its PNG texture lies inside the package.
USDZ gets the triangles: RealityKit renders them as they are, with no re-triangulation.

USD (``pxr``) is imported when a USDZ is made, not with this module: it takes longer to load
than a small model takes to build, and most runs of ``i23d generate`` write no USDZ.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

import numpy as np

from i23d.engine.asset import Asset
from i23d.engine.export.registry import ExportFormat, register

if TYPE_CHECKING:
    from pxr import Usd, UsdShade

TEXTURE_NAME = "texture.png"


def export_usdz(asset: Asset) -> bytes:
    """The asset as an ARKit-conformant ``.usdz`` package."""
    from pxr import Sdf, UsdUtils

    with tempfile.TemporaryDirectory(prefix="i23d-usdz-") as folder:
        with open(os.path.join(folder, TEXTURE_NAME), "wb") as file:
            file.write(asset.texture_png)
        layer_path = os.path.join(folder, "model.usdc")
        _write_stage(asset, layer_path)
        package_path = os.path.join(folder, "model.usdz")
        if not UsdUtils.CreateNewARKitUsdzPackage(Sdf.AssetPath(layer_path), package_path):
            raise RuntimeError("usd-core could not package the USDZ")
        with open(package_path, "rb") as file:
            return file.read()


def _write_stage(asset: Asset, path: str) -> None:
    from pxr import Gf, Kind, Sdf, Usd, UsdGeom, UsdShade, Vt

    stage = Usd.Stage.CreateNew(path)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    root = UsdGeom.Xform.Define(stage, "/model")
    stage.SetDefaultPrim(root.GetPrim())
    Usd.ModelAPI(root.GetPrim()).SetKind(Kind.Tokens.component)

    mesh = UsdGeom.Mesh.Define(stage, "/model/mesh")
    points = np.ascontiguousarray(asset.vertices, dtype=np.float32)
    triangles = np.ascontiguousarray(asset.triangles, dtype=np.int32)
    mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(points))
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(len(triangles), 3, np.int32)))
    mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(triangles.ravel()))
    mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    mesh.CreateOrientationAttr(UsdGeom.Tokens.rightHanded)
    mesh.CreateDoubleSidedAttr(False)
    low, high = points.min(axis=0), points.max(axis=0)
    mesh.CreateExtentAttr(Vt.Vec3fArray([Gf.Vec3f(*map(float, low)), Gf.Vec3f(*map(float, high))]))
    mesh.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(asset.normals.astype(np.float32)))
    mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
    UsdGeom.PrimvarsAPI(mesh).CreatePrimvar(
        "st", Sdf.ValueTypeNames.TexCoord2fArray, UsdGeom.Tokens.vertex
    ).Set(Vt.Vec2fArray.FromNumpy(asset.uv.astype(np.float32)))

    material = _textured_material(stage, asset)
    UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(material)
    stage.GetRootLayer().Save()


def _textured_material(stage: Usd.Stage, asset: Asset) -> UsdShade.Material:
    from pxr import Sdf, UsdShade

    """UsdPreviewSurface whose diffuse colour is the texture, read through the ``st`` primvar."""
    material = UsdShade.Material.Define(stage, "/model/material")
    st_name = material.CreateInput("frame:stPrimvarName", Sdf.ValueTypeNames.String)
    st_name.Set("st")

    reader = UsdShade.Shader.Define(stage, "/model/material/st_reader")
    reader.CreateIdAttr("UsdPrimvarReader_float2")
    reader.CreateInput("varname", Sdf.ValueTypeNames.String).ConnectToSource(st_name)
    reader.CreateOutput("result", Sdf.ValueTypeNames.Float2)

    texture = UsdShade.Shader.Define(stage, "/model/material/base_color")
    texture.CreateIdAttr("UsdUVTexture")
    texture.CreateInput("file", Sdf.ValueTypeNames.Asset).Set(TEXTURE_NAME)
    texture.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set("sRGB")
    texture.CreateInput("wrapS", Sdf.ValueTypeNames.Token).Set("clamp")
    texture.CreateInput("wrapT", Sdf.ValueTypeNames.Token).Set("clamp")
    texture.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(
        reader.ConnectableAPI(), "result"
    )
    texture.CreateOutput("rgb", Sdf.ValueTypeNames.Float3)

    surface = UsdShade.Shader.Define(stage, "/model/material/surface")
    surface.CreateIdAttr("UsdPreviewSurface")
    surface.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f).ConnectToSource(
        texture.ConnectableAPI(), "rgb"
    )
    pbr = asset.visual.material
    metallic = float(getattr(pbr, "metallicFactor", None) or 0.0)
    roughness = float(getattr(pbr, "roughnessFactor", None) or 0.9)
    surface.CreateInput("metallic", Sdf.ValueTypeNames.Float).Set(metallic)
    surface.CreateInput("roughness", Sdf.ValueTypeNames.Float).Set(roughness)
    surface.CreateOutput("surface", Sdf.ValueTypeNames.Token)
    material.CreateSurfaceOutput().ConnectToSource(surface.ConnectableAPI(), "surface")
    return material


register(
    ExportFormat(
        "usdz",
        "mesh.usdz",
        "model/vnd.usdz+zip",
        export_usdz,
        preview_field="preview_mesh_url_usdz",
        model_fields=("mesh_url_usdz", "polished_mesh_url_usdz"),
    )
)
