"""Speed of turntable rendering and encoding, against the engine's target.

Target: the four spin turntables (each >= 24 frames at 512x512) rendered and encoded to MP4 in
<= 5 s together, for meshes of about 20-40k faces. Prints what it measured (wall and CPU time,
and the load average, since wall time on a shared machine says little); asserts nothing.

    .venv/bin/python bench/speed_render.py [--frames 24] [--size 512] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import trimesh
from PIL import Image

from i23d.engine.camera import Camera
from i23d.engine.render import Renderer, surface
from i23d.engine.video import encode_gif, encode_mp4, encode_png


def lumpy_textured_mesh(faces: int, seed: int) -> trimesh.Trimesh:
    """A sphere of about ``faces`` faces with bumps and a 1024² texture on spherical UVs."""
    rng = np.random.default_rng(seed)
    rings = round(np.sqrt(faces / 4))
    mesh = trimesh.creation.uv_sphere(count=[rings, rings])
    directions = rng.normal(size=(6, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    bumps = np.exp(3.0 * (mesh.vertices @ directions.T - 1.0)).sum(axis=1)
    vertices = mesh.vertices * (1.0 + 0.35 * bumps)[:, None] * (0.8, 1.0, 0.6)
    unit = mesh.vertices
    uv = np.stack(
        [
            0.5 + np.arctan2(unit[:, 0], unit[:, 2]) / (2 * np.pi),
            0.5 + np.arcsin(np.clip(unit[:, 1], -1, 1)) / np.pi,
        ],
        axis=1,
    )
    y, x = np.mgrid[0:1024, 0:1024] / 1024.0
    texture = np.stack(
        [128 + 100 * np.sin(12 * x), 128 + 100 * np.cos(9 * y), 90 + 80 * np.sin(20 * x * y)],
        axis=2,
    )
    texture += rng.normal(scale=12, size=texture.shape)
    image = Image.fromarray(np.clip(texture, 0, 255).astype(np.uint8))
    lumpy = trimesh.Trimesh(vertices, mesh.faces, process=False)
    lumpy.visual = trimesh.visual.TextureVisuals(
        uv=uv, material=trimesh.visual.material.PBRMaterial(baseColorTexture=image)
    )
    return lumpy


def cpu_seconds() -> float:
    """CPU time used so far by this process (all its threads) and its finished children."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_of(repeats: int, work) -> tuple[float, float, object]:
    """Fastest wall time of ``repeats`` runs of ``work()``, that run's CPU time, last result."""
    best, best_cpu, result = float("inf"), 0.0, None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        result = work()
        wall, cpu = time.perf_counter() - start, cpu_seconds() - start_cpu
        if wall < best:
            best, best_cpu = wall, cpu
    return best, best_cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--faces", type=int, nargs="+", default=[20_000, 40_000, 80_000])
    args = parser.parse_args()

    renderer = Renderer(args.size)
    start = time.perf_counter()
    renderer.render(trimesh.creation.box(), Camera(size=args.size))
    print(f"context creation + first render: {1000 * (time.perf_counter() - start):.0f} ms")

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for faces in args.faces:
        meshes = [lumpy_textured_mesh(faces, seed) for seed in range(4)]
        mesh = meshes[0]
        prepare, _, _ = best_of(args.repeats, lambda m=mesh: surface(m))
        view = Camera(size=args.size)
        single, _, _ = best_of(args.repeats, lambda m=mesh, c=view: renderer.render(m, c))
        turn, turn_cpu, frames = best_of(
            args.repeats, lambda m=mesh: renderer.turntable(m, frames=args.frames)
        )
        mp4_time, mp4_cpu, mp4 = best_of(args.repeats, lambda f=frames: encode_mp4(f))
        gif_time, _, gif = best_of(args.repeats, lambda f=frames: encode_gif(f[::2], fps=12))
        png_time, _, png = best_of(args.repeats, lambda f=frames: encode_png(f[0]))

        def four_spins(ms=meshes) -> list[bytes]:
            # Fresh copies: nothing cached on the mesh from an earlier repeat (as in the engine).
            return [encode_mp4(renderer.turntable(m.copy(), frames=args.frames)) for m in ms]

        total, total_cpu, videos = best_of(args.repeats, four_spins)
        n = args.frames
        print(f"\n{len(mesh.faces):,} faces, {args.size}² frames, {n} frames a turntable")
        print(f"  surface layout (CPU prep)   {1000 * prepare:7.1f} ms a mesh")
        print(f"  render() one RGBA view      {1000 * single:7.1f} ms (upload, draw, read)")
        print(
            f"  turntable                   {1000 * turn:7.1f} ms wall, {1000 * turn_cpu:.0f} ms"
            f" CPU ({1000 * turn / n:.1f} ms wall a frame)"
        )
        print(
            f"  encode MP4                  {1000 * mp4_time:7.1f} ms wall, {1000 * mp4_cpu:.0f} ms"
            f" CPU ({1000 * mp4_time / n:.1f} ms a frame, {len(mp4) / 1024:.0f} KiB)"
        )
        print(
            f"  encode GIF ({len(frames[::2])} frames)     {1000 * gif_time:7.1f} ms"
            f" ({len(gif) / 1024:.0f} KiB)"
        )
        print(
            f"  encode PNG thumbnail        {1000 * png_time:7.1f} ms ({len(png) / 1024:.0f} KiB)"
        )
        print(
            f"  4 spins render + MP4        {total:7.2f} s wall, {total_cpu:.2f} s CPU"
            f" ({sum(map(len, videos)) / 1024:.0f} KiB)"
        )
        # Wall time on an otherwise idle machine is at most the CPU time (some thread is always
        # busy); on a shared, loaded machine only the CPU time says anything about the target.
        for name, seconds in (("wall", total), ("CPU (idle-machine wall bound)", total_cpu)):
            verdict = "meets" if seconds <= 5.0 else f"misses by {seconds - 5.0:.2f} s"
            print(f"    target 5 s by {name}: {verdict}")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
