"""Look at the clips: photograph figures, run them through i23d, animate, save contact sheets.

Subjects: the humanoid meshes of ``../shared/meshes`` (ogre; beast, whose faces are wound
inwards and are flipped), a four-legged animal built here from capsules (photographed from
the side) and a vase. Each is textured and photographed like the quality benchmark's cases,
reconstructed with the chooser's spin, post-processed, rigged and animated; every clip's GLB
is then posed by the tests' independent skinning reader and rendered at a few frames from two
directions. Prints the rig found, the timing and the checks per subject.

    .venv/bin/python -m bench.animate_look --out /tmp/animate-sheets [ogre beast animal vase]
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

from bench.contact_sheet import rows_sheet
from bench.quality.cases import cylinder_textured, normalised, pattern_image
from bench.quality.evaluate import over_background
from i23d.engine import Engine, EngineOptions
from i23d.engine.animate import NotACharacter, animate
from i23d.engine.camera import Camera, distance_to_fit
from i23d.engine.postprocess import PostOptions, postprocess
from i23d.engine.render import render
from tests.engine.animate.figures import animal, vase
from tests.engine.animate.gltf_skin import read_glb

MESHES = Path(__file__).resolve().parents[1].parent / "shared" / "meshes"
TILE = 200
FRAMES = 6
VIEWS = (0.0, 55.0)


def shared_mesh(name: str) -> trimesh.Trimesh:
    """A humanoid from ../shared/meshes (beast's faces flipped outwards)."""
    mesh = trimesh.load(MESHES / f"{name}.obj", force="mesh", process=True)
    if name == "beast":
        mesh.invert()
    return mesh


SUBJECTS = {
    "ogre": lambda: shared_mesh("ogre"),
    "beast": lambda: shared_mesh("beast"),
    "animal": animal,
    "vase": vase,
}


def photograph(mesh: trimesh.Trimesh, seed: int) -> np.ndarray:
    """The lit, textured subject as a 512² RGBA photo from the front."""
    solid = normalised(mesh)
    vertices, faces = trimesh.remesh.subdivide_to_size(solid.vertices, solid.faces, 0.02)
    fine = trimesh.Trimesh(vertices, faces, process=False)
    textured = cylinder_textured(fine, pattern_image("bands", np.random.default_rng(seed)))
    radius = float(np.linalg.norm(solid.vertices, axis=1).max())
    return render(textured, Camera(40.0, distance_to_fit(radius, 40.0, 0.8), 512), lit=True)


def posed_mesh(glb: bytes, time_s: float | None) -> trimesh.Trimesh:
    """The GLB's mesh posed at ``time_s`` by the independent reader, with its texture."""
    skinned = read_glb(glb)
    primitive = skinned.gltf.meshes[skinned.skinned_node.mesh].primitives[0]
    uv = skinned.accessor(primitive.attributes.TEXCOORD_0).astype(np.float64)
    image = skinned.gltf.images[0]
    view = skinned.gltf.bufferViews[image.bufferView]
    start = view.byteOffset or 0
    texture = Image.open(io.BytesIO(skinned.blob[start : start + view.byteLength])).convert("RGB")
    uv[:, 1] = 1.0 - uv[:, 1]  # glTF's v runs down the image
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=texture)
    return trimesh.Trimesh(
        skinned.pose(time_s),
        skinned.triangles,
        process=False,
        visual=trimesh.visual.TextureVisuals(uv=uv, material=material),
    )


def clip_tiles(glb: bytes, size: float, centre: np.ndarray, azimuth: float) -> list[Image.Image]:
    """Frames across the clip from ``azimuth``, the camera fixed on the rest pose's centre."""
    duration = read_glb(glb).duration
    tiles = []
    for time_s in np.linspace(0, duration, FRAMES, endpoint=False):
        mesh = posed_mesh(glb, float(time_s))
        mesh.apply_translation(-centre)
        camera = Camera(40.0, distance_to_fit(0.75 * size, 40.0, 0.9), 2 * TILE, azimuth, 10.0)
        frame = over_background(render(mesh, camera, lit=True))
        tiles.append(Image.fromarray(frame[..., :3]).resize((TILE, TILE)))
    return tiles


def run(name: str, out: Path) -> None:
    """Photograph, reconstruct, animate and draw one subject."""
    photo = photograph(SUBJECTS[name](), seed=len(name))
    engine, options = Engine(), EngineOptions()
    spin_set = engine.spins(photo, options, videos=False)
    model = engine.build(spin_set.cutout, spin_set.spins[spin_set.chosen], options)
    asset = postprocess(model, PostOptions())
    started = time.perf_counter()
    try:
        result = animate(asset, ["walk", "run", "jump"], mask=spin_set.cutout.mask)
    except NotACharacter as refused:
        print(f"{name}: walk/run refused: {refused.message}")
        result = animate(asset, ["jump"], mask=spin_set.cutout.mask)
    seconds = time.perf_counter() - started
    centre = (asset.vertices.min(axis=0) + asset.vertices.max(axis=0)) / 2
    size = float(np.max(np.ptp(asset.vertices, axis=0)))
    rows = [
        (
            f"{name}: photo | rig {result.rig} | spin {spin_set.spins[spin_set.chosen].label}",
            [Image.fromarray(over_background(photo)[..., :3]).resize((TILE, TILE))],
        )
    ]
    for clip, glb in result.glb.items():
        for azimuth in VIEWS:
            rows.append(
                (
                    f"{clip}: {FRAMES} frames across the clip, seen from {azimuth:g} deg",
                    clip_tiles(glb, size, centre, azimuth),
                )
            )
        (out / f"{name}_{clip}.glb").write_bytes(glb)
    rows_sheet(rows, TILE).save(out / f"{name}.png")
    print(
        f"{name}: rig {result.rig}, {len(asset.triangles)} faces, clips "
        f"{', '.join(result.glb)}, animate {seconds:.2f} s -> {out / (name + '.png')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "subjects",
        nargs="*",
        metavar="SUBJECT",
        help=f"some of {', '.join(SUBJECTS)} (default: all)",
    )
    parser.add_argument("--out", type=Path, default=Path("animate-sheets"))
    args = parser.parse_args()
    unknown = sorted(set(args.subjects) - set(SUBJECTS))
    if unknown:
        parser.error(f"unknown subject {', '.join(unknown)}; choose from {', '.join(SUBJECTS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.subjects or list(SUBJECTS):
        run(name, args.out)


if __name__ == "__main__":
    main()
