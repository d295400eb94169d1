"""Speed of rigging and animating: rig + walk, run and jump for a ~50,000-face model.

The model is the tests' standing figure, subdivided and decimated to the target face count and
textured like the engine's output. Prints the median and every repeat's wall time of
:func:`i23d.engine.animate.animate` (the Blender worker is started and warmed first, as in a
running service), the median seconds of each step, the files' sizes, and whether the static
model's files (GLB, OBJ) and arrays are byte-for-byte the same after animating.

    .venv/bin/python -m bench.speed_animate [--faces 50000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time

import fast_simplification
import numpy as np
import trimesh

from i23d.engine.animate import animate
from i23d.engine.asset import Asset
from i23d.engine.export import FORMATS
from tests.engine.animate.figures import as_asset, biped

TARGET_S = 10.0


def figure(faces: int) -> Asset:
    """The test biped with about ``faces`` triangles."""
    mesh = biped(count=48)
    while len(mesh.faces) < faces:
        mesh = mesh.subdivide()
    points, triangles = fast_simplification.simplify(
        np.asarray(mesh.vertices, np.float32),
        np.asarray(mesh.faces, np.int32),
        target_reduction=1.0 - faces / len(mesh.faces),
    )
    return as_asset(trimesh.Trimesh(points, triangles, process=True))


def fingerprint(asset: Asset) -> dict[str, str]:
    """Hashes of the static model's files and arrays."""
    files = {fmt: FORMATS[fmt].write(asset) for fmt in ("glb", "obj")}
    arrays = {
        "vertices": asset.vertices.tobytes(),
        "triangles": asset.triangles.tobytes(),
        "uv": asset.uv.tobytes(),
        "texture": asset.texture_png,
    }
    return {name: hashlib.sha256(data).hexdigest() for name, data in (files | arrays).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    asset = figure(args.faces)
    before = fingerprint(asset)
    print(
        f"model: {len(asset.triangles):,} faces, {len(asset.vertices):,} vertices; "
        f"cores: {os.cpu_count()}; load: {os.getloadavg()[0]:.2f}"
    )
    animate(asset, ["jump"], fbx=False)  # start and warm the Blender worker
    walls, steps = [], []
    for repeat in range(args.repeats):
        started = time.perf_counter()
        result = animate(asset, ["walk", "run", "jump"])
        walls.append(time.perf_counter() - started)
        steps.append(result.seconds)
        print(f"  repeat {repeat + 1}: {walls[-1]:.2f} s (rig {result.rig})")
    median = statistics.median(walls)
    print(
        f"rig + walk, run, jump (GLB and FBX each): median {median:.2f} s over "
        f"{args.repeats} (min {min(walls):.2f}, max {max(walls):.2f}); target <= "
        f"{TARGET_S:g} s on 2 cores: {'met' if median <= TARGET_S else 'NOT met'}"
    )
    for step in steps[0]:
        print(f"  {step:<16} {statistics.median(s[step] for s in steps):6.2f} s")
    sizes = {
        f"{clip}.{fmt}": len(files[clip])
        for fmt, files in (("glb", result.glb), ("fbx", result.fbx))
        for clip in files
    }
    print("  files: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items()))
    unchanged = fingerprint(asset) == before
    print(f"static model's files (GLB, OBJ) and arrays unchanged by animating: {unchanged}")


if __name__ == "__main__":
    main()
