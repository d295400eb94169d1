"""Walk, run and jump, made procedurally for a :class:`~i23d.engine.animate.skeleton.Rig`.

A clip is, per frame, each bone's rotation relative to its parent about its own head (in the
model's rest axes), optional per-bone scales, and the root's offset. Angles do not depend on
size; the root's height is solved per frame by forward kinematics so the lowest foot rests on
the ground (no foot below it), jumps rise a fraction of the figure's height, and the gait's
period grows with the square root of the leg length (a pendulum's). Clips stay in place: the
root never travels horizontally.

- walk / run (characters only): legs swing about the hip sideways axis, opposite legs half a
  cycle apart (bipeds) or in diagonal pairs (quadrupeds: front-left with hind-right); the
  knee folds while its leg swings forward, so the swinging foot clears the ground; bipeds
  swing each arm against the leg on its side; the run swings wider, faster, leans forward
  and bounces.
- jump (anything): crouch, push, air, land, recover. Characters bend their legs and swing
  their arms; the simple rig squashes and stretches (volume roughly kept) and hops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from i23d.engine.animate.skeleton import SIMPLE, Rig

FPS = 24
FOOT_REACH = 0.05
"""How far a foot reaches ahead of and behind its ankle, a fraction of the figure's height."""
ClipName = Literal["walk", "run", "jump"]
CLIP_NAMES: tuple[ClipName, ...] = get_args(ClipName)


@dataclass(frozen=True)
class Clip:
    """One clip's keys, one per frame: ``rotations`` bone → (F, 4) quaternions (w, x, y, z);
    ``scales`` bone → (F, 3) in the bone's own axes (y along the bone); ``root_offset`` (F, 3)."""

    name: str
    fps: int
    rotations: dict[str, np.ndarray]
    root_offset: np.ndarray
    scales: dict[str, np.ndarray] = field(default_factory=dict)
    loop: bool = True

    @property
    def frames(self) -> int:
        """How many keyed frames (a looping clip's last equals its first)."""
        return len(self.root_offset)


def make_clip(rig: Rig, name: str) -> Clip:
    """The clip ``name`` (walk, run or jump) for ``rig``."""
    if name == "jump":
        return _simple_hop(rig) if rig.kind == SIMPLE else _character_jump(rig)
    if rig.kind == SIMPLE:
        raise ValueError(f"{name} needs legs; a simple rig can only jump")
    return _gait(rig, run=name == "run")


def quaternion(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(F, 4) unit quaternions (w, x, y, z) turning ``angle`` (F,) radians about ``axis``."""
    axis = np.asarray(axis, dtype=np.float64)
    axis = axis / np.linalg.norm(axis)
    half = np.asarray(angle, dtype=np.float64) / 2
    return np.column_stack([np.cos(half), np.sin(half)[:, None] * axis[None]])


def rotation_matrices(quaternions: np.ndarray) -> np.ndarray:
    """(F, 3, 3) rotation matrices of (F, 4) quaternions (w, x, y, z)."""
    w, x, y, z = np.moveaxis(np.asarray(quaternions, dtype=np.float64), -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


def pose_points(
    rig: Rig,
    rotations: dict[str, np.ndarray],
    root_offset: np.ndarray,
    points: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Forward kinematics: where each rest-pose point ``points[bone]`` (carried by ``bone``)
    is in every frame, (F, 3)."""
    frames = len(root_offset)
    identity = np.broadcast_to(np.eye(3), (frames, 3, 3))
    linear: dict[str, np.ndarray] = {}
    origin: dict[str, np.ndarray] = {}  # where each bone's head is, per frame
    for bone in rig.bones:
        turn = rotation_matrices(rotations[bone.name]) if bone.name in rotations else identity
        if bone.parent is None:
            linear[bone.name] = turn
            origin[bone.name] = bone.head + root_offset
        else:
            parent = rig.bone(bone.parent)
            linear[bone.name] = linear[parent.name] @ turn
            origin[bone.name] = origin[parent.name] + np.einsum(
                "fij,j->fi", linear[parent.name], bone.head - parent.head
            )
    return {
        name: origin[name] + np.einsum("fij,j->fi", linear[name], point - rig.bone(name).head)
        for name, point in points.items()
    }


def _times(seconds: float, loop: bool) -> np.ndarray:
    count = max(2, round(seconds * FPS))
    return np.arange(count + 1 if loop else count) / count


def _swing_axis(rig: Rig, bone: str) -> np.ndarray:
    """The axis that turns ``bone`` forward (its end towards the walking direction)."""
    b = rig.bone(bone)
    direction = b.tail - b.head
    axis = np.cross(direction, rig.forward)
    if np.linalg.norm(axis) < 1e-6 * np.linalg.norm(direction):
        axis = np.cross(np.array([0.0, 1.0, 0.0]), rig.forward)
    return axis / np.linalg.norm(axis)


def _lean_axis(rig: Rig) -> np.ndarray:
    """The axis that tips the upper body forward."""
    return np.cross(np.array([0.0, 1.0, 0.0]), rig.forward)


def _leg_length(rig: Rig) -> float:
    upper, lower = rig.legs[0]
    return float(
        np.linalg.norm(rig.bone(upper).tail - rig.bone(upper).head)
        + np.linalg.norm(rig.bone(lower).tail - rig.bone(lower).head)
    )


def _feet_down(rig: Rig, rotations: dict[str, np.ndarray], lift: np.ndarray) -> np.ndarray:
    """Root offsets that put the lowest foot on the ground, plus ``lift`` (F,) above it."""
    offset = np.zeros((len(lift), 3))
    reach = FOOT_REACH * rig.height * rig.forward
    lowest = np.full(len(lift), np.inf)
    for toe in (-1.0, 0.0, 1.0):  # heel, ankle, toe
        feet = {lower: rig.bone(lower).tail + toe * reach for _, lower in rig.legs}
        posed = pose_points(rig, rotations, offset, feet)
        lowest = np.minimum(lowest, np.min(np.stack([p[:, 1] for p in posed.values()]), axis=0))
    offset[:, 1] = rig.ground - lowest + lift
    return offset


def _gait(rig: Rig, run: bool) -> Clip:
    leg = _leg_length(rig)
    period = (0.6 if run else 1.0) * float(np.clip(np.sqrt(leg / 0.45), 0.6, 1.6))
    t = _times(period, loop=True)
    swing, knee, arm, elbow = (0.60, 1.35, 0.75, 1.2) if run else (0.38, 0.75, 0.35, 0.25)
    rotations: dict[str, np.ndarray] = {}
    for upper, lower in rig.legs:
        phase = 2 * np.pi * (t + rig.phase[upper])
        rotations[upper] = quaternion(_swing_axis(rig, upper), swing * np.sin(phase))
        # The knee folds while the leg swings forward (the foot goes back and up).
        fold = knee * np.clip(np.cos(phase), 0, None) ** 1.5
        rotations[lower] = quaternion(_swing_axis(rig, lower), -fold)
    for side, (upper, lower) in enumerate(rig.arms):
        leg_upper = rig.legs[side][0]
        phase = 2 * np.pi * (t + rig.phase[leg_upper])
        rotations[upper] = quaternion(_swing_axis(rig, upper), -arm * np.sin(phase))
        rotations[lower] = quaternion(
            _swing_axis(rig, lower), elbow * (1 + 0.5 * np.sin(-phase)) / 1.5
        )
    cycle = 2 * np.pi * t
    up = np.array([0.0, 1.0, 0.0])
    if rig.arms:  # bipeds: the chest turns against the hips; runners lean in
        rotations["chest"] = quaternion(up, (0.12 if run else 0.08) * np.sin(cycle))
        rotations["spine"] = quaternion(_lean_axis(rig), np.full(len(t), 0.18 if run else 0.03))
        rotations["hips"] = quaternion(up, -(0.08 if run else 0.05) * np.sin(cycle))
    else:  # quadrupeds: the back rocks a little
        rotations["spine"] = quaternion(
            _lean_axis(rig), (0.06 if run else 0.03) * np.sin(2 * cycle)
        )
    if rig.head:
        rotations[rig.head] = quaternion(_lean_axis(rig), -0.04 * np.sin(2 * cycle))
    for index, name in enumerate(rig.tail):
        rotations[name] = quaternion(up, (0.35 if run else 0.2) * np.sin(cycle - 0.6 * index))
    bounce = 0.06 * leg * np.clip(np.sin(2 * cycle - 0.5), 0, None) if run else np.zeros(len(t))
    return Clip(
        name="run" if run else "walk",
        fps=FPS,
        rotations=rotations,
        root_offset=_feet_down(rig, rotations, bounce),
    )


# The jump's phases as (time in s, crouch 0..1, height 0..1, arm swing -1..1), interpolated.
JUMP_KEYS = (
    (0.0, 0.0, 0.0, 0.0),
    (0.30, 1.0, 0.0, -1.0),
    (0.42, 0.0, 0.05, 1.0),
    (0.60, 0.25, 1.0, 0.8),
    (0.78, 0.15, 0.05, 0.2),
    (0.86, 0.9, 0.0, -0.4),
    (1.10, 0.0, 0.0, 0.0),
)
JUMP_HEIGHT = 0.35
"""How high the jump's feet rise, a fraction of the figure's height."""


def _jump_curves(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The crouch, height and arm-swing curves of :data:`JUMP_KEYS` at clip fractions ``t``."""
    keys = np.array(JUMP_KEYS)
    smooth = _smooth_interp(t * keys[-1, 0], keys[:, 0])
    return smooth(keys[:, 1]), smooth(keys[:, 2]), smooth(keys[:, 3])


def _smooth_interp(x: np.ndarray, xs: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Interpolates values at ``xs`` with smoothstep ease between keys."""
    index = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, len(xs) - 2)
    u = np.clip((x - xs[index]) / (xs[index + 1] - xs[index]), 0, 1)
    u = u * u * (3 - 2 * u)
    return lambda values: values[index] + (values[index + 1] - values[index]) * u


def _character_jump(rig: Rig) -> Clip:
    t = _times(JUMP_KEYS[-1][0], loop=False)
    crouch, height, arms = _jump_curves(t)
    rotations: dict[str, np.ndarray] = {}
    biped = bool(rig.arms)
    for upper, lower in rig.legs:
        hind = upper.startswith("hind")
        bend = 0.9 if biped else (0.6 if hind else -0.5)
        rotations[upper] = quaternion(_swing_axis(rig, upper), bend * crouch)
        rotations[lower] = quaternion(_swing_axis(rig, lower), -2.0 * bend * crouch)
    for upper, lower in rig.arms:
        rotations[upper] = quaternion(_swing_axis(rig, upper), 1.3 * arms)
        rotations[lower] = quaternion(_swing_axis(rig, lower), 0.3 + 0.2 * arms)
    lean = _lean_axis(rig)
    if biped:
        rotations["spine"] = quaternion(lean, 0.35 * crouch)
    else:
        rotations["spine"] = quaternion(lean, -0.12 * crouch)
    if rig.head:
        rotations[rig.head] = quaternion(lean, (-0.3 if biped else 0.15) * crouch)
    for name in rig.tail:
        rotations[name] = quaternion(lean, -0.5 * height)
    lift = JUMP_HEIGHT * rig.height * height
    return Clip(
        name="jump",
        fps=FPS,
        rotations=rotations,
        root_offset=_feet_down(rig, rotations, lift),
        loop=False,
    )


def _simple_hop(rig: Rig) -> Clip:
    """Squash (wide and low) before and after, stretch (tall and thin) in the air."""
    t = _times(JUMP_KEYS[-1][0], loop=False)
    crouch, height, _ = _jump_curves(t)
    stretch = 1.0 - 0.3 * crouch + 0.2 * np.clip(height * 2, 0, 1) * (1 - crouch)
    across = 1.0 / np.sqrt(stretch)  # keeps the volume
    body = rig.bones[0].name
    scales = {body: np.column_stack([across, stretch, across])}
    offset = np.zeros((len(t), 3))
    offset[:, 1] = JUMP_HEIGHT * rig.height * height
    rotations = {body: quaternion(np.array([1.0, 0.0, 0.0]), np.zeros(len(t)))}
    return Clip(
        name="jump", fps=FPS, rotations=rotations, root_offset=offset, scales=scales, loop=False
    )
