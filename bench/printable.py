"""Printability of every output setting: is each 3MF one closed, manifold, outward solid?

Run: ``.venv/bin/python -m bench.printable [--shapes vase,snowman,...] [--texture 512]``.

For each shape (a vase, a snowman, a torus and an animal-like composite, rendered as 512² RGBA
photos like the quality bench's), the engine builds the chooser's spin at the defaults, then
every ``resolution`` × ``topology`` is post-processed and written as 3MF; the 3MF is read back
with trimesh and the table prints its faces, whether it is watertight and consistently wound,
its non-manifold edges (used by more than two triangles), its boundary edges (used by one) and
its pieces (edge-connected parts). Quads are counted from the asset. The texture resolution
changes the atlas, never the geometry, so one is used (``--texture``).
"""

from __future__ import annotations

import argparse
import io
import os
import time

import manifold3d
import numpy as np
import trimesh
from PIL import Image

from bench.quality.cases import Case, make_ground_truth, select_cases
from bench.quality.photo import lit_render
from bench.quality.runner import photo_camera
from i23d.engine import Engine, EngineOptions
from i23d.engine.export import FORMATS
from i23d.engine.postprocess import PostOptions, postprocess

RESOLUTIONS = (None, "low_poly", "high_poly")
TOPOLOGIES = ("tris", "quads")


def animal() -> trimesh.Trimesh:
    """A four-legged animal: body, legs, neck, head, ears and tail unioned into one solid."""

    def sphere(radius: float, centre: tuple, scale: tuple = (1, 1, 1)) -> manifold3d.Manifold:
        return manifold3d.Manifold.sphere(radius, 48).scale(scale).translate(centre)

    def limb(start: tuple, end: tuple, radius: float) -> manifold3d.Manifold:
        return manifold3d.Manifold.batch_hull([sphere(radius, start), sphere(radius, end)])

    parts = [
        sphere(0.3, (0, 0.5, 0), (1.6, 0.8, 0.8)),  # body
        *[limb((x, 0.45, z), (x, 0.05, z), 0.06) for x in (-0.33, 0.33) for z in (-0.13, 0.13)],
        limb((0.38, 0.6, 0), (0.52, 0.8, 0), 0.08),  # neck
        sphere(0.13, (0.6, 0.86, 0), (1.3, 1.0, 0.9)),  # head
        *[limb((0.56, 0.95, z), (0.54, 1.05, z), 0.03) for z in (-0.06, 0.06)],  # ears
        limb((-0.45, 0.58, 0), (-0.62, 0.75, 0), 0.03),  # tail
    ]
    solid = manifold3d.Manifold.batch_boolean(parts, manifold3d.OpType.Add)
    mesh = solid.to_mesh()
    # turned a little so the photo shows the head, a side and the legs
    turned = trimesh.Trimesh(np.asarray(mesh.vert_properties)[:, :3], np.asarray(mesh.tri_verts))
    return turned.apply_transform(trimesh.transformations.rotation_matrix(0.5, [0, 1, 0]))


SHAPES: dict[str, Case] = {
    "vase": select_cases(["vase"])[0],
    "snowman": select_cases(["snowman"])[0],
    "torus": select_cases(["torus_front"])[0],
    "animal": Case("animal", "composite", (), animal, "checker"),
}


def photo_png(case: Case) -> bytes:
    """The case's 512² RGBA photo as PNG bytes (the quality bench's camera and lighting)."""
    truth = make_ground_truth(case)
    rgba = lit_render(truth.textured, photo_camera(truth))
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return buffer.getvalue()


def solid_report(mesh: trimesh.Trimesh) -> dict:
    """Faces, closedness, winding, non-manifold and boundary edges and pieces of a triangle mesh."""
    sorted_edges = np.sort(mesh.edges, axis=1)
    _, uses = np.unique(sorted_edges, axis=0, return_counts=True)
    pieces = trimesh.graph.connected_components(
        mesh.face_adjacency, nodes=np.arange(len(mesh.faces))
    )
    return {
        "faces": len(mesh.faces),
        "watertight": bool(mesh.is_watertight),
        "wound": bool(mesh.is_winding_consistent),
        "non_manifold": int((uses > 2).sum()),
        "boundary": int((uses == 1).sum()),
        "pieces": len(pieces),
        "volume": float(mesh.volume),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated shape names")
    parser.add_argument("--texture", type=int, default=512, help="texture_resolution to use")
    parser.add_argument("--preview-mesh", default="turbo", choices=("turbo", "hd"))
    args = parser.parse_args()
    engine, options = Engine(), EngineOptions(preview_mesh=args.preview_mesh)
    print(f"load average {os.getloadavg()[0]:.1f}")
    header = (f"{'shape':<8} {'resolution':<10} {'topology':<8} {'faces':>7} {'quads':>6} "
              f"{'closed':>6} {'wound':>5} {'nonman':>6} {'border':>6} {'pieces':>6} "
              f"{'post s':>6}")  # fmt: skip
    print(header)
    failures = 0
    for name in args.shapes.split(","):
        image = photo_png(SHAPES[name])
        spin = engine.choose(image, options).chosen
        model = engine.build(image, spin, options)
        built = solid_report(model)
        print(f"{name:<8} built ({spin}, {args.preview_mesh}): {built['faces']:,} faces, "
              f"{built['pieces']} pieces, "
              f"closed {built['watertight']}, non-manifold {built['non_manifold']}")  # fmt: skip
        for resolution in RESOLUTIONS:
            for topology in TOPOLOGIES:
                post = PostOptions(resolution=resolution, topology=topology,
                                   texture_resolution=args.texture)  # fmt: skip
                start = time.perf_counter()
                asset = postprocess(model, post)
                seconds = time.perf_counter() - start
                read = trimesh.load(io.BytesIO(FORMATS["3mf"].write(asset)), file_type="3mf",
                                    force="mesh")  # fmt: skip
                row = solid_report(read)
                quads = "" if asset.quads is None else f"{len(asset.quads):,}"
                ok = row["watertight"] and row["wound"] and row["non_manifold"] == 0
                failures += not ok
                print(f"{name:<8} {resolution or 'none':<10} {topology:<8} {row['faces']:>7,} "
                      f"{quads:>6} {'yes' if row['watertight'] else 'NO':>6} "
                      f"{'yes' if row['wound'] else 'NO':>5} {row['non_manifold']:>6} "
                      f"{row['boundary']:>6} {row['pieces']:>6} {seconds:>6.2f}")  # fmt: skip
    print(f"{failures} setting(s) not a closed, consistently wound, manifold solid; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
