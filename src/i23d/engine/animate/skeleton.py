"""The rig: which kind of body a model has, and where its joints are.

The front view of the model (the photo's cut-out mask, or the mesh projected onto its x-y
plane) is read row by row from the ground up: separate runs of the silhouette touching the
ground are legs, and the height where they join is the crotch (biped) or the belly
(quadruped). Two legs on a figure taller than it is wide make a biped; three or more legs, or
two under a long, shallow body (a side view, each leg hiding its partner), a quadruped;
none, a simple one-bone rig that can only hop. Hands, head and tail are the silhouette
skeleton's ends (``skimage.morphology.skeletonize``). Every joint is then placed inside the
mesh: halfway through its depth along the view direction.

Coordinates are the model's: metres, +Y up, the photo's front facing +Z; the image's columns
run along +X and its rows down -Y.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage
from skimage.morphology import skeletonize

from i23d.engine.runs import row_runs
from i23d.engine.silhouette import largest_part

GRID = 192
"""Side of the square grid the silhouette is read on (pixels)."""
FEET_ROW = 0.03
"""Height (fraction of the figure's) of the row where legs are counted."""
MIN_LEG_HEIGHT = 0.12
"""Legs must stay apart at least this fraction of the figure's height to count."""
UPRIGHT = 1.0
"""A two-legged figure whose height above the legs' join, over the spread of its feet, is
below this is a quadruped seen from the side (a long, shallow body over front and hind legs);
at or above it, a biped (a tall body over two close feet)."""

BIPED, QUADRUPED, SIMPLE = "biped", "quadruped", "simple"


@dataclass(frozen=True)
class Bone:
    """One bone: from ``head`` (the joint it turns about) to ``tail``, model coordinates."""

    name: str
    head: np.ndarray
    tail: np.ndarray
    parent: str | None


@dataclass(frozen=True)
class Rig:
    """A skeleton and what the clips need to know about it.

    ``bones`` come parents first. ``legs`` lists each leg's (upper, lower) bone names;
    ``arms`` each arm's; ``phase`` gives each leg's gait phase in cycles (0 or 0.5);
    ``forward`` is the walking direction (unit, horizontal); ``height`` the figure's height
    and ``ground`` the height of its lowest point.
    """

    kind: str
    bones: tuple[Bone, ...]
    forward: np.ndarray
    height: float
    ground: float
    legs: tuple[tuple[str, str], ...] = ()
    arms: tuple[tuple[str, str], ...] = ()
    phase: dict[str, float] = field(default_factory=dict)
    spine: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()
    head: str = ""

    def bone(self, name: str) -> Bone:
        """The bone called ``name``."""
        return next(b for b in self.bones if b.name == name)


@dataclass(frozen=True)
class Silhouette:
    """The front-view mask cropped to the figure and the map from its pixels to the model."""

    mask: np.ndarray  # (rows, cols) bool, row 0 at the top, the figure touching every side
    low: np.ndarray  # the model's (x, y) at the bottom-left corner of the mask
    high: np.ndarray  # the model's (x, y) at the top-right corner

    def to_model(self, column: float, row: float) -> np.ndarray:
        """Model (x, y) of a pixel position (centre of pixel = integer + 0.5)."""
        rows, cols = self.mask.shape
        u, v = column / cols, 1.0 - row / rows
        return self.low + np.array([u, v]) * (self.high - self.low)


def silhouette_of(
    vertices: np.ndarray, triangles: np.ndarray, mask: np.ndarray | None
) -> Silhouette:
    """The figure's front silhouette: the cut-out ``mask`` if given (the photo's, cropped to its
    bounding box, mapped onto the model's x-y bounds), else the mesh's own projection."""
    low, high = vertices[:, :2].min(axis=0), vertices[:, :2].max(axis=0)
    if mask is not None and np.count_nonzero(mask) > 0:
        rows, cols = np.nonzero(mask)
        crop = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].astype(np.uint8)
        scale = GRID / max(crop.shape)
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        grid = cv2.resize(crop * 255, size, interpolation=cv2.INTER_AREA) > 127
        return Silhouette(_cropped(largest_part(grid)), low, high)
    extent = high - low
    scale = GRID / float(extent.max())
    width, height = (max(1, int(np.ceil(e * scale))) for e in extent)
    pixels = (vertices[:, :2] - low) * scale
    pixels[:, 1] = height - pixels[:, 1]
    canvas = np.zeros((height, width), np.uint8)
    corners = np.round(pixels[triangles] * 4).astype(np.int32)  # 2 bits of sub-pixel precision
    for triangle in corners:
        cv2.fillConvexPoly(canvas, triangle, 1, lineType=cv2.LINE_8, shift=2)
    return Silhouette(_cropped(largest_part(canvas > 0)), low, high)


def find_rig(
    vertices: np.ndarray, triangles: np.ndarray, mask: np.ndarray | None = None, kind: str = "auto"
) -> Rig:
    """The model's rig. ``kind`` ``"auto"`` detects biped / quadruped / simple from the
    silhouette; ``"biped"`` or ``"quadruped"`` forces that skeleton (a figure without
    separate legs then gets legs placed where they would stand)."""
    vertices = np.asarray(vertices, dtype=np.float64)
    shape = silhouette_of(vertices, np.asarray(triangles), mask)
    legs = _leg_runs(shape.mask)
    detected = _classify(shape.mask, legs)
    chosen = detected if kind == "auto" else kind
    depth = _DepthProbe(vertices, np.asarray(triangles))
    if chosen == BIPED:
        return _biped(shape, legs, depth)
    if chosen == QUADRUPED:
        return _quadruped(shape, legs, depth)
    return _simple(vertices)


def detect_kind(vertices: np.ndarray, triangles: np.ndarray, mask: np.ndarray | None = None) -> str:
    """``"biped"``, ``"quadruped"`` or ``"simple"`` (no legs found)."""
    shape = silhouette_of(np.asarray(vertices, dtype=np.float64), np.asarray(triangles), mask)
    return _classify(shape.mask, _leg_runs(shape.mask))


# ---- reading the silhouette ------------------------------------------------------------------


@dataclass(frozen=True)
class _Legs:
    """Runs of the silhouette standing on the ground: their centres (columns) at the feet row,
    at ``upper_row`` (just below where they join) and the joining row itself."""

    feet: list[float]
    upper: list[float]
    widths: list[float]
    join_row: int
    upper_row: int


def _cropped(grid: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(grid)
    if len(rows) == 0:
        return np.ones((1, 1), bool)
    return grid[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def _leg_runs(mask: np.ndarray) -> _Legs:
    rows, cols = mask.shape
    min_width = max(1, round(0.015 * cols))
    feet_row = rows - 1 - round(FEET_ROW * rows)
    feet = row_runs(mask[feet_row], min_width)
    join = feet_row
    count = len(feet)
    while count >= 2 and join > 0:
        count = len(row_runs(mask[join - 1], min_width))
        if count >= 2:
            join -= 1
    upper_row = min(feet_row, join + max(1, round(0.03 * rows)))
    upper = row_runs(mask[upper_row], min_width)
    if len(upper) != len(feet):
        upper = feet
    return _Legs(
        feet=[(a + b) / 2 for a, b in feet],
        upper=[(a + b) / 2 for a, b in upper],
        widths=[b - a for a, b in feet],
        join_row=join,
        upper_row=upper_row,
    )


def _classify(mask: np.ndarray, legs: _Legs) -> str:
    rows, cols = mask.shape
    leg_height = (rows - 1 - legs.join_row) / rows
    if len(legs.feet) < 2 or leg_height < MIN_LEG_HEIGHT:
        return SIMPLE
    if len(legs.feet) >= 3:
        return QUADRUPED
    spread = max(legs.feet) - min(legs.feet)
    middle = int(round((max(legs.feet) + min(legs.feet)) / 2))
    top = int(np.argmax(mask[:, int(np.clip(middle, 0, cols - 1))]))
    return BIPED if legs.join_row - top >= UPRIGHT * spread else QUADRUPED


def _skeleton_ends(mask: np.ndarray) -> np.ndarray:
    """(N, 2) (column, row) of the silhouette skeleton's end points."""
    skeleton = skeletonize(mask)
    neighbours = (
        ndimage.convolve(skeleton.astype(np.uint8), np.ones((3, 3), np.uint8), mode="constant") - 1
    )
    rows, cols = np.nonzero(skeleton & (neighbours == 1))
    return np.column_stack([cols + 0.5, rows + 0.5]).astype(np.float64)


def _row_span(mask: np.ndarray, row: int, column: float) -> tuple[float, float]:
    """The run of ``row`` containing (or nearest to) ``column``."""
    runs = row_runs(mask[int(np.clip(row, 0, mask.shape[0] - 1))])
    if not runs:
        return column, column
    best = min(
        runs,
        key=lambda r: 0 if r[0] <= column < r[1] else min(abs(r[0] - column), abs(r[1] - column)),
    )
    return float(best[0]), float(best[1])


def _thickness(mask: np.ndarray, column: float, row: float) -> int:
    """Height of the silhouette's vertical run through (or nearest to) ``row`` at ``column``."""
    line = mask[:, int(np.clip(column, 0, mask.shape[1] - 1))]
    runs = row_runs(line)
    if not runs:
        return 0
    start, end = min(
        runs, key=lambda r: 0 if r[0] <= row < r[1] else min(abs(r[0] - row), abs(r[1] - row))
    )
    return end - start


class _DepthProbe:
    """Puts a front-view point inside the mesh: the view line through it (along z) is cut by
    the mesh's triangles into solid intervals; a joint goes to the middle of the thickest."""

    def __init__(self, vertices: np.ndarray, triangles: np.ndarray) -> None:
        self.vertices = vertices
        self.corners = vertices[triangles]  # (F, 3, 3)
        self.size = float(np.max(np.ptp(vertices, axis=0)))

    def intervals(self, xy: np.ndarray) -> list[tuple[float, float]]:
        """The (back, front) z of each solid stretch of the view line through ``xy``."""
        a, b, c = self.corners[:, 0], self.corners[:, 1], self.corners[:, 2]
        e1, e2, p = b[:, :2] - a[:, :2], c[:, :2] - a[:, :2], xy - a[:, :2]
        det = e1[:, 0] * e2[:, 1] - e2[:, 0] * e1[:, 1]
        safe = np.where(np.abs(det) > 1e-15, det, 1.0)
        u = (p[:, 0] * e2[:, 1] - e2[:, 0] * p[:, 1]) / safe
        w = (e1[:, 0] * p[:, 1] - p[:, 0] * e1[:, 1]) / safe
        hit = (np.abs(det) > 1e-15) & (u >= 0) & (w >= 0) & (u + w <= 1)
        depths = np.sort((a[:, 2] + u * (b[:, 2] - a[:, 2]) + w * (c[:, 2] - a[:, 2]))[hit])
        if len(depths) == 0:
            return []
        depths = depths[np.concatenate([[True], np.diff(depths) > 1e-6 * self.size])]
        return [(float(depths[i]), float(depths[i + 1])) for i in range(0, len(depths) - 1, 2)]

    def parted(self, xy: np.ndarray) -> bool:
        """Whether the view line through ``xy`` meets two or more separate pieces (legs side
        by side in depth) rather than one volume."""
        return len(self.intervals(xy)) >= 2

    def inside(self, xy: np.ndarray, side: float = 0.0) -> np.ndarray:
        """The 3D point at ``xy`` in the middle of the thickest piece, or, with ``side``
        (-0.5..0.5), in the frontmost (+) or backmost (-) of several pieces, or moved that
        fraction of one piece's depth towards its front or back."""
        pieces = self.intervals(xy)
        if not pieces:  # outside the mesh's outline: the nearest vertices' depth
            nearest = np.argsort(np.linalg.norm(self.vertices[:, :2] - xy, axis=1))[:8]
            depths = self.vertices[nearest, 2]
            pieces = [(float(depths.min()), float(depths.max()))]
        if side and len(pieces) >= 2:
            back, front = (max if side > 0 else min)(pieces, key=lambda r: r[0] + r[1])
            return np.array([xy[0], xy[1], (back + front) / 2])
        back, front = max(pieces, key=lambda r: r[1] - r[0])
        return np.array([xy[0], xy[1], (back + front) / 2 + side * (front - back)])


# ---- the three skeletons ---------------------------------------------------------------------


def _biped(shape: Silhouette, legs: _Legs, depth: _DepthProbe) -> Rig:
    mask = shape.mask
    rows, cols = mask.shape
    feet = sorted(legs.feet)[:1] + sorted(legs.feet)[-1:] if len(legs.feet) >= 2 else []
    centre = cols / 2
    if len(feet) < 2:  # forced biped on a legless shape: legs a quarter width apart
        feet = [centre - 0.12 * cols, centre + 0.12 * cols]
        join_row = round(0.55 * rows)
        upper = feet
    else:
        join_row = legs.join_row
        upper = sorted(legs.upper)[:1] + sorted(legs.upper)[-1:]
        centre = (feet[0] + feet[1]) / 2
    crotch = min(join_row, rows - 1 - round(MIN_LEG_HEIGHT * rows))

    def at(column: float, row: float, side: float = 0.0) -> np.ndarray:
        return depth.inside(shape.to_model(column, row), side)

    # The torso's width profile from the crotch to the top; the neck is its narrowest row in
    # the upper part (else 85% of the height).
    top_rows = range(max(1, round(0.08 * rows)), max(2, round(0.3 * rows)))
    widths = [right - left for left, right in (_row_span(mask, r, centre) for r in top_rows)]
    chest_row = round(crotch - 0.45 * (crotch - top_rows[0]))
    chest_left, chest_right = _row_span(mask, chest_row, centre)
    chest_width = chest_right - chest_left
    neck_row = (
        top_rows[int(np.argmin(widths))]
        if widths and min(widths) < 0.8 * chest_width
        else round(0.15 * rows)
    )
    neck_row = int(np.clip(neck_row, round(0.08 * rows), crotch - 3))
    top_left, top_right = _row_span(mask, 0, centre)
    head_column = (top_left + top_right) / 2

    hips = at(centre, crotch - 0.04 * rows)
    spine = at(centre, crotch - 0.35 * (crotch - neck_row))
    chest = at(centre, crotch - 0.7 * (crotch - neck_row))
    neck = at((centre + head_column) / 2, neck_row)
    head_top = at(head_column, 0.5)
    bones = [
        Bone("hips", hips, spine, None),
        Bone("spine", spine, chest, "hips"),
        Bone("chest", chest, neck, "spine"),
        Bone("neck", neck, neck + (head_top - neck) * 0.35, "chest"),
        Bone("head", neck + (head_top - neck) * 0.35, head_top, "neck"),
    ]

    shoulder_row = neck_row + 0.06 * rows
    span = _row_span(mask, round(shoulder_row), centre)
    half_torso = min(0.5 * chest_width, 0.5 * (span[1] - span[0])) * 0.75
    ends = _skeleton_ends(mask)
    leg_names, arm_names, phase = [], [], {}
    for side, sign in (("R", -1.0), ("L", 1.0)):  # the character's left is the viewer's right
        foot_column = feet[0] if sign < 0 else feet[1]
        upper_column = upper[0] if sign < 0 else upper[1]
        hip = at(upper_column, crotch)
        foot = at(foot_column, rows - 0.5)
        foot[1] = shape.low[1]
        knee = (hip + foot) / 2
        bones += [
            Bone(f"thigh.{side}", hip, knee, "hips"),
            Bone(f"shin.{side}", knee, foot, f"thigh.{side}"),
        ]
        leg_names.append((f"thigh.{side}", f"shin.{side}"))
        phase[f"thigh.{side}"] = 0.0 if side == "L" else 0.5

        shoulder_column = centre + sign * half_torso
        shoulder = at(shoulder_column, shoulder_row)
        hand_column, hand_row = _hand(
            ends, sign, centre, half_torso, shoulder_column, shoulder_row, crotch, neck_row, rows
        )
        hand = at(hand_column, hand_row)
        elbow = (shoulder + hand) / 2
        bones += [
            Bone(f"upper_arm.{side}", shoulder, elbow, "chest"),
            Bone(f"forearm.{side}", elbow, hand, f"upper_arm.{side}"),
        ]
        arm_names.append((f"upper_arm.{side}", f"forearm.{side}"))
    return Rig(
        kind=BIPED,
        bones=tuple(bones),
        forward=np.array([0.0, 0.0, 1.0]),
        height=float(shape.high[1] - shape.low[1]),
        ground=float(shape.low[1]),
        legs=tuple(leg_names),
        arms=tuple(arm_names),
        phase=phase,
        spine=("hips", "spine", "chest"),
        head="head",
    )


def _hand(
    ends: np.ndarray,
    sign: float,
    centre: float,
    half_torso: float,
    shoulder_column: float,
    shoulder_row: float,
    crotch: int,
    neck_row: int,
    rows: int,
) -> tuple[float, float]:
    """The arm's end: the skeleton end farthest from the shoulder on this side, off the torso
    and above the knees; else the arm hangs along the side to the crotch."""
    if len(ends):
        outward = (ends[:, 0] - centre) * sign
        candidates = ends[
            (outward > 0.8 * half_torso)
            & (ends[:, 1] > neck_row)
            & (ends[:, 1] < crotch + 0.25 * (rows - crotch))
        ]
        if len(candidates):
            reach = np.hypot(candidates[:, 0] - shoulder_column, candidates[:, 1] - shoulder_row)
            best = candidates[int(np.argmax(reach))]
            if reach.max() > 0.12 * rows:
                return float(best[0]), float(best[1])
    return shoulder_column + sign * 0.1 * half_torso, float(crotch)


def _quadruped(shape: Silhouette, legs: _Legs, depth: _DepthProbe) -> Rig:
    mask = shape.mask
    rows, cols = mask.shape
    # The head is at the end whose silhouette reaches higher.
    third = max(1, cols // 3)
    top_left = np.argmax(mask[:, :third].any(axis=1))
    top_right = np.argmax(mask[:, -third:].any(axis=1))
    ahead = 1.0 if top_right <= top_left else -1.0  # +1: the head is at +x (image right)
    feet = sorted(legs.feet, key=lambda c: c * ahead)  # hind first, front last
    uppers = sorted(legs.upper, key=lambda c: c * ahead)
    belly = min(legs.join_row, rows - 1 - round(MIN_LEG_HEIGHT * rows))
    if len(feet) < 2:  # forced quadruped on a legless shape: legs at a fifth from each end
        feet = uppers = [cols * (0.5 - 0.3 * ahead), cols * (0.5 + 0.3 * ahead)]
        belly = round(0.6 * rows)

    def at(column: float, row: float, side: float = 0.0) -> np.ndarray:
        return depth.inside(shape.to_model(column, row), side)

    def body_top(column: float) -> int:
        filled = np.flatnonzero(mask[:, int(np.clip(column, 0, cols - 1))])
        return int(filled[0]) if len(filled) else 0

    # Legs: two runs are one pair each (left and right hidden behind each other, split in
    # depth; an animal facing +x has its right side towards +z); with three or more, the
    # hindmost two and the frontmost two.
    right = 0.25 * ahead
    if len(feet) >= 4:
        pairs = [
            (feet[0], uppers[0], 0.0),
            (feet[1], uppers[1], 0.0),
            (feet[-2], uppers[-2], 0.0),
            (feet[-1], uppers[-1], 0.0),
        ]
    elif len(feet) == 3:
        pairs = [
            (feet[0], uppers[0], right),
            (feet[0], uppers[0], -right),
            (feet[-2], uppers[-2], 0.0),
            (feet[-1], uppers[-1], 0.0),
        ]
    else:
        pairs = [
            (feet[0], uppers[0], right),
            (feet[0], uppers[0], -right),
            (feet[-1], uppers[-1], right),
            (feet[-1], uppers[-1], -right),
        ]
    hind_column = (pairs[0][1] + pairs[1][1]) / 2
    front_column = (pairs[2][1] + pairs[3][1]) / 2

    def joint_row(column: float) -> float:
        return belly - 0.4 * (belly - body_top(column))

    hips = at(hind_column, joint_row(hind_column))
    chest = at(front_column, joint_row(front_column))
    middle = (hips + chest) / 2
    ends = _skeleton_ends(mask)
    ahead_ends = ends[(ends[:, 0] - front_column) * ahead > 0] if len(ends) else ends
    ahead_ends = ahead_ends[ahead_ends[:, 1] < belly] if len(ahead_ends) else ahead_ends
    if len(ahead_ends):
        tip = ahead_ends[
            int(np.argmax((ahead_ends[:, 0] - front_column) * ahead - 0.5 * ahead_ends[:, 1]))
        ]
        head_tip = at(tip[0], tip[1])
    else:
        edge = cols - 1 if ahead > 0 else 0
        head_tip = at(edge, body_top(edge) + 0.1 * rows)
    neck = chest + (head_tip - chest) * 0.45
    bones = [
        Bone("hips", hips, middle, None),
        Bone("spine", middle, chest, "hips"),
        Bone("neck", chest, neck, "spine"),
        Bone("head", neck, head_tip, "neck"),
    ]
    # A tail: a skeleton end well behind the hindmost leg, on a part much thinner than the body
    # (the body's own rounded rear end is not one).
    hindmost = feet[0]
    behind = (
        ends[((ends[:, 0] - hindmost) * ahead < -0.08 * cols) & (ends[:, 1] < belly)]
        if len(ends)
        else ends
    )
    tail: tuple[str, ...] = ()
    tip = behind[int(np.argmax((hindmost - behind[:, 0]) * ahead))] if len(behind) else None
    if tip is not None and _thickness(
        mask, hindmost + 0.7 * (tip[0] - hindmost), tip[1]
    ) < 0.5 * _thickness(mask, hind_column, joint_row(hind_column)):
        tail_tip = at(tip[0], tip[1])
        root = hips + (tail_tip - hips) * 0.2
        bones += [
            Bone("tail", root, root + (tail_tip - root) * 0.5, "hips"),
            Bone("tail.001", root + (tail_tip - root) * 0.5, tail_tip, "tail"),
        ]
        tail = ("tail", "tail.001")
    leg_names, phase = [], {}
    names = ("hind_leg.R", "hind_leg.L", "front_leg.R", "front_leg.L")
    # Diagonal pairs move together: front left with hind right, front right with hind left.
    # Where one leg run is a single volume in the mesh (one view's reconstruction could not
    # part the pair), its two legs move as one, the front pair half a cycle after the hind
    # (a bound): swinging them apart would shear that volume.
    merged = any(
        side and not depth.parted(shape.to_model(upper_column, (belly + rows) / 2))
        for _, upper_column, side in pairs
    )
    phases = (
        {"hind_leg.R": 0.0, "hind_leg.L": 0.0, "front_leg.R": 0.5, "front_leg.L": 0.5}
        if merged
        else {"hind_leg.R": 0.0, "front_leg.L": 0.0, "hind_leg.L": 0.5, "front_leg.R": 0.5}
    )
    for name, (foot_column, upper_column, side) in zip(names, pairs, strict=True):
        parent = "hips" if name.startswith("hind") else "spine"
        top = at(upper_column, joint_row(upper_column), side)
        foot = at(foot_column, rows - 0.5, side)
        foot[1] = shape.low[1]
        knee = (top + foot) / 2
        upper_name, lower_name = name, name.replace("_leg", "_shin")
        bones += [Bone(upper_name, top, knee, parent), Bone(lower_name, knee, foot, upper_name)]
        leg_names.append((upper_name, lower_name))
        phase[upper_name] = phases[name]
    return Rig(
        kind=QUADRUPED,
        bones=tuple(bones),
        forward=np.array([ahead, 0.0, 0.0]),
        height=float(shape.high[1] - shape.low[1]),
        ground=float(shape.low[1]),
        legs=tuple(leg_names),
        phase=phase,
        spine=("hips", "spine"),
        tail=tail,
        head="head",
    )


def _simple(vertices: np.ndarray) -> Rig:
    """One bone up the middle from the base: squash and stretch about the ground."""
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    centre = (low + high) / 2
    base = np.array([centre[0], low[1], centre[2]])
    top = np.array([centre[0], high[1], centre[2]])
    return Rig(
        kind=SIMPLE,
        bones=(Bone("body", base, top, None),),
        forward=np.array([0.0, 0.0, 1.0]),
        height=float(high[1] - low[1]),
        ground=float(low[1]),
    )
