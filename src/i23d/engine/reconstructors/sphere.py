"""Throwaway example: one spin, a ball fitted to the outline and textured by projection."""

from __future__ import annotations

import trimesh

from i23d.engine.cutout import CutOut
from i23d.engine.options import EngineOptions
from i23d.engine.reconstructors.base import (
    TEXTURE_SIZE,
    Candidate,
    Candidates,
    Progress,
    Reconstructor,
)
from i23d.engine.reconstructors.projection import camera_frame, fit_to_silhouette, photo_textured
from i23d.engine.reconstructors.scoring import match_photo


class SphereReconstructor(Reconstructor):
    name = "sphere"
    summary = "a ball fitted to the outline (throwaway example)"
    labels = ("ball",)

    def spins(self, cutout: CutOut, options: EngineOptions, progress: Progress) -> Candidates:
        mesh = self.build(cutout, "ball", options, progress)
        match = match_photo(mesh, cutout)
        return Candidates([Candidate("ball", mesh, match.score, match.reason)], chosen=0)

    def build(
        self, cutout: CutOut, label: str, options: EngineOptions, progress: Progress
    ) -> trimesh.Trimesh:
        frame = camera_frame(cutout, 96)
        ball = fit_to_silhouette(trimesh.creation.icosphere(4), frame)
        return photo_textured(ball, cutout, frame, TEXTURE_SIZE[options.preview_mesh])
