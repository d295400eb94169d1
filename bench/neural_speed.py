"""Hunyuan3D-2 backend speed and memory: seconds per stage, peak RAM and VRAM, one line each.

The full-size architecture of the published ``hunyuan3d-dit-v2-0`` (the dimensions of its
``config.yaml``: a 1.1-billion-parameter DiT, 16 double and 32 single blocks of width 1024;
the ShapeVAE with 3072 latents of 64 channels and a 16-layer decoder of width 1024; DINOv2
giant as the image encoder, 40 layers of width 1536 at 518²) with random weights, or any
``config.yaml`` given with ``--config``. Random weights cost what real ones do, except the
decoded surface: random weights decode none, so the occupancy decoder's output is shifted to
give a noisy one spread through the box (:func:`centre_field`): more near-surface points and
faces than a real object's, so the decode, texture and post lines are upper bounds; they say
how many points and faces were processed.

Run ``python -m bench.neural_speed`` (``--device cuda|cpu``, ``--steps``, ``--seeds``,
``--octrees spin turbo hd``, ``--stages model texture score post``). Stages:

- ``build``: the modules initialised (random) and moved to the device;
- ``conditioner``: one photo → the DINOv2 condition (the second call; the first warms up);
- ``sampler step`` / ``sampler total``: flow-matching steps of all seeds as one batch
  (with classifier-free guidance: twice the seeds);
- ``decode <octree>``: one sample's VAE transformer, hierarchical octree queries and the
  closed surface's extraction, at each octree resolution;
- ``texture``: the mesh placed in the photo's camera frame and textured by projection;
- ``score``: rendered from the input camera and compared with the photo;
- ``post``: the post-processing chain to a high-poly model with a 1024² texture.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

PUBLISHED_CONFIG: dict[str, Any] = {
    "model": {
        "target": "hy3dgen.shapegen.models.Hunyuan3DDiT",
        "params": {
            "in_channels": 64,
            "context_in_dim": 1536,
            "hidden_size": 1024,
            "mlp_ratio": 4.0,
            "num_heads": 16,
            "depth": 16,
            "depth_single_blocks": 32,
            "axes_dim": [64],
            "theta": 10000,
            "qkv_bias": True,
        },
    },
    "vae": {
        "target": "hy3dgen.shapegen.models.ShapeVAE",
        "params": {
            "num_latents": 3072,
            "embed_dim": 64,
            "num_freqs": 8,
            "include_pi": False,
            "heads": 16,
            "width": 1024,
            "num_decoder_layers": 16,
            "qkv_bias": False,
            "qk_norm": True,
            "scale_factor": 0.9990943042622529,
        },
    },
    "conditioner": {
        "target": "hy3dgen.shapegen.models.SingleImageEncoder",
        "params": {
            "main_image_encoder": {
                "type": "DinoImageEncoder",
                "kwargs": {
                    "image_size": 518,
                    "config": {
                        "model_type": "dinov2",
                        "hidden_size": 1536,
                        "num_hidden_layers": 40,
                        "num_attention_heads": 24,
                        "mlp_ratio": 4,
                        "patch_size": 14,
                        "image_size": 518,
                        "layer_norm_eps": 1e-6,
                        "layerscale_value": 1.0,
                        "qkv_bias": True,
                        "use_swiglu_ffn": True,
                        "hidden_act": "gelu",
                    },
                },
            }
        },
    },
    "scheduler": {
        "target": "hy3dgen.shapegen.schedulers.FlowMatchEulerDiscreteScheduler",
        "params": {"num_train_timesteps": 1000},
    },
    "image_processor": {
        "target": "hy3dgen.shapegen.preprocessors.ImageProcessorV2",
        "params": {"size": 512, "border_ratio": 0.15},
    },
}
"""``hunyuan3d-dit-v2-0/config.yaml``'s dimensions, as hy3dgen's code and the published model
card give them (the config itself is downloaded with the weights)."""

STAGES = ("model", "texture", "score", "post")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="", help="cuda, cpu; default: CUDA if present")
    parser.add_argument("--config", type=Path, help="a config.yaml instead of the published dims")
    parser.add_argument("--steps", type=int, default=50, help="sampler steps (default 50)")
    parser.add_argument("--seeds", type=int, default=4, help="samples in the batch (spins: 4)")
    parser.add_argument("--octrees", type=int, nargs="+", default=[128, 256, 384])
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    args = parser.parse_args(argv)

    import torch

    from i23d.engine.hunyuan3d.model import ShapeModel, pick_device

    config = PUBLISHED_CONFIG
    if args.config is not None:
        import yaml

        config = yaml.safe_load(args.config.read_text())
    device, dtype = pick_device(args.device or None)
    cuda = device.type == "cuda"
    threads = torch.get_num_threads()
    name = torch.cuda.get_device_name(device) if cuda else f"CPU ({threads} threads)"
    source = args.config or "published hunyuan3d-dit-v2-0 dimensions"
    print(f"neural_speed: {name}, {str(dtype).removeprefix('torch.')}, {source}, random weights")
    print(f"  torch {torch.__version__}, steps {args.steps}, seeds {args.seeds}")
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    with timed("build", sync):
        model = ShapeModel.from_config(config, str(device))
    counts = {
        part: sum(p.numel() for p in getattr(model.pipeline, part).parameters())
        for part in ("model", "vae", "conditioner")
    }
    print("  parameters: " + ", ".join(f"{part} {n / 1e9:.2f} B" for part, n in counts.items()))

    rgba = _photo()
    model.encode(rgba)
    with timed("conditioner", sync, "one photo, the second call"):
        condition = model.encode(rgba)

    step_times: list[float] = []
    last = [time.perf_counter()]

    def on_step(fraction: float, stage: str) -> None:
        sync()
        now = time.perf_counter()
        step_times.append(now - last[0])
        last[0] = now

    batch = args.seeds * (2 if condition.guided else 1)
    sync()
    start = last[0] = time.perf_counter()
    latents = model.sample(condition, tuple(range(args.seeds)), args.steps, on_step)
    sync()
    total = time.perf_counter() - start
    rest = step_times[1:] or step_times
    _line("sampler step", float(np.mean(rest)), f"batch {batch}; first step {step_times[0]:.3f} s")
    _line("sampler total", total, f"{args.steps} steps, {args.seeds} seeds")

    finite = bool(torch.isfinite(latents).all())
    print(f"  sampled latents: std {latents.float().std().item():.3g}, all finite: {finite}")
    # The random denoiser's latents are not of the trained model's scale (unit normal, which
    # the VAE expects): the decode stages take a unit-normal latent set instead.
    generator = torch.Generator().manual_seed(0)
    latent = torch.randn(model.pipeline.vae.latent_shape, generator=generator)
    latent = latent.to(device, dtype)
    centre_field(model, latent)
    from i23d.engine.hunyuan3d.model import EmptyShape

    meshes = {}
    for octree in args.octrees:
        try:
            meshes[octree] = decode_stages(model, latent, octree, sync)
        except EmptyShape as error:
            print(f"decode {octree:<9} no surface: {error}")
    _memory(cuda, torch)

    if meshes and ("texture" in args.stages or "score" in args.stages or "post" in args.stages):
        mesh_stages(meshes[min(meshes)], meshes[max(meshes)], rgba, args.stages)
        _memory(cuda, torch)


def centre_field(model: Any, latent: Any) -> None:
    """Shift the occupancy decoder's output so that half of a coarse grid is inside.

    Random weights of the full-size VAE decode a field of one sign (no surface at all); the
    shift gives it a surface, a noisy one spread through the box: more near-surface points to
    refine and more faces than a real object's, so the decode lines are an upper bound.
    """
    import torch

    from i23d.engine.hunyuan3d.model import BOX

    vae = model.pipeline.vae
    with torch.inference_mode():
        tokens = vae(latent.reshape(1, *latent.shape[-2:]) / vae.scale_factor)
        grid = vae.volume_decoder(
            tokens, vae.geo_decoder, bounds=BOX, octree_resolution=32, enable_pbar=False
        )
        field = grid.float()
        median = torch.nanmedian(field).item()
        vae.geo_decoder.output_proj.bias -= median
    spread = f"{field.min().item():.3f} to {field.max().item():.3f}"
    print(f"  occupancy field ({spread}) shifted by {-median:+.3f} to have a surface")


def decode_stages(model: Any, latent: Any, octree: int, sync: Callable[[], None]) -> Any:
    """One sample decoded at ``octree``, its three parts timed; the mesh (vertices, faces)."""
    import torch

    from i23d.engine.hunyuan3d.model import BOX, QUERY_CHUNK, SURFACE_LEVEL, closed_surface

    vae = model.pipeline.vae
    with torch.inference_mode():
        start = time.perf_counter()
        tokens = vae(latent.reshape(1, *latent.shape[-2:]) / vae.scale_factor)
        sync()
        vae_s = time.perf_counter() - start
        grid = vae.volume_decoder(
            tokens,
            vae.geo_decoder,
            bounds=BOX,
            num_chunks=QUERY_CHUNK.get(model.device.type, QUERY_CHUNK["cpu"]),
            mc_level=SURFACE_LEVEL,
            octree_resolution=octree,
            enable_pbar=False,
        )
        sync()
        octree_s = time.perf_counter() - start - vae_s
        field = grid[0].float().cpu().numpy()
    refined = int(np.count_nonzero(~np.isnan(field)))
    start = time.perf_counter()
    vertices, faces = closed_surface(field, BOX)
    surface_s = time.perf_counter() - start
    _line(
        f"decode {octree}",
        vae_s + octree_s + surface_s,
        f"VAE {vae_s:.3f} s, octree queries {octree_s:.3f} s ({refined:,} points), "
        f"surface {surface_s:.3f} s ({len(faces):,} faces)",
    )
    return vertices, faces


def mesh_stages(spin: Any, build: Any, rgba: np.ndarray, stages: list[str]) -> None:
    """Texturing, scoring and post-processing of the decoded meshes (CPU work)."""
    import trimesh

    from i23d.engine.cutout import make_cutout
    from i23d.engine.reconstructors.projection import (
        camera_frame,
        fit_to_silhouette,
        photo_textured,
    )

    cutout = make_cutout(rgba, rgba[..., 3] / 255.0, 40.0)
    textured = {}
    for label, (vertices, faces), grid, size in (
        ("spin", spin, 128, 512),
        ("build", build, 192, 1024),
    ):
        with timed(f"texture {label}", detail=f"{len(faces):,} faces, {size}² texture"):
            frame = camera_frame(cutout, grid)
            placed = fit_to_silhouette(trimesh.Trimesh(vertices, faces, process=False), frame)
            textured[label] = photo_textured(placed, cutout, frame, size)
    if "score" in stages:
        from i23d.engine.reconstructors.scoring import match_photo

        with timed("score", detail="one spin from the input camera"):
            match_photo(textured["spin"], cutout)
    if "post" in stages:
        from i23d.engine.post.remesh import decimate
        from i23d.engine.postprocess import PostOptions, postprocess
        from i23d.engine.reconstructors.hunyuan3d import MAX_FACES

        model = textured["build"]
        if len(model.faces) > MAX_FACES:
            with timed("decimate", detail=f"{len(model.faces):,} → {MAX_FACES:,} faces"):
                decimate(model.vertices, model.faces, MAX_FACES)
        with timed("post", detail="high_poly, 1024² texture"):
            postprocess(model, PostOptions(resolution="high_poly", texture_resolution=1024))


def _photo(size: int = 512) -> np.ndarray:
    """An RGBA photo of a shaded disc: what the backend is given (a cut-out)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    d = np.hypot(xx - size / 2, yy - size / 2) / (size * 0.35)
    rgba = np.zeros((size, size, 4), np.uint8)
    shade = np.clip(1.0 - 0.5 * d**2, 0, 1)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = 230 * shade, 120 * shade, 40 * shade
    rgba[..., 3] = np.where(d < 1, 255, 0)
    return rgba


@contextmanager
def timed(stage: str, sync: Callable[[], None] = lambda: None, detail: str = "") -> Iterator[None]:
    sync()
    start = time.perf_counter()
    yield
    sync()
    _line(stage, time.perf_counter() - start, detail)


def _line(stage: str, seconds: float, detail: str = "") -> None:
    print(f"{stage:<16} {seconds:9.3f} s  {detail}", flush=True)


def _memory(cuda: bool, torch: Any) -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB → GiB
    line = f"peak RAM {rss:.2f} GiB"
    if cuda:
        line += f", peak VRAM {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB allocated"
        line += f" ({torch.cuda.max_memory_reserved() / 2**30:.2f} GiB reserved)"
    print(f"{'memory':<16} {line}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
