"""Client-side helpers for the flow tests: poll a session as the SDKs do, and check downloads
with readers other than the writers."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trimesh
from pxr import Usd, UsdGeom

Getter = Callable[[str], dict[str, Any]]


def poll(
    get: Getter,
    code: str,
    *,
    field: str,
    until: set[str],
    allowed: set[str],
    timeout: float = 240.0,
) -> tuple[dict[str, Any], list[float]]:
    """GET the session until ``data[field]`` is in ``until``; every status seen on the way must
    be in ``allowed``. Returns the final data and the ``percent_done`` values seen."""
    seen: list[float] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = get(code)
        seen.append(data["percent_done"])
        if data[field] in until:
            return data, seen
        assert data[field] in allowed | until, (data[field], data["failure_reason"])
        time.sleep(0.05)
    raise AssertionError(f"{code} did not reach {until} in {timeout} s")


def check_glb(content: bytes) -> trimesh.Trimesh:
    """A GLB that trimesh reads back as one textured mesh."""
    assert content[:4] == b"glTF"
    scene = trimesh.load(io.BytesIO(content), file_type="glb", force="scene")
    mesh = trimesh.util.concatenate(list(scene.dump()))
    assert len(mesh.faces) > 100
    return mesh


def check_obj_zip(content: bytes) -> None:
    """A zip holding an OBJ, its MTL and a texture image that trimesh reads back."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    assert any(n.endswith(".obj") for n in names) and any(n.endswith(".mtl") for n in names)
    assert any(n.endswith((".png", ".jpg")) for n in names)
    obj_name = next(n for n in names if n.endswith(".obj"))
    mesh = trimesh.load(io.BytesIO(archive.read(obj_name)), file_type="obj", force="mesh")
    assert len(mesh.faces) > 100


def check_usdz(content: bytes, tmp_dir: Path) -> None:
    """A USDZ package that USD (pxr) opens: Y up, metres, one mesh, a texture inside."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert any(n.endswith((".png", ".jpg")) for n in archive.namelist())
    path = tmp_dir / "mesh.usdz"
    path.write_bytes(content)
    stage = Usd.Stage.Open(str(path))
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    meshes = [prim for prim in stage.Traverse() if prim.IsA(UsdGeom.Mesh)]
    assert meshes and len(UsdGeom.Mesh(meshes[0]).GetFaceVertexCountsAttr().Get()) > 100


def check_fbx(content: bytes) -> None:
    """A binary FBX file."""
    assert content.startswith(b"Kaydara FBX Binary")


def check_mp4(content: bytes) -> None:
    """An MP4 (ISO-BMFF with an ftyp box first)."""
    assert content[4:8] == b"ftyp" and len(content) > 1000
