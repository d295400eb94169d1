"""Hunyuan3D-2 behind the reconstruction seam: four spins are four seeds of the learned model.

- spins: the photo encoded once, one latent set per seed sampled in one batch for
  ``diffusion_time_steps`` flow-matching steps, each decoded on a coarse octree
  (``spin_octree``), placed in the photo's camera frame, textured by projecting the photo
  (as the classical engine does) and scored by how well it matches the photo from the input
  camera (:func:`~i23d.engine.reconstructors.scoring.match_photo`); the best is picked.
- build: the chosen seed again, decoded on the octree of ``preview_mesh`` (``turbo`` 256,
  ``hd`` 384 by default), at most :data:`MAX_FACES` faces (``model_resolution`` ``low``: a
  quarter of that), with the texture size of ``preview_mesh``.

Configured from ``I23D_HUNYUAN3D_*`` variables (:class:`Hunyuan3DSettings`); the weights are
a local copy of the published snapshot (:mod:`i23d.engine.hunyuan3d.weights`), never
downloaded. Needs the ``neural`` extra; CUDA when present, else the CPU (slow).
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import trimesh
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from i23d.engine.cutout import CutOut
from i23d.engine.hunyuan3d.weights import AUTO, MissingWeights, Weights, locate
from i23d.engine.options import EngineOptions
from i23d.engine.post.remesh import decimate
from i23d.engine.reconstructors.base import (
    SPIN_TEXTURE_SIZE,
    TEXTURE_SIZE,
    Availability,
    Candidate,
    Candidates,
    Progress,
    Reconstructor,
    Requirements,
)
from i23d.engine.reconstructors.projection import camera_frame, fit_to_silhouette, photo_textured
from i23d.engine.reconstructors.scoring import match_photo

if TYPE_CHECKING:
    from i23d.engine.hunyuan3d.model import ShapeModel

SEEDS: tuple[int, ...] = (0, 1, 2, 3)
"""The spins' seeds: a spin's label names its seed, so a build in any process resamples it."""
SPIN_GRID = 128
"""Grid of the camera frame a spin is textured in (the projection's depth samples)."""
BUILD_GRID = 192
MAX_FACES = 200_000
"""Most triangles of a built model (an octree of 384 decodes up to about a million)."""
LOW_RESOLUTION_KEEP = 0.25
MEMORY_BYTES = 6 << 30
"""Peak memory of one job at half precision on a GPU (Tencent's figure for the shape model;
``bench/neural_speed.py`` prints the measured peak)."""
SAMPLING_SHARE = 0.7
"""Part of the progress bar the sampler's steps take (the rest: decoding and texturing)."""


class Hunyuan3DSettings(BaseSettings):
    """Where the weights are and how to run them (``I23D_HUNYUAN3D_*`` variables)."""

    model_config = SettingsConfigDict(env_prefix="I23D_HUNYUAN3D_", extra="ignore")

    path: Path | None = Field(
        None, description="folder of the downloaded tencent/Hunyuan3D-2 snapshot"
    )
    variant: str = Field(
        AUTO,
        description="shape model sub-folder (hunyuan3d-dit-v2-0, ...-turbo); auto: first found",
    )
    device: str = Field("", description="torch device (cuda, cuda:1, cpu); empty: CUDA if present")
    spin_octree: int = Field(128, ge=16, le=512, description="octree resolution of the spins")
    turbo_octree: int = Field(256, ge=16, le=512, description="octree resolution, turbo preview")
    hd_octree: int = Field(384, ge=16, le=512, description="octree resolution, hd preview")

    def octree(self, preview_mesh: Literal["turbo", "hd"]) -> int:
        """The octree resolution of a build at ``preview_mesh`` quality."""
        return self.hd_octree if preview_mesh == "hd" else self.turbo_octree


class Hunyuan3DReconstructor(Reconstructor):
    """Tencent's Hunyuan3D-2 shape model (hy3dgen), four seeds a spin set."""

    name = "hunyuan3d"
    summary = "Hunyuan3D-2 shapes (learned; local weights, CUDA or a slow CPU), four seeds"
    labels = tuple(f"seed {seed}" for seed in SEEDS)

    def __init__(self, settings: Hunyuan3DSettings | None = None) -> None:
        self.settings = settings or Hunyuan3DSettings()
        self._model: ShapeModel | None = None
        self._lock = threading.Lock()

    def weights(self) -> Weights:
        """The weights' files; :class:`MissingWeights` says which were expected."""
        return locate(self.settings.path, self.settings.variant)

    def requirements(self) -> Requirements:
        """A GPU if there is one, about 6 GiB, the checkpoint and its config, the extra."""
        try:
            weights = self.weights()
            files: tuple[Path, ...] = (weights.config, weights.checkpoint)
        except MissingWeights:
            files = ()
        return Requirements(
            gpu="optional", memory_bytes=MEMORY_BYTES, weights=files, extra="neural"
        )

    def availability(self) -> Availability:
        """Runs where the extra is installed and the weights are found; says on which device."""
        missing = [name for name in ("torch", "hy3dgen") if importlib.util.find_spec(name) is None]
        if missing:
            return Availability(
                ok=False,
                reason=f"the neural extra is not installed ({', '.join(missing)} missing; "
                "see docs/backends.md)",
            )
        try:
            weights = self.weights()
        except MissingWeights as error:
            return Availability(ok=False, reason=str(error))
        import torch

        device = self.settings.device or ("cuda" if torch.cuda.is_available() else "cpu")
        note = f"{weights.variant} from {weights.checkpoint.parent}"
        if device == "cpu":
            note += "; CPU only (no CUDA): minutes per spin set, see docs/backends.md"
        return Availability(ok=True, reason=note, device=device)

    def load(self) -> None:
        """Load the checkpoint onto the device (once)."""
        from i23d.engine.hunyuan3d.model import ShapeModel

        with self._lock:
            if self._model is None:
                self._model = ShapeModel.load(self.weights(), self.settings.device or None)

    def release(self) -> None:
        """Free the weights."""
        with self._lock:
            if self._model is not None:
                self._model.release()
                self._model = None

    def spins(self, cutout: CutOut, options: EngineOptions, progress: Progress) -> Candidates:
        """Four seeds sampled together, each decoded coarsely, textured and scored."""
        model = self._loaded()
        progress(0.0, "encode photo")
        condition = model.encode(cutout.rgba)
        latents = model.sample(
            condition,
            SEEDS,
            options.diffusion_time_steps,
            _span(progress, 0.05, SAMPLING_SHARE, "sample"),
        )
        frame = camera_frame(cutout, SPIN_GRID, options.pixel_alignment)
        candidates = []
        for index, label in enumerate(self.labels):
            progress(
                SAMPLING_SHARE + (1.0 - SAMPLING_SHARE) * index / len(self.labels),
                f"spin {index}: {label}",
            )
            vertices, faces = _decoded(model, latents[index], self.settings.spin_octree, label)
            placed = fit_to_silhouette(trimesh.Trimesh(vertices, faces, process=False), frame)
            mesh = photo_textured(placed, cutout, frame, SPIN_TEXTURE_SIZE)
            match = match_photo(mesh, cutout)
            candidates.append(Candidate(label, mesh, match.score, match.reason))
        best = max(range(len(candidates)), key=lambda index: candidates[index].score)
        return Candidates(candidates, chosen=best)

    def build(
        self, cutout: CutOut, label: str, options: EngineOptions, progress: Progress
    ) -> trimesh.Trimesh:
        """The seed of ``label`` resampled and decoded at the preview's octree resolution."""
        seed = SEEDS[self.labels.index(self.check_label(label))]
        model = self._loaded()
        progress(0.0, "encode photo")
        condition = model.encode(cutout.rgba)
        latents = model.sample(
            condition,
            (seed,),
            options.diffusion_time_steps,
            _span(progress, 0.05, SAMPLING_SHARE, "sample"),
        )
        progress(SAMPLING_SHARE, "decode")
        octree = self.settings.octree(options.preview_mesh)
        vertices, faces = _decoded(model, latents[0], octree, label)
        keep = LOW_RESOLUTION_KEEP if options.model_resolution == "low" else 1.0
        budget = int(min(len(faces), MAX_FACES) * keep)
        if len(faces) > budget:
            progress(0.85, "decimate")
            vertices, faces = decimate(vertices, faces, budget)
        progress(0.9, "texture")
        frame = camera_frame(cutout, BUILD_GRID, options.pixel_alignment)
        placed = fit_to_silhouette(trimesh.Trimesh(vertices, faces, process=False), frame)
        return photo_textured(placed, cutout, frame, TEXTURE_SIZE[options.preview_mesh])

    def _loaded(self) -> ShapeModel:
        """The model, loaded on first use."""
        self.load()
        assert self._model is not None
        return self._model


def _decoded(model: ShapeModel, latents: Any, octree: int, label: str) -> tuple[Any, Any]:
    """The sample's closed mesh; an empty one fails with the spin's label in the reason."""
    from i23d.engine.hunyuan3d.model import EmptyShape

    try:
        return model.decode(latents, octree)
    except EmptyShape as error:
        raise EmptyShape(f"{label}: {error.message}") from error


def _span(progress: Progress, start: float, end: float, stage: str) -> Progress:
    """A callback mapping [0, 1] onto [start, end] of ``progress``, its stages prefixed."""

    def report(fraction: float, detail: str) -> None:
        progress(start + (end - start) * fraction, f"{stage} {detail}")

    return report
