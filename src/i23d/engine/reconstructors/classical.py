"""The classical reconstructor (the default): shape priors on the CPU, no weights.

Each prior in :data:`i23d.engine.shapes.PRIORS` turns the silhouette into a depth interval; the
solid is meshed (:mod:`i23d.engine.reconstruct`), textured by projecting the photo from the
input camera (:mod:`i23d.engine.texture`) and the chooser (:mod:`i23d.engine.chooser`) scores
the priors from the outline's cues, steered by the detected object's class where that has an
obvious reading (:mod:`i23d.engine.object_prior`). The spins are the SPIN_COUNT priors the
chooser finds most plausible for this photo, in registration order; any prior can be built by
its name.
"""

from __future__ import annotations

import trimesh
from PIL import Image

from i23d.engine.chooser import choose
from i23d.engine.cues import Cues, read_cues
from i23d.engine.cutout import CutOut
from i23d.engine.delight import delit_texture
from i23d.engine.elevation import read_camera
from i23d.engine.object_prior import detect_object, steer
from i23d.engine.options import EngineOptions
from i23d.engine.post.remesh import decimate
from i23d.engine.reconstruct import mesh_solid
from i23d.engine.reconstructors.base import (
    SPIN_TEXTURE_SIZE,
    TEXTURE_SIZE,
    Candidate,
    Candidates,
    Progress,
    Reconstructor,
    Requirements,
    Verdict,
)
from i23d.engine.shapes import PRIORS, DepthInterval
from i23d.engine.silhouette import Silhouette, make_silhouette
from i23d.engine.texture import finish_model, projection_uvs, texture_image

GRID = {"turbo": 128, "hd": 192}
LOW_RESOLUTION_KEEP = 0.25
SPIN_GRID = 64
SPIN_COUNT = 4
MEMORY_BYTES = 1 << 30  # an hd build of a 2048² photo peaks under 1 GiB (bench.speed_engine)


class ClassicalReconstructor(Reconstructor):
    """Shape priors and a cue-based chooser: fast, CPU-only, nothing to download."""

    name = "classical"
    summary = f"shape priors ({', '.join(PRIORS)}) on the CPU; no weights"

    def __init__(self) -> None:
        self.labels = tuple(PRIORS)

    @property
    def spin_count(self) -> int:
        """The most plausible SPIN_COUNT priors are offered as spins."""
        return min(SPIN_COUNT, len(self.labels))

    def requirements(self) -> Requirements:
        """CPU only, about 1 GiB, no weights, no extra."""
        return Requirements(gpu="none", memory_bytes=MEMORY_BYTES)

    def spins(self, cutout: CutOut, options: EngineOptions, progress: Progress) -> Candidates:
        """The most plausible priors' solids on the spin grid, scored by the chooser."""
        progress(0.0, "shapes")
        cues = read_cues(cutout)  # the camera and the verdict both read from the outline once
        silhouette = make_silhouette(cutout, SPIN_GRID, options.pixel_alignment, *cues.camera)
        verdict = self._verdict(cues, cutout)
        labels = verdict.offered
        intervals = {
            name: PRIORS[name].solid(silhouette, options.diffusion_time_steps) for name in labels
        }
        texture = texture_image(cutout, SPIN_TEXTURE_SIZE)
        candidates = []
        for index, name in enumerate(labels):
            progress(0.2 + 0.8 * index / len(labels), f"spin {index}: {name}")
            mesh = textured_model(silhouette, intervals[name], texture, keep=1.0)
            candidates.append(Candidate(name, mesh, verdict.scores[name], verdict.reasons[name]))
        return Candidates(candidates, chosen=labels.index(verdict.chosen))

    def build(
        self, cutout: CutOut, label: str, options: EngineOptions, progress: Progress
    ) -> trimesh.Trimesh:
        """The prior ``label``'s solid at the options' grid and texture size."""
        prior = PRIORS[self.check_label(label)]
        progress(0.2, "shape")
        silhouette = make_silhouette(
            cutout, GRID[options.preview_mesh], options.pixel_alignment, *read_camera(cutout)
        )
        interval = prior.solid(silhouette, options.diffusion_time_steps)
        progress(0.4, "mesh")
        texture = texture_image(cutout, TEXTURE_SIZE[options.preview_mesh])
        keep = LOW_RESOLUTION_KEEP if options.model_resolution == "low" else 1.0
        return textured_model(silhouette, interval, texture, keep=keep, report=progress)

    def choose(self, cutout: CutOut, options: EngineOptions) -> Verdict:
        """The chooser's verdict from the outline's cues and the detected object's class (no
        meshes), offering its SPIN_COUNT most plausible priors."""
        return self._verdict(read_cues(cutout), cutout)

    def _verdict(self, cues: Cues, cutout: CutOut) -> Verdict:
        return steer(choose(cues, spins=self.spin_count), detect_object(cutout))


def textured_model(
    silhouette: Silhouette,
    interval: DepthInterval,
    texture: Image.Image,
    keep: float,
    report: Progress | None = None,
) -> trimesh.Trimesh:
    """Mesh the prior's solid, optionally decimate, texture by projection (the photo's
    shading taken out: :mod:`i23d.engine.delight`), turn it upright (undoing the camera's
    elevation) and normalise."""
    mesh = mesh_solid(silhouette, interval)
    if keep < 1.0:
        points, faces = decimate(mesh.vertices, mesh.faces, int(len(mesh.faces) * keep))
        mesh = trimesh.Trimesh(points, faces, process=False)
    if report:
        report(0.7, "texture")
    uv = projection_uvs(silhouette, interval, mesh.vertices)
    return finish_model(mesh, uv, silhouette, delit_texture(texture, silhouette, interval))
