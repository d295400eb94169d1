"""Blender binds the mesh to the rig (automatic heat weights) and writes GLB and FBX per clip.

The work runs in a long-lived Blender process of its own (:mod:`rig_blender`, started like
the FBX exporter's by :class:`~i23d.engine.export.fbx.BlenderWorker`), fed a mesh file, the
texture and a JSON rig with the clips' keys.
"""

from __future__ import annotations

import atexit
import json
import tempfile
from pathlib import Path

from i23d.engine.animate.clips import Clip
from i23d.engine.animate.skeleton import SIMPLE, Rig
from i23d.engine.asset import Asset
from i23d.engine.export.fbx import BlenderWorker, blender_python, write_blender_mesh

RIG_SCRIPT = Path(__file__).with_name("rig_blender.py")

_worker = BlenderWorker(RIG_SCRIPT, "rigging")
atexit.register(_worker.close)


def skin_and_export(
    asset: Asset, rig: Rig, clips: list[Clip], fbx: bool = True
) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, float]]:
    """Each clip as GLB (and FBX): the asset skinned to ``rig``, that clip's action only; and
    the seconds Blender spent on each step (build, bind, keys, glb, fbx)."""
    interpreter = blender_python()
    with tempfile.TemporaryDirectory(prefix="i23d-rig-") as folder:
        work = Path(folder)
        write_blender_mesh(asset, work / "mesh.npz")
        (work / "texture.png").write_bytes(asset.texture_png)
        spec = {
            "bones": [
                {
                    "name": b.name,
                    "head": b.head.tolist(),
                    "tail": b.tail.tolist(),
                    "parent": b.parent,
                }
                for b in rig.bones
            ],
            "weights": "single" if rig.kind == SIMPLE else "auto",
            "clips": [
                {
                    "name": c.name,
                    "fps": c.fps,
                    "frames": c.frames,
                    "rotations": {k: v.tolist() for k, v in c.rotations.items()},
                    "scales": {k: v.tolist() for k, v in c.scales.items()},
                    "root_offset": c.root_offset.tolist(),
                    "glb": str(work / f"{c.name}.glb"),
                    "fbx": str(work / f"{c.name}.fbx") if fbx else None,
                }
                for c in clips
            ],
        }
        (work / "rig.json").write_text(json.dumps(spec), encoding="utf-8")
        reply = _worker.run(
            interpreter,
            {
                "mesh": str(work / "mesh.npz"),
                "texture": str(work / "texture.png"),
                "rig": str(work / "rig.json"),
            },
        )
        glb = {c.name: (work / f"{c.name}.glb").read_bytes() for c in clips}
        fbx_files = {c.name: (work / f"{c.name}.fbx").read_bytes() for c in clips} if fbx else {}
    return glb, fbx_files, {f"blender_{k}": float(v) for k, v in reply["seconds"].items()}
