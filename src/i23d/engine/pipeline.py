"""The engine's orchestrator: photo → cut-out → four spins → the chosen spin's model.

Each step is a small component (segment, silhouette, shape priors, reconstruct, texture,
chooser, render); this module wires them and reports progress.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from i23d.engine.camera import Camera
from i23d.engine.chooser import Verdict, choose, read_cues
from i23d.engine.cutout import CutOut, make_cutout
from i23d.engine.elevation import estimate_elevation
from i23d.engine.errors import InvalidOption
from i23d.engine.image_io import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, ImageInput, decode_rgba
from i23d.engine.options import EngineOptions
from i23d.engine.post.remesh import decimate
from i23d.engine.reconstruct import mesh_solid
from i23d.engine.segment import (
    CUTOUT_METHODS,
    DEFAULT_CUTOUT,
    CutoutMethod,
    alpha_mask,
    find_object,
)
from i23d.engine.shapes import PRIORS, DepthInterval
from i23d.engine.silhouette import Silhouette, make_silhouette
from i23d.engine.texture import projection_uvs, texture_image

Progress = Callable[[float, str], None]

GRID = {"turbo": 96, "hd": 192}
TEXTURE_SIZE = {"turbo": 1024, "hd": 2048}
LOW_RESOLUTION_KEEP = 0.25
SPIN_GRID = 64
SPIN_TEXTURE_SIZE = 512
SPIN_FRAMES = 24
SPIN_VIDEO_SIZE = 512
STILL_FRAME = 2  # 30 degrees round from the front: shows depth


@dataclass
class Spin:
    """One candidate 3D interpretation: its prior, preview mesh, the chooser's opinion and
    its turntable video and still (PNG/MP4 bytes, empty when videos were not asked for)."""

    index: int
    prior: str
    mesh: trimesh.Trimesh
    score: float
    reason: str
    video_mp4: bytes = b""
    still_png: bytes = b""


@dataclass
class SpinSet:
    """The four spins, the chooser's pick (an index into ``spins``) and the cut-out."""

    spins: list[Spin]
    chosen: int
    cutout: CutOut


class Engine:
    """Image-to-3D on the CPU. Holds no per-request state; safe to share between threads.

    ``cutout`` picks how a photo without alpha is cut out (``classical``, the default, or
    ``learned``: IS-Net, falling back to ``classical`` when its model file is not in
    ``model_dir``; see
    :mod:`i23d.engine.segment`); ``model_dir`` None means the default ``models/`` folder.
    """

    def __init__(
        self,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        cutout: CutoutMethod = DEFAULT_CUTOUT,
        model_dir: Path | None = None,
    ):
        if cutout not in CUTOUT_METHODS:
            raise InvalidOption(
                f"cutout must be one of {', '.join(CUTOUT_METHODS)}; got {cutout!r}", field="cutout"
            )
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.cutout = cutout
        self.model_dir = model_dir

    def load(self, image: ImageInput | CutOut, fov_deg: float = 40.0) -> CutOut:
        """Decode the photo, find the object (alpha, else background removal) and crop it."""
        if isinstance(image, CutOut):
            return image
        rgba, has_alpha = decode_rgba(image, max_pixels=self.max_pixels, max_bytes=self.max_bytes)
        if has_alpha:
            return make_cutout(rgba, alpha_mask(rgba), fov_deg)
        found = find_object(rgba[..., :3], self.cutout, self.model_dir)
        return make_cutout(rgba, found.alpha, fov_deg, note=found.note)

    def spins(
        self,
        image: ImageInput | CutOut,
        options: EngineOptions,
        progress: Progress | None = None,
        videos: bool = True,
    ) -> SpinSet:
        """Four candidate interpretations with turntables, scored by the chooser."""
        report = progress or _ignore
        report(0.0, "segment")
        cutout = self.load(image, options.fov_deg)
        report(0.1, "shapes")
        elevation = estimate_elevation(cutout)
        silhouette = make_silhouette(cutout, SPIN_GRID, options.pixel_alignment, elevation)
        intervals = {
            name: prior(silhouette, options.diffusion_time_steps) for name, prior in PRIORS.items()
        }
        verdict = _with_cutout_note(choose(read_cues(cutout)), cutout)
        texture = texture_image(cutout, SPIN_TEXTURE_SIZE)
        spins = []
        for index, name in enumerate(PRIORS):
            report(0.15 + 0.8 * index / len(PRIORS), f"spin {index}: {name}")
            mesh = textured_model(silhouette, intervals[name], texture, keep=1.0)
            spin = Spin(index, name, mesh, verdict.scores[name], verdict.reasons[name])
            if videos:
                spin.video_mp4, spin.still_png = _spin_media(mesh)
            spins.append(spin)
        report(1.0, "spins done")
        return SpinSet(spins=spins, chosen=list(PRIORS).index(verdict.chosen), cutout=cutout)

    def build(
        self,
        image: ImageInput | CutOut,
        spin: Spin | str | int,
        options: EngineOptions,
        progress: Progress | None = None,
    ) -> trimesh.Trimesh:
        """The textured, watertight model of one spin at the options' quality."""
        report = progress or _ignore
        name = _prior_name(spin)
        report(0.0, "segment")
        cutout = self.load(image, options.fov_deg)
        report(0.2, "shape")
        silhouette = make_silhouette(
            cutout, GRID[options.preview_mesh], options.pixel_alignment, estimate_elevation(cutout)
        )
        interval = PRIORS[name](silhouette, options.diffusion_time_steps)
        report(0.4, "mesh")
        texture = texture_image(cutout, TEXTURE_SIZE[options.preview_mesh])
        keep = LOW_RESOLUTION_KEEP if options.model_resolution == "low" else 1.0
        model = textured_model(silhouette, interval, texture, keep=keep, report=report)
        report(1.0, "model done")
        return model

    def choose(self, image: ImageInput | CutOut, options: EngineOptions) -> Verdict:
        """The chooser's verdict alone, without meshes or videos."""
        cutout = self.load(image, options.fov_deg)
        return _with_cutout_note(choose(read_cues(cutout)), cutout)


def _with_cutout_note(verdict: Verdict, cutout: CutOut) -> Verdict:
    """The verdict with what the cut-out chose (if anything) added to every reason."""
    if not cutout.note:
        return verdict
    reasons = {name: f"{reason}; {cutout.note}" for name, reason in verdict.reasons.items()}
    return replace(verdict, reasons=reasons)


def textured_model(
    silhouette: Silhouette,
    interval: DepthInterval,
    texture: Image.Image,
    keep: float,
    report: Progress | None = None,
) -> trimesh.Trimesh:
    """Mesh the prior's solid, optionally decimate, texture by projection, turn it upright
    (undoing the camera's elevation) and normalise."""
    mesh = mesh_solid(silhouette, interval)
    if keep < 1.0:
        points, faces = decimate(mesh.vertices, mesh.faces, int(len(mesh.faces) * keep))
        mesh = trimesh.Trimesh(points, faces, process=False)
    if report:
        report(0.7, "texture")
    uv = projection_uvs(silhouette, interval, mesh.vertices)
    upright = np.eye(4)
    upright[:3, :3] = Camera(elevation_deg=silhouette.elevation_deg).world_to_camera()[:3, :3].T
    mesh.apply_transform(upright)
    bounds = mesh.bounds
    scale = 1.0 / float(np.max(bounds[1] - bounds[0]))
    centre = (bounds[0] + bounds[1]) / 2.0
    normalise = np.diag([scale, scale, scale, 1.0]) @ trimesh.transformations.translation_matrix(
        -centre
    )
    mesh.apply_transform(normalise)
    mesh.metadata["input_camera"] = {
        "fov_deg": silhouette.fov_deg,
        "distance": silhouette.distance,
        "elevation_deg": silhouette.elevation_deg,
        "model_to_camera_frame": np.linalg.inv(normalise @ upright).tolist(),
    }
    material = PBRMaterial(
        baseColorTexture=texture, metallicFactor=0.0, roughnessFactor=0.9, doubleSided=False
    )
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return mesh


def _spin_media(mesh: trimesh.Trimesh) -> tuple[bytes, bytes]:
    """A spin's turntable MP4 and a still PNG from a little round the front."""
    from i23d.engine.render import turntable
    from i23d.engine.video import encode_mp4, encode_png

    frames = turntable(mesh, frames=SPIN_FRAMES, size=SPIN_VIDEO_SIZE)
    return encode_mp4(frames), encode_png(frames[STILL_FRAME])


def _prior_name(spin: Spin | str | int) -> str:
    names = list(PRIORS)
    if isinstance(spin, Spin):
        return spin.prior
    if isinstance(spin, str) and spin in PRIORS:
        return spin
    if isinstance(spin, int) and not isinstance(spin, bool) and 0 <= spin < len(names):
        return names[spin]
    raise InvalidOption(
        f"spin must be an index 0-{len(names) - 1} or one of {', '.join(names)}; got {spin!r}",
        field="selected_spin_index",
    )


def _ignore(fraction: float, stage: str) -> None:
    """The progress callback used when the caller gives none."""
