"""Animated characters: rig a model and make it walk, run and jump.

Pure like the rest of the engine: an :class:`~i23d.engine.asset.Asset` (and, when known, the
photo's cut-out mask) in, files out::

    from i23d.engine.animate import animate
    result = animate(asset, ["walk", "jump"], rig="auto", mask=cutout.mask)
    result.glb["walk"]   # binary glTF: the textured mesh skinned to the rig, one clip "walk"
    result.fbx["walk"]   # the same as binary FBX

:mod:`~i23d.engine.animate.skeleton` finds the rig, :mod:`~i23d.engine.animate.clips` makes
the clips, and :mod:`~i23d.engine.animate.blender` has Blender bind the mesh with automatic
(heat) weights and write the files. See docs/animation.md.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from i23d.engine.animate.clips import CLIP_NAMES, make_clip
from i23d.engine.animate.skeleton import SIMPLE, detect_kind, find_rig
from i23d.engine.asset import Asset
from i23d.engine.errors import EngineError, InvalidOption
from i23d.engine.export.fbx import blender_missing

RigChoice = Literal["auto", "biped", "quadruped"]
RIG_CHOICES: tuple[str, ...] = get_args(RigChoice)
DEFAULT_RIG: RigChoice = "auto"
"""Detect the body (two legs, four, or neither) from the silhouette."""
GAITS = ("walk", "run")


class NotACharacter(EngineError):
    """Walk or run was asked of a shape without legs (and no ``rig`` forced one)."""


class AnimationUnavailable(EngineError):
    """This machine cannot rig and animate: Blender's Python (``bpy``) is missing."""


def animation_missing() -> str | None:
    """Why this machine cannot animate (no Python with ``bpy``, which binds the mesh to the
    rig and writes the clips), or ``None`` when it can."""
    missing = blender_missing()
    return None if missing is None else f"animation is not available here: {missing}"


@dataclass(frozen=True)
class AnimatedModel:
    """The rig found (``biped``, ``quadruped`` or ``simple``), each clip's files, and the
    seconds each step took (for the benchmark)."""

    rig: str
    glb: dict[str, bytes]
    fbx: dict[str, bytes]
    seconds: dict[str, float] = field(default_factory=dict)


def check_request(clips: Sequence[str], rig: str) -> tuple[str, ...]:
    """The clips, validated and de-duplicated in the canonical order; raises
    :class:`InvalidOption` naming ``animations`` or ``rig``."""
    unknown = [c for c in clips if c not in CLIP_NAMES]
    if unknown or not clips:
        raise InvalidOption(
            f"animations must be a non-empty list of {', '.join(CLIP_NAMES)}; got {list(clips)!r}",
            field="animations",
        )
    if rig not in RIG_CHOICES:
        raise InvalidOption(
            f"rig must be one of {', '.join(RIG_CHOICES)}; got {rig!r}", field="rig"
        )
    return tuple(c for c in CLIP_NAMES if c in clips)


def animate(
    asset: Asset,
    clips: Sequence[str],
    rig: str = DEFAULT_RIG,
    mask: np.ndarray | None = None,
    fbx: bool = True,
) -> AnimatedModel:
    """Rig ``asset`` and make the clips asked for (walk, run, jump) as GLB (and FBX).

    ``rig`` ``"auto"`` detects the body from ``mask`` (the photo's cut-out, if given) or the
    mesh's front view; ``"biped"``/``"quadruped"`` force that skeleton. Raises
    :class:`NotACharacter` when walk or run is asked of a shape without legs and
    :class:`AnimationUnavailable` when this machine has no Blender.
    """
    wanted = check_request(clips, rig)
    missing = animation_missing()
    if missing is not None:
        raise AnimationUnavailable(missing, field="animations")
    started = time.perf_counter()
    found = find_rig(asset.vertices, asset.triangles, mask, rig)
    _refuse_gaits(found.kind, wanted)
    seconds = {"rig": time.perf_counter() - started}
    started = time.perf_counter()
    made = [make_clip(found, name) for name in wanted]
    seconds["clips"] = time.perf_counter() - started
    from i23d.engine.animate.blender import skin_and_export  # the exporters: only when used

    glb, fbx_files, blender_seconds = skin_and_export(asset, found, made, fbx=fbx)
    return AnimatedModel(rig=found.kind, glb=glb, fbx=fbx_files, seconds=seconds | blender_seconds)


def check_character(
    asset: Asset, clips: Sequence[str], rig: str = DEFAULT_RIG, mask: np.ndarray | None = None
) -> str:
    """The rig kind ``animate`` would find; raises :class:`NotACharacter` (and
    :class:`InvalidOption`) where it would, without rigging anything (fast: a silhouette)."""
    wanted = check_request(clips, rig)
    kind = detect_kind(asset.vertices, asset.triangles, mask) if rig == "auto" else rig
    _refuse_gaits(kind, wanted)
    return kind


def _refuse_gaits(kind: str, wanted: Sequence[str]) -> None:
    gaits = [c for c in wanted if c in GAITS]
    if kind == SIMPLE and gaits:
        raise NotACharacter(
            f"cannot {' or '.join(gaits)}: no legs were found (the silhouette does not stand on "
            f"two or more separate legs), so this is not a character; jump works for any "
            f"shape, or set rig to biped or quadruped to force legs",
            field="animations",
        )


__all__ = [
    "CLIP_NAMES",
    "DEFAULT_RIG",
    "RIG_CHOICES",
    "AnimatedModel",
    "AnimationUnavailable",
    "NotACharacter",
    "animate",
    "animation_missing",
    "check_character",
    "check_request",
]
