"""Read a mesh file with ufbx in a child process and report it as JSON.

ufbx 0.0.5's Python binding crashes (SIGSEGV) when a scene is freed around the time its
wrapper objects are, so the tests read files in a child that keeps the scene, prints what it
found and leaves with ``os._exit`` before anything is freed.

Usage: ``python -m tests.engine.export.ufbx_read MESH_FILE TEXTURE_OUT`` — prints the JSON and
writes the first material's embedded texture (if any) to ``TEXTURE_OUT``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def read_with_ufbx(path: Path, texture_out: Path) -> dict:
    """Run this module on ``path`` in a child Python and return its report."""
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-m", "tests.engine.export.ufbx_read", str(path), str(texture_out)],
        capture_output=True, text=True, timeout=120, check=True, cwd=root,
    )  # fmt: skip
    return json.loads(result.stdout)


_never_freed: list[object] = []


def _report(path: str, texture_out: str) -> dict:
    import ufbx

    scene = ufbx.load_file(path, load_external_files=True)  # OBJ: follow mtllib
    _never_freed.append(scene)
    nodes = [node for node in scene.nodes if node.mesh is not None]
    node = nodes[0]
    mesh = node.mesh
    positions = np.array([[p.x, p.y, p.z] for p in mesh.vertex_position.values])
    corners = list(mesh.vertex_position.indices)
    to_world = node.geometry_to_world
    columns = (to_world.c0, to_world.c1, to_world.c2, to_world.c3)
    matrix = np.array([[c.x, c.y, c.z] for c in columns]).T
    texture = mesh.materials[0].fbx.diffuse_color.texture if len(mesh.materials) else None
    if texture is not None and len(texture.content):
        Path(texture_out).write_bytes(bytes(texture.content))
    uv = [[p.x, p.y] for p in mesh.vertex_uv.values] if mesh.vertex_uv.exists else None
    unit = scene.settings.unit_meters or 1.0  # OBJ states no unit: ufbx reports 0
    return {
        "mesh_nodes": len(nodes),
        "up": int(scene.settings.axes.up),
        "front": int(scene.settings.axes.front),
        "unit_meters": unit,
        "world_metres": ((positions @ matrix[:, :3].T + matrix[:, 3]) * unit).tolist(),
        "face_sizes": sorted({face.num_indices for face in mesh.faces}),
        "face_count": mesh.num_faces,
        "polygons": [  # per face, its corners' indices into world_metres
            [int(corners[i]) for i in range(face.index_begin, face.index_begin + face.num_indices)]
            for face in mesh.faces
        ],
        "vertex_count": mesh.num_vertices,
        "uv": uv,
        "has_normal": mesh.vertex_normal.exists,
        "material_count": len(mesh.materials),
        "texture_file": Path(texture.filename).name if texture is not None else None,
        "texture_embedded": bool(texture is not None and len(texture.content)),
    }


if __name__ == "__main__":
    print(json.dumps(_report(sys.argv[1], sys.argv[2])), flush=True)
    os._exit(0)
