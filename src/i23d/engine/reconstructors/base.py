"""The reconstruction seam: what a backend that turns a cut-out into textured meshes provides.

A :class:`Reconstructor` receives the cut-out (the engine decodes the photo and finds the
object first, the same for every backend), the request's :class:`EngineOptions` and a
progress callback. It answers

- :meth:`Reconstructor.spins`: its candidate readings at spin quality, each a textured mesh
  with a score and a one-line reason, and which one it would pick;
- :meth:`Reconstructor.build`: one candidate, named by its label, at the options' full quality;
- :meth:`Reconstructor.choose`: the pick and the reasons without meshes (the default runs
  :meth:`spins`; a backend with a cheaper way overrides it).

Meshes come out as the classical engine's do: watertight, +Y up, the photographed side
facing +Z, centred on the bounding box with its longest side 1, a ``TextureVisuals`` with a
PBR base-colour texture, and ``metadata["input_camera"]`` saying how to view the mesh from
the photo's camera (see :func:`i23d.engine.texture.finish_model`).

Progress is ``progress(fraction, stage)`` with ``fraction`` in [0, 1]; call it often (at least
every few seconds: between sampler steps, octree levels). It may raise (the job's deadline
passed, the job was deleted): let the exception through and free what the call held.

Lifecycle: the engine constructs a backend once per process (construction must be cheap and
must not fail for missing weights: :meth:`availability` says what is missing), calls
:meth:`load` once before the first job (weights into memory, onto the GPU) and :meth:`release`
when the process stops. Calls may come from several threads at once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import trimesh

from i23d.engine.cutout import CutOut
from i23d.engine.errors import InvalidOption
from i23d.engine.options import EngineOptions

Progress = Callable[[float, str], None]
GpuNeed = Literal["none", "optional", "required"]

TEXTURE_SIZE = {"turbo": 1024, "hd": 2048}
"""The texture side a build gives for each ``preview_mesh`` quality (every backend)."""
SPIN_TEXTURE_SIZE = 512
"""The texture side of a spin's mesh (shown only in a 512² turntable)."""


def ignore_progress(fraction: float, stage: str) -> None:
    """The progress callback used when the caller gives none."""


@dataclass(frozen=True)
class Requirements:
    """What a backend needs to run.

    ``gpu``: ``none`` (CPU only), ``optional`` (uses CUDA when present, else the CPU, slower)
    or ``required``; ``memory_bytes``: peak memory one job takes (VRAM on a GPU, else RAM);
    ``weights``: the files it loads; ``extra``: the pip extra that installs its dependencies
    (``pip install 'i23d[extra]'``), empty when it needs none.
    """

    gpu: GpuNeed = "none"
    memory_bytes: int = 0
    weights: tuple[Path, ...] = ()
    extra: str = ""


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run on this machine; ``reason`` says why not (or, when it can,
    a note such as "CPU only: about 10 minutes a model"); ``device`` where it would run."""

    ok: bool
    reason: str = ""
    device: str = "cpu"


@dataclass(frozen=True)
class Verdict:
    """Per-label plausibility in [0, 1], a one-line reason per label, the pick, and the
    labels offered as spins, in order (empty: every label)."""

    scores: dict[str, float]
    reasons: dict[str, str]
    chosen: str
    offered: tuple[str, ...] = ()


@dataclass
class Candidate:
    """One candidate reading at spin quality: its label (what :meth:`Reconstructor.build`
    rebuilds it from), its textured mesh, score and one-line reason."""

    label: str
    mesh: trimesh.Trimesh
    score: float
    reason: str


@dataclass
class Candidates:
    """A backend's candidates in label order and the index of its pick."""

    spins: list[Candidate]
    chosen: int

    @property
    def verdict(self) -> Verdict:
        """The scores, reasons and pick without the meshes."""
        return Verdict(
            scores={c.label: c.score for c in self.spins},
            reasons={c.label: c.reason for c in self.spins},
            chosen=self.spins[self.chosen].label,
            offered=tuple(c.label for c in self.spins),
        )


class Reconstructor(ABC):
    """A reconstruction backend; subclasses set the class attributes and the two methods.

    ``name`` is the registry name (``I23D_RECONSTRUCTOR``), ``summary`` one line for
    ``i23d reconstructors``, ``labels`` the spins' labels in order: stable, so that a label
    stored with a session rebuilds the same spin in any process (a prior's name, a seed).
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    labels: tuple[str, ...] = ()

    @property
    def spin_count(self) -> int:
        """How many spins this backend offers."""
        return len(self.labels)

    def requirements(self) -> Requirements:
        """What it needs (CPU/GPU, memory, weights, extra); the default needs nothing."""
        return Requirements()

    def availability(self) -> Availability:
        """Whether it can run here and why not; cheap, never loads weights, never raises."""
        return Availability(ok=True)

    def load(self) -> None:  # noqa: B027 - optional: backends without weights load nothing
        """Load weights (once per process, before the first job); idempotent."""

    def release(self) -> None:  # noqa: B027 - optional, as load
        """Free what :meth:`load` took; a later call loads again."""

    @abstractmethod
    def spins(self, cutout: CutOut, options: EngineOptions, progress: Progress) -> Candidates:
        """One candidate per label at spin quality (any mesh size that a 512² turntable
        shows well), scored, and the pick."""

    @abstractmethod
    def build(
        self, cutout: CutOut, label: str, options: EngineOptions, progress: Progress
    ) -> trimesh.Trimesh:
        """The candidate ``label`` at the options' quality (``preview_mesh``,
        ``model_resolution``, ``pixel_alignment``, ``diffusion_time_steps``)."""

    def choose(self, cutout: CutOut, options: EngineOptions) -> Verdict:
        """The pick and the reasons; by default from :meth:`spins` (meshes discarded)."""
        return self.spins(cutout, options, ignore_progress).verdict

    def check_label(self, label: str) -> str:
        """``label`` if it is one of this backend's, else a clear :class:`InvalidOption`."""
        if label not in self.labels:
            raise InvalidOption(
                f"spin must be one of {', '.join(self.labels)}; got {label!r}",
                field="selected_spin_index",
            )
        return label
