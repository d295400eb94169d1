"""Hunyuan3D-2's shape model, loaded once: photo → condition → latents per seed → closed mesh.

The stages are hy3dgen's own modules (DINOv2 conditioner, flow-matching DiT, ShapeVAE with
hierarchical octree decoding), driven here so that the photo is encoded once for all seeds,
every sampler step reports progress (and so can be stopped), the samples of one request share
one batch, and the surface is extracted closed. The mesh comes out in Hunyuan's frame: +Y up,
the photographed side facing +Z, inside the box ``[-BOX, BOX]³``.

CUDA when present (half precision), else the CPU (single precision, slow: see
``bench/neural_speed.py``). One request at a time uses the model (a lock): the device, not
Python, is the bottleneck.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image
from scipy import ndimage
from skimage.measure import marching_cubes

from i23d.engine.errors import EngineError
from i23d.engine.hunyuan3d import shapegen
from i23d.engine.hunyuan3d.weights import Weights, read_config
from i23d.engine.post.repair import drop_small_parts

Progress = Callable[[float, str], None]

BOX = 1.01
"""Half-side of the box the VAE's occupancy field is decoded in (hy3dgen's ``box_v``)."""
GUIDANCE_SCALE = 5.0
"""Classifier-free guidance (or the distilled models' guidance input), hy3dgen's default."""
SURFACE_LEVEL = 0.0
"""The occupancy logit of the surface (hy3dgen's ``mc_level`` for flow matching)."""
QUERY_CHUNK = {"cuda": 20_000, "cpu": 8_000}
"""Grid points per occupancy query; larger is faster on a GPU, the CPU gains nothing."""


class EmptyShape(EngineError):
    """The model decoded no surface for a sample (its occupancy field has no zero crossing)."""


@dataclass(frozen=True)
class Condition:
    """The photo's encoding, ready for a batch of samples (``guided``: holds the
    unconditional half for classifier-free guidance too)."""

    tensors: dict[str, torch.Tensor]
    guided: bool


class ShapeModel:
    """A loaded Hunyuan3D-2 shape pipeline on one device; share it between threads."""

    def __init__(self, pipeline: Any, device: torch.device, dtype: torch.dtype) -> None:
        self.pipeline = pipeline
        self.device = device
        self.dtype = dtype
        self._lock = threading.Lock()
        # Near-surface refinement from a coarse grid (hy3dgen's hierarchical decoding): a few
        # per cent of the points a dense grid queries, the same surface.
        pipeline.vae.enable_flashvdm_decoder(enabled=True, adaptive_kv_selection=False)

    @classmethod
    def load(cls, weights: Weights, device: str | None = None) -> ShapeModel:
        """The pipeline from the checkpoint, through hy3dgen's ``from_single_file``."""
        read_config(weights)  # refuses a config that would fetch from a hub
        where, dtype = pick_device(device)
        pipeline = shapegen.pipelines().Hunyuan3DDiTFlowMatchingPipeline.from_single_file(
            str(weights.checkpoint),
            str(weights.config),
            device=str(where),
            dtype=dtype,
            use_safetensors=weights.safetensors,
        )
        return cls(pipeline, where, dtype)

    @classmethod
    def from_config(cls, config: dict[str, Any], device: str | None = None) -> ShapeModel:
        """The pipeline with the weights its modules are initialised with (random), built
        from a config dict: for benchmarks and for making test checkpoints."""
        module = shapegen.pipelines()
        where, dtype = pick_device(device)
        parts = {
            part: module.instantiate_from_config(config[part])
            for part in ("model", "vae", "conditioner", "image_processor", "scheduler")
        }
        pipeline = module.Hunyuan3DDiTFlowMatchingPipeline(**parts, device=str(where), dtype=dtype)
        return cls(pipeline, where, dtype)

    def state_dicts(self) -> dict[str, dict[str, torch.Tensor]]:
        """The weights by part, as a checkpoint holds them (``model``, ``vae``,
        ``conditioner``)."""
        pipeline = self.pipeline
        return {
            "model": pipeline.model.state_dict(),
            "vae": pipeline.vae.state_dict(),
            "conditioner": pipeline.conditioner.state_dict(),
        }

    @property
    def guidance_distilled(self) -> bool:
        """The denoiser takes the guidance scale as an input (the fast/turbo models)
        instead of running an unconditional branch."""
        return bool(getattr(self.pipeline.model, "guidance_embed", False))

    def release(self) -> None:
        """Free the weights (and the GPU memory they held)."""
        self.pipeline = None
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    @torch.inference_mode()
    def encode(self, rgba: np.ndarray) -> Condition:
        """The photo (RGBA, the object on a transparent background) as the denoiser's
        condition; hy3dgen's image processor centres it with its own border first."""
        pipeline = self.pipeline
        with self._lock:
            inputs = pipeline.image_processor(Image.fromarray(rgba, "RGBA"))
            image = inputs.pop("image")
            guided = not self.guidance_distilled
            tensors = pipeline.encode_cond(
                image=image,
                additional_cond_inputs=inputs,
                do_classifier_free_guidance=guided,
                dual_guidance=False,
            )
        return Condition(tensors, guided)

    @torch.inference_mode()
    def sample(
        self,
        condition: Condition,
        seeds: Sequence[int],
        steps: int,
        progress: Progress | None = None,
    ) -> torch.Tensor:
        """One latent set per seed, denoised in ``steps`` flow-matching Euler steps as one
        batch; ``progress(fraction, stage)`` after each step (it may raise to stop)."""
        pipeline = self.pipeline
        module = shapegen.pipelines()
        count = len(seeds)
        with self._lock:
            scheduler = copy.deepcopy(pipeline.scheduler)  # it keeps a step index
            timesteps, _ = module.retrieve_timesteps(
                scheduler, steps, self.device, sigmas=np.linspace(0, 1, steps)
            )
            noise = [
                torch.randn(
                    pipeline.vae.latent_shape, generator=torch.Generator().manual_seed(seed)
                )
                for seed in seeds
            ]
            latents = torch.stack(noise).to(self.device, self.dtype)
            latents = latents * getattr(scheduler, "init_noise_sigma", 1.0)
            cond = _batched(condition, count)
            guidance = None
            if self.guidance_distilled:
                guidance = torch.full((count,), GUIDANCE_SCALE, device=self.device)
                guidance = guidance.to(self.dtype)
            for index, t in enumerate(timesteps):
                model_input = torch.cat([latents] * 2) if condition.guided else latents
                timestep = t.expand(model_input.shape[0]).to(latents.dtype)
                timestep = timestep / scheduler.config.num_train_timesteps
                prediction = pipeline.model(model_input, timestep, cond, guidance=guidance)
                if condition.guided:
                    conditional, unconditional = prediction.chunk(2)
                    prediction = unconditional + GUIDANCE_SCALE * (conditional - unconditional)
                latents = scheduler.step(prediction, t, latents).prev_sample
                if progress is not None:
                    progress((index + 1) / len(timesteps), f"step {index + 1}/{len(timesteps)}")
        return latents

    @torch.inference_mode()
    def decode(
        self, latents: torch.Tensor, octree_resolution: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """One sample's latents (``(tokens, channels)`` or a batch of one) → a closed mesh's
        vertices and outward-wound faces in Hunyuan's frame, the occupancy field decoded on
        an octree ``octree_resolution`` cells across; :class:`EmptyShape` if it has no
        surface."""
        vae = self.pipeline.vae
        with self._lock:
            tokens = vae(latents.reshape(1, *latents.shape[-2:]) / vae.scale_factor)
            grid = vae.volume_decoder(
                tokens,
                vae.geo_decoder,
                bounds=BOX,
                num_chunks=QUERY_CHUNK.get(self.device.type, QUERY_CHUNK["cpu"]),
                mc_level=SURFACE_LEVEL,
                octree_resolution=octree_resolution,
                enable_pbar=False,
            )
            field = grid[0].float().cpu().numpy()
        return closed_surface(field, BOX)


def pick_device(device: str | None = None) -> tuple[torch.device, torch.dtype]:
    """``device`` (``cuda``, ``cuda:1``, ``cpu``), else CUDA when present; half precision on
    CUDA, single on the CPU."""
    where = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    return where, torch.float16 if where.type == "cuda" else torch.float32


def closed_surface(field: np.ndarray, box: float) -> tuple[np.ndarray, np.ndarray]:
    """The occupancy field's zero surface on a grid spanning ``[-box, box]³``, closed and
    outward-wound, debris dropped (see :func:`i23d.engine.post.repair.drop_small_parts`).

    Cells the octree did not refine (NaN: far from the surface at the coarser level) take
    the side of the refined cells they border; the grid is padded with outside, so a shape
    that touches the box is closed at the box.
    """
    field = _fill_unrefined(field)
    outside = min(float(field.min()), SURFACE_LEVEL) - 1.0
    padded = np.pad(field, 1, constant_values=outside)
    if not padded.max() > SURFACE_LEVEL:
        raise EmptyShape("the shape model decoded no surface for this sample")
    grid, faces, _, _ = marching_cubes(padded, level=SURFACE_LEVEL, allow_degenerate=False)
    cell = 2.0 * box / (field.shape[0] - 1)
    vertices, faces = drop_small_parts(-box + (grid - 1.0) * cell, faces)
    if len(faces) == 0:
        raise EmptyShape("the shape model decoded no surface for this sample")
    if _signed_volume(vertices, faces) < 0:
        faces = faces[:, ::-1]
    return vertices, np.ascontiguousarray(faces)


def _fill_unrefined(field: np.ndarray) -> np.ndarray:
    """``field`` with each connected region of NaN set to the mean of the refined values
    bordering it (all of one sign: the octree refines every cell near the surface)."""
    unknown = np.isnan(field)
    if not unknown.any():
        return field
    labels, count = ndimage.label(unknown)
    border = ndimage.grey_dilation(labels, size=(3, 3, 3)) * ~unknown
    sums = np.bincount(
        border.ravel(), weights=np.where(unknown, 0.0, field).ravel(), minlength=count + 1
    )
    counts = np.bincount(border.ravel(), minlength=count + 1)
    values = np.where(counts > 0, sums / np.maximum(counts, 1), SURFACE_LEVEL - 1.0)
    filled = field.copy()
    filled[unknown] = values[labels[unknown]]
    return filled


def _signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Volume enclosed by the triangles, negative when they are wound inwards."""
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def _batched(condition: Condition, count: int) -> dict[str, torch.Tensor]:
    """The one-photo condition repeated for ``count`` samples, the conditional half first
    (as the sampler concatenates its latents)."""

    def repeat(tensor: torch.Tensor) -> torch.Tensor:
        halves = tensor.chunk(2) if condition.guided else (tensor,)
        return torch.cat([half.expand(count, *half.shape[1:]) for half in halves])

    return {key: repeat(value) for key, value in condition.tensors.items()}
