"""Read an animated FBX's skin and animation stack with ufbx, in a child process (see
:mod:`tests.engine.export.ufbx_read` for why: the binding crashes when wrappers are freed).

Usage: ``python -m tests.engine.animate.ufbx_skin FILE`` prints a JSON report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def read_skin_with_ufbx(path: Path) -> dict:
    """Run this module on ``path`` in a child Python and return its report."""
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-m", "tests.engine.animate.ufbx_skin", str(path)],
        capture_output=True, text=True, timeout=120, check=True, cwd=root,
    )  # fmt: skip
    return json.loads(result.stdout)


_never_freed: list[object] = []


def _keep(value):  # noqa: ANN001, ANN202 - any wrapper
    _never_freed.append(value)
    return value


def _report(path: str) -> dict:
    import ufbx

    scene = _keep(ufbx.load_file(path))
    node = _keep([n for n in _keep(list(scene.nodes)) if n.mesh is not None][0])
    mesh = _keep(node.mesh)
    skin = _keep(_keep(list(mesh.skin_deformers))[0])
    clusters = _keep(list(skin.clusters))
    weighted = np.zeros(mesh.num_vertices, bool)
    for cluster in clusters:
        weighted[np.asarray(list(_keep(cluster.vertices)), dtype=np.int64)] = True
    stacks = _keep(list(scene.anim_stacks))
    stack = stacks[0]
    leg = next(c.bone_node.name for c in clusters if c.bone_node.name.startswith("thigh"))
    angles = []
    for fraction in np.linspace(0, 1, 9):
        time = stack.time_begin + fraction * (stack.time_end - stack.time_begin)
        posed = _keep(
            scene.evaluate(stack.anim, time)
            if hasattr(scene, "evaluate")
            else ufbx.evaluate_scene(scene, stack.anim, time)
        )
        rotation = _keep(posed.find_node(leg)).local_transform.rotation
        angles.append([rotation.x, rotation.y, rotation.z, rotation.w])
    angles = np.array(angles)
    return {
        "stacks": [s.name for s in stacks],
        "duration": stack.time_end - stack.time_begin,
        "clusters": len(clusters),
        "weighted_vertices": float(weighted.mean()),
        "bone_motion": float(np.ptp(angles, axis=0).max()),
    }


if __name__ == "__main__":
    print(json.dumps(_report(sys.argv[1])), flush=True)
    os._exit(0)
