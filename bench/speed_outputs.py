"""Output speed: each export format and a full "refine", from an engine-built model.

Run: ``.venv/bin/python bench/speed_outputs.py``. Prints what it measured (seconds, wall
clock, this machine) and writes the same numbers to ``bench/results/speed_outputs.json``.

- every format for a 50,000-face textured model (the engine's hd model at the high_poly
  budget, 1024² texture), timed warm: each exporter runs once untimed first, so one-time
  imports, the GL context and the Blender worker's start-up are excluded;
- a full refine (high_poly + quads + 2048² texture: post-processing plus every mesh format)
  of the default (turbo) and the hd built model, and two low-poly runs.

The FBX line's CPU time misses the Blender worker's own CPU (a child still running).

Wall time is what a user waits; CPU time (this process plus Blender) is printed beside it
because other work on a shared machine stretches wall time but not CPU time.
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from i23d.engine import Engine, EngineOptions
from i23d.engine.export import available_formats
from i23d.engine.postprocess import PostOptions, postprocess

RESULTS = Path(__file__).resolve().parent / "results" / "speed_outputs.json"


def photo() -> bytes:
    """A 768² cut-out photo: a shaded, patterned egg on transparency."""
    size = 768
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 80, 620, 700), fill=(205, 80, 50, 255))
    for row in range(6):
        draw.rectangle(
            (250 + 40 * row, 250, 270 + 40 * row, 520), fill=(40, 90 + 20 * row, 200, 255)
        )
    rgba = np.asarray(image).copy()
    yy, xx = np.mgrid[0:size, 0:size]
    shade = 1.0 - 0.35 * ((xx - size / 2) ** 2 + (yy - size / 2) ** 2) / (size / 2) ** 2
    rgba[..., :3] = (rgba[..., :3] * np.clip(shade, 0.4, 1.0)[..., None]).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return buffer.getvalue()


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children (Blender for FBX)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(function, *args):  # noqa: ANN001, ANN201
    """``function(*args)``, the wall seconds it took and the CPU seconds it used."""
    start, start_cpu = time.perf_counter(), cpu_seconds()
    result = function(*args)
    return result, time.perf_counter() - start, cpu_seconds() - start_cpu


FORMATS = available_formats()
MESH_FORMATS = tuple(available_formats("mesh"))
MEDIA_FORMATS = tuple(available_formats("media"))


def export_all(asset) -> list[bytes]:  # noqa: ANN001
    """Every mesh format of ``asset``."""
    return [FORMATS[fmt].write(asset) for fmt in MESH_FORMATS]


def main() -> None:
    engine = Engine()
    image = photo()
    model, build_s, _ = timed(engine.build, image, "inflate", EngineOptions())
    hd_model, hd_build_s, _ = timed(
        engine.build, image, "inflate", EngineOptions(preview_mesh="hd")
    )
    for name, built, seconds in (("turbo", model, build_s), ("hd", hd_model, hd_build_s)):
        texture = built.visual.material.baseColorTexture.size
        print(f"{name} model: {len(built.faces):,} faces, {texture[0]}x{texture[1]} texture "
              f"(built in {seconds:.2f} s)")  # fmt: skip
    results: dict[str, object] = {"model_faces": len(model.faces), "build_s": build_s,
                                  "hd_model_faces": len(hd_model.faces)}  # fmt: skip

    # the formats target's model: 50,000 faces (the hd model at the high_poly budget)
    fifty_k = postprocess(hd_model, PostOptions(resolution="high_poly", texture_resolution=1024))
    for fmt in FORMATS.values():  # warm-up: imports, renderer and Blender start-up
        fmt.write(fifty_k)
    asset = postprocess(fifty_k.mesh)  # a fresh asset: the texture PNG is encoded again
    print(f"\nexport model: {len(asset.triangles):,} faces, {asset.texture.size[0]}² texture")
    per_format: dict[str, tuple[float, float]] = {}
    sizes: dict[str, int] = {}
    for fmt in MESH_FORMATS + MEDIA_FORMATS:
        data, wall, cpu = timed(FORMATS[fmt].write, asset)
        per_format[fmt], sizes[fmt] = (wall, cpu), len(data)

    def total(formats: tuple[str, ...]) -> tuple[float, float]:
        return sum(per_format[f][0] for f in formats), sum(per_format[f][1] for f in formats)

    print(f"per format (warm); load average {os.getloadavg()[0]:.1f}:")
    print("  format   wall s    CPU s   size")
    for fmt, (wall, cpu) in per_format.items():
        print(f"  {fmt:<5} {wall:8.3f} {cpu:8.3f} {sizes[fmt] / 1e6:6.2f} MB")
    mesh_only = tuple(fmt for fmt in MESH_FORMATS if fmt != "fbx")
    for label, formats in (("all mesh formats", MESH_FORMATS), ("mesh formats but FBX", mesh_only),
                           ("media (mp4, gif, png)", MEDIA_FORMATS)):  # fmt: skip
        wall, cpu = total(formats)
        print(f"  {label}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    results |= {"per_format_wall_cpu_s": per_format, "sizes_bytes": sizes,
                "mesh_formats_wall_cpu_s": total(MESH_FORMATS),
                "media_wall_cpu_s": total(MEDIA_FORMATS)}  # fmt: skip

    refine = PostOptions(resolution="high_poly", topology="quads", texture_resolution=2048)
    for name, source, options in (
        ("refine (high_poly, quads, 2048) of the turbo model", model, refine),
        ("refine (high_poly, quads, 2048) of the hd model", hd_model, refine),
        ("low_poly tris 1024", model, PostOptions(resolution="low_poly", texture_resolution=1024)),
        (
            "low_poly quads 512",
            model,
            PostOptions(resolution="low_poly", topology="quads", texture_resolution=512),
        ),
    ):
        stages: dict[str, float] = {}
        last = [time.perf_counter(), "start"]

        def progress(fraction: float, stage: str, stages=stages, last=last) -> None:
            now = time.perf_counter()
            stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
            last[:] = [now, stage]

        refined, post_s, post_cpu = timed(postprocess, source, options, progress)
        _, formats_s, formats_cpu = timed(export_all, refined)
        quads = 0 if refined.quads is None else len(refined.quads)
        print(f"\n{name}: {len(refined.triangles):,} triangles, {quads:,} quads, "
              f"{refined.texture.size[0]}² texture; load average {os.getloadavg()[0]:.1f}\n"
              f"  post-processing {post_s:.2f} s wall ({post_cpu:.2f} s CPU) + mesh formats "
              f"{formats_s:.2f} s wall ({formats_cpu:.2f} s CPU)\n"
              f"  total {post_s + formats_s:.2f} s wall, "
              f"{post_cpu + formats_cpu:.2f} s CPU")  # fmt: skip
        print("  stages (wall): " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
        results[name] = {"post_s": post_s, "post_cpu_s": post_cpu, "formats_s": formats_s,
                         "formats_cpu_s": formats_cpu, "stages_s": stages,
                         "triangles": len(refined.triangles), "quads": quads}  # fmt: skip

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
