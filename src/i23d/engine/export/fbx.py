"""FBX (binary, texture embedded, quads kept), written by Blender's own exporter.

Blender as a Python module (``bpy``) is the only FBX writer whose files read back correctly
everywhere, but it needs CPython 3.11 and numpy<2, so it lives in its own environment
(``.venv-blender``, made by ``scripts/setup.sh``) and runs here as a subprocess:
:mod:`i23d.engine.export.fbx_blender` builds the mesh and material in an empty scene and
exports it. Its interpreter is ``$I23D_BLENDER_PYTHON``, else ``<repo>/.venv-blender/bin/python``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import trimesh

from i23d.engine.asset import Asset

BLENDER_PYTHON_ENV = "I23D_BLENDER_PYTHON"
DEFAULT_BLENDER_PYTHON = Path(__file__).resolve().parents[4] / ".venv-blender" / "bin" / "python"
BLENDER_SCRIPT = Path(__file__).with_name("fbx_blender.py")
TIMEOUT_S = 300


class BlenderUnavailable(RuntimeError):
    """No Python with ``bpy`` was found, so FBX cannot be written."""


def blender_python() -> Path:
    """The interpreter that has ``bpy``; raises :class:`BlenderUnavailable` if it is missing."""
    path = Path(os.environ.get(BLENDER_PYTHON_ENV) or DEFAULT_BLENDER_PYTHON)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise BlenderUnavailable(
            f"FBX export needs Blender as a Python module (bpy==5.0.1): no interpreter at "
            f"{path}; run scripts/setup.sh or set {BLENDER_PYTHON_ENV} to a Python with bpy"
        )
    return path


def export_fbx(asset: Asset) -> bytes:
    """The asset as a binary FBX 7.4 with the texture embedded; quads stay quads."""
    interpreter = blender_python()
    with tempfile.TemporaryDirectory(prefix="i23d-fbx-") as folder:
        work = Path(folder)
        _write_blender_input(asset, work / "mesh.npz")
        (work / "texture.png").write_bytes(asset.texture_png)
        output = work / "mesh.fbx"
        command = [str(interpreter), str(BLENDER_SCRIPT), str(work / "mesh.npz"),
                   str(work / "texture.png"), str(output)]  # fmt: skip
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
        if result.returncode != 0 or not output.is_file():
            tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            raise RuntimeError(f"Blender's FBX export failed ({result.returncode}): {tail}")
        return output.read_bytes()


def _write_blender_input(asset: Asset, path: Path) -> None:
    """Welded positions, polygons over them and per-corner UVs, as Blender builds meshes.

    The asset splits vertices along UV seams; FBX (like Blender) keeps UVs per polygon corner,
    so the geometry is welded back into one connected surface and the UVs ride on the corners.
    """
    positions, welded = trimesh.grouping.unique_rows(asset.vertices)
    polygons = asset.polygons
    np.savez(
        path,
        positions=asset.vertices[positions].astype(np.float64),
        polygons=welded[polygons].astype(np.int32),
        corner_uv=asset.uv[polygons].reshape(-1, 2).astype(np.float32),
        metallic=np.float32(getattr(asset.mesh.visual.material, "metallicFactor", None) or 0.0),
        roughness=np.float32(getattr(asset.mesh.visual.material, "roughnessFactor", None) or 0.9),
    )
