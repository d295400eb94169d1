"""The engine's orchestrator: photo → cut-out → the reconstructor's spins → the chosen spin's
model.

The engine decodes the photo and cuts the object out (the same for every backend), hands the
cut-out to its :class:`~i23d.engine.reconstructors.Reconstructor` (the classical shape priors
by default) for the candidate spins and the chosen spin's model, renders the spins'
turntables and reports progress.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

import trimesh

from i23d.engine.cutout import CutOut, make_cutout
from i23d.engine.errors import InvalidOption
from i23d.engine.image_io import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, ImageInput, decode_rgba
from i23d.engine.options import EngineOptions
from i23d.engine.reconstructors.base import Progress, Reconstructor, Verdict, ignore_progress
from i23d.engine.reconstructors.registry import DEFAULT_RECONSTRUCTOR, create
from i23d.engine.segment import (
    CUTOUT_METHODS,
    DEFAULT_CUTOUT,
    CutoutMethod,
    alpha_mask,
    find_object,
)

SPIN_FRAMES = 24
SPIN_VIDEO_SIZE = 512
STILL_FRAME = 2  # 30 degrees round from the front: shows depth
SPIN_SHARE = 0.4  # of the spins' progress, the meshes' share when videos are made


@dataclass
class Spin:
    """One candidate 3D interpretation: its label (a prior's name, a seed: what
    :meth:`Engine.build` rebuilds it from), preview mesh, the chooser's opinion and its
    turntable video and still (PNG/MP4 bytes, empty when videos were not asked for)."""

    index: int
    label: str
    mesh: trimesh.Trimesh
    score: float
    reason: str
    video_mp4: bytes = b""
    still_png: bytes = b""


@dataclass
class SpinSet:
    """The reconstructor's spins, its pick (an index into ``spins``) and the cut-out."""

    spins: list[Spin]
    chosen: int
    cutout: CutOut


class Engine:
    """Image-to-3D with one reconstructor. Holds no per-request state; safe to share between
    threads.

    ``cutout`` picks how a photo without alpha is cut out (``classical``, the default, or
    ``learned``: IS-Net, falling back to ``classical`` when its model file is not in
    ``model_dir``; see :mod:`i23d.engine.segment`); ``model_dir`` None means the default
    ``models/`` folder. ``reconstructor`` is the backend (default: the registry's
    ``classical``). Its weights load on :meth:`start` (or the first request) and are freed
    by :meth:`close`.
    """

    def __init__(
        self,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        cutout: CutoutMethod = DEFAULT_CUTOUT,
        model_dir: Path | None = None,
        reconstructor: Reconstructor | None = None,
    ):
        if cutout not in CUTOUT_METHODS:
            raise InvalidOption(
                f"cutout must be one of {', '.join(CUTOUT_METHODS)}; got {cutout!r}", field="cutout"
            )
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.cutout = cutout
        self.model_dir = model_dir
        self.reconstructor = reconstructor or create(DEFAULT_RECONSTRUCTOR)
        self._loaded = False
        self._lock = threading.Lock()

    @property
    def spin_count(self) -> int:
        """How many spins the reconstructor offers."""
        return self.reconstructor.spin_count

    def start(self) -> Engine:
        """Load the reconstructor's weights now (once; later calls do nothing)."""
        with self._lock:
            if not self._loaded:
                self.reconstructor.load()
                self._loaded = True
        return self

    def close(self) -> None:
        """Free the reconstructor's weights; a later request loads them again."""
        with self._lock:
            if self._loaded:
                self.reconstructor.release()
                self._loaded = False

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
        """The reconstructor's candidate readings, with turntables, and its pick."""
        report = progress or ignore_progress
        report(0.0, "segment")
        cutout = self.load(image, options.fov_deg)
        self.start()
        meshes_end = 0.1 + 0.85 * (SPIN_SHARE if videos else 1.0)
        candidates = self.reconstructor.spins(cutout, options, _span(report, 0.1, meshes_end))
        note = _note(cutout)
        spins = [
            Spin(index, c.label, c.mesh, c.score, c.reason + note)
            for index, c in enumerate(candidates.spins)
        ]
        if videos:
            for spin in spins:
                report(
                    meshes_end + (0.95 - meshes_end) * spin.index / len(spins),
                    f"spin {spin.index}: {spin.label} turntable",
                )
                spin.video_mp4, spin.still_png = _spin_media(spin.mesh)
        report(1.0, "spins done")
        return SpinSet(spins=spins, chosen=candidates.chosen, cutout=cutout)

    def build(
        self,
        image: ImageInput | CutOut,
        spin: Spin | str | int,
        options: EngineOptions,
        progress: Progress | None = None,
    ) -> trimesh.Trimesh:
        """The textured, watertight model of one spin at the options' quality."""
        report = progress or ignore_progress
        label = self._label(spin)
        report(0.0, "segment")
        cutout = self.load(image, options.fov_deg)
        self.start()
        model = self.reconstructor.build(cutout, label, options, report)
        report(1.0, "model done")
        return model

    def choose(self, image: ImageInput | CutOut, options: EngineOptions) -> Verdict:
        """The reconstructor's verdict alone, without meshes or videos."""
        cutout = self.load(image, options.fov_deg)
        self.start()
        verdict = self.reconstructor.choose(cutout, options)
        note = _note(cutout)
        return replace(verdict, reasons={k: v + note for k, v in verdict.reasons.items()})

    def _label(self, spin: Spin | str | int) -> str:
        """The label of a spin given as a Spin, a label or an index."""
        labels = self.reconstructor.labels
        if isinstance(spin, Spin):
            return spin.label
        if isinstance(spin, str) and spin in labels:
            return spin
        if isinstance(spin, int) and not isinstance(spin, bool) and 0 <= spin < len(labels):
            return labels[spin]
        raise InvalidOption(
            f"spin must be an index 0-{len(labels) - 1} or one of {', '.join(labels)}; "
            f"got {spin!r}",
            field="selected_spin_index",
        )


def _note(cutout: CutOut) -> str:
    """What the cut-out chose (if anything), to add to every reason."""
    return f"; {cutout.note}" if cutout.note else ""


def _span(report: Progress, start: float, end: float) -> Progress:
    """A progress callback whose [0, 1] maps onto [start, end] of ``report``'s."""

    def callback(fraction: float, stage: str) -> None:
        report(start + (end - start) * min(max(fraction, 0.0), 1.0), stage)

    return callback


def _spin_media(mesh: trimesh.Trimesh) -> tuple[bytes, bytes]:
    """A spin's turntable MP4 and a still PNG from a little round the front."""
    from i23d.engine.render import turntable
    from i23d.engine.video import encode_mp4, encode_png

    frames = turntable(mesh, frames=SPIN_FRAMES, size=SPIN_VIDEO_SIZE)
    return encode_mp4(frames), encode_png(frames[STILL_FRAME])
