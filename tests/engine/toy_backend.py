"""A third-party reconstruction backend, written as a plugin package would write one; the tests
register it through the ``i23d.reconstructors`` entry point group (tests/engine/plugins.py).

Each spin is a primitive (a ball, a block) placed in the photo's camera frame, textured by
projecting the photo and ranked by how well it matches the photo from that camera.
"""

from __future__ import annotations

import trimesh

from i23d.engine.cutout import CutOut
from i23d.engine.options import EngineOptions
from i23d.engine.reconstructors import (
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

GRID = {"turbo": 96, "hd": 128}


class ToyReconstructor(Reconstructor):
    """Primitives fitted to the outline; counts its loads and releases."""

    name = "toy"
    summary = "a ball and a block fitted to the outline (test plugin)"
    labels = ("ball", "block")

    def __init__(self) -> None:
        self.loads = 0
        self.releases = 0

    def load(self) -> None:
        self.loads += 1

    def release(self) -> None:
        self.releases += 1

    def spins(self, cutout: CutOut, options: EngineOptions, progress: Progress) -> Candidates:
        candidates = []
        for index, label in enumerate(self.labels):
            progress(index / len(self.labels), f"fit {label}")
            mesh = self._model(cutout, label, 64, SPIN_TEXTURE_SIZE)
            match = match_photo(mesh, cutout)
            candidates.append(Candidate(label, mesh, match.score, match.reason))
        best = max(range(len(candidates)), key=lambda i: candidates[i].score)
        return Candidates(candidates, chosen=best)

    def build(
        self, cutout: CutOut, label: str, options: EngineOptions, progress: Progress
    ) -> trimesh.Trimesh:
        self.check_label(label)
        progress(0.5, f"fit {label}")
        grid, size = GRID[options.preview_mesh], TEXTURE_SIZE[options.preview_mesh]
        return self._model(cutout, label, grid, size)

    @staticmethod
    def _model(cutout: CutOut, label: str, grid: int, texture_size: int) -> trimesh.Trimesh:
        if label == "ball":
            raw = trimesh.creation.icosphere(subdivisions=3)
        else:
            raw = trimesh.creation.box(extents=(1.0, 1.0, 0.6))
            for _ in range(3):
                raw = raw.subdivide()
        frame = camera_frame(cutout, grid)
        return photo_textured(fit_to_silhouette(raw, frame), cutout, frame, texture_size)


class NeedyReconstructor(ToyReconstructor):
    """A backend whose weights are missing here."""

    name = "needy"
    summary = "needs weights this machine lacks (test plugin)"

    def requirements(self) -> Requirements:
        return Requirements(gpu="required", memory_bytes=6 << 30, extra="neural")

    def availability(self) -> Availability:
        return Availability(ok=False, reason="expected /nowhere/model.ckpt, not found")
