"""Reading a box from its outline: a cuboid turned and seen from above shows a hexagon.

Seen from a camera above it and turned away from the front, a box shows its top and two
sides, and its outline is a hexagon: the top face's far corner on top, its two side corners,
the two vertical edges below them and the nearest bottom corner at the bottom. The hexagon's
two upper edges run along the box's two horizontal axes; seen orthographically their slopes
below the horizontal multiply to sin² of the camera's elevation, and their ratio gives the
turn (yaw). That reading starts a least-squares fit of the box's yaw, elevation, three side
lengths and centre to the hexagon's six corners through the known perspective camera (the
silhouette frame of :mod:`i23d.engine.silhouette`: the camera at ``(0, 0, distance)`` looking
down -Z, the object about one unit across at z = 0).

Close up, a camera above a box's middle may still be below its top face (framed so that it
spans 85% of a 40° view, a cube shows no top from under about 14° above): a box facing that
camera shows only its front face, a quadrilateral whose sides converge downwards because its
top edge is nearer the camera than its bottom one. How much they converge gives the
elevation; the depth is not seen and is taken as the face's smaller side (the extrusion's
prior). A face seen level shows a rectangle, which is left to the extrusion. A turned box whose
top face lies level with the camera shows the hexagon less its top corner: its two top edges
run in one line.

A table facing a camera level with it (or a little above: no hexagon) shows its front face on
legs: four legs, or three runs when a back leg hides behind a front one. Perspective sets the
back legs in from the front ones, by how deep the table is and how it is turned; the stand
(turn, depth) whose legs best cover the photo's is searched for, and the camera's elevation
read from how far the back feet stand above the front ones.

A chair's backrest spoils the box's fit, yet its hull is still a hexagon: the box's, with the
two top corners of its back face raised by the backrest's height. Fitted so, it reads the
seat's box, how high the backrest rises and, for a backrest narrower than its seat, how far in
from the seat's sides it stands (:func:`backrest` builds it as a slab). A backrest much
narrower than its seat leaves the seat's back corners on the hull beside its own: seven or
eight corners, fitted with those corners added (:func:`_seated_backed_box`).

A photo's outline is read when its spins are made and again when the chosen one is built: the
last few readings are remembered (:func:`read_box`), so in one process it is read once.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import cv2
import numpy as np
from scipy.optimize import least_squares

from i23d.engine.runs import row_runs

HULL_TOLERANCES = np.geomspace(0.003, 0.04, 24)  # of the hull's perimeter, tried finest first
MAX_ELEVATION = 45.0  # as the rim reading's (:mod:`i23d.engine.elevation`)
GOOD_RMS = 0.012
"""The corner residual (a fraction of the outline's extent) of an accepted fit; above it the
other views are tried."""
MAX_RMS = 0.016
"""The corner residual accepted from a closed box (its outline fills the silhouette, at least
OPEN_OUTLINE_FIT): a cut-out over a busy background leaves boxes at up to 0.0137 over the dev
and reported views, while a cylinder seen level fits a box at 0.0188 (outline fit 0.975) and
a four-legged animal at 0.0196 (outline fit 0.54)."""
OPEN_OUTLINE_FIT = 0.85  # up to this the box is open (a table, a stool: gaps in its outline)
MIN_YAW, MAX_YAW = 5.0, 85.0  # a box turned less than this shows (nearly) a rectangle
MIN_HULL_COVER = 0.96
"""The six corners' polygon covers this much of the outline's hull (a round outline: 0.83; a
box cut out of a natural photo with a ragged edge: 0.965)."""
SKIPPED_CORNER = 0.015
"""Of the outline's extent: a hull point this far from a five-corner simplification is the
sixth corner it skipped."""
TIED_TOP = 0.02
"""Of the outline's extent: a corner this little below the top corner may be the box's top
corner (a thin top face seen from above has two corners at nearly the same height)."""
MIN_SLOPE = 0.5  # pixels: an upper edge that does not fall is read as falling this much
SHARP_TURN = 30.0
"""Degrees the outline turns at a corner from which the corner's place along the outline counts
in full; at a shallower corner (a table's top seen nearly edge-on) that place is ill-defined
(a pixel of the mask moves it far along the edge) and counts in proportion."""
LOG_SIDES = (-6.0, 0.0)
"""Bounds of the fitted half sides' logarithms (world units, the outline one unit across): no
side is longer than twice the outline (unbounded, a five-cornered cube's outline also fits a
stick pointing at the camera, its near end at the lens)."""

# The hexagon's corners in order (top, then clockwise on screen) as the box corners' signs
# along the box's own x (right at yaw 0), y (up) and z (front) axes, for yaw in (0°, 90°):
# seen from above the top corner is the top face's far corner; from a camera lower than the
# box's top (no top face in view) it is the near vertical edge's top.
ABOVE_CORNERS = np.array(
    [(1, 1, -1), (1, 1, 1), (1, -1, 1), (-1, -1, 1), (-1, -1, -1), (-1, 1, -1)], dtype=float
)
LOW_CORNERS = np.array(
    [(-1, 1, 1), (1, 1, 1), (1, -1, 1), (-1, -1, 1), (-1, -1, -1), (-1, 1, -1)], dtype=float
)
# A box facing the camera (turned less than MAX_FRONT_YAW) seen from above: the top face's
# four corners and the front face's two lower ones.
FRONT_CORNERS = np.array(
    [(1, 1, -1), (1, 1, 1), (1, -1, 1), (-1, -1, 1), (-1, 1, 1), (-1, 1, -1)], dtype=float
)
MAX_FRONT_YAW = 20.0
# A box facing a camera lower than its top face: the front face's four corners, top left first.
FACE_CORNERS = np.array([(-1, 1, 1), (1, 1, 1), (1, -1, 1), (-1, -1, 1)], dtype=float)
MIN_FACE_ELEVATION = 5.0
"""Degrees: a front face read as seen from lower than this is left to the extrusion (at 256²
the sides of a face seen from 5° above converge by about two pixels)."""
CLOSED_OUTLINE_FIT = 0.97
"""A box's outline filling its silhouette this well is surely a closed box; a front face is
read only then."""


@dataclass(frozen=True)
class _View:
    """One way a box's corners make the outline's hull: their signs (top corner first), the
    yaws (degrees) it holds for, where its fit starts: (yaw, elevation) in degrees and sides
    as deep as wide, or None for the far-camera reading of the upper edges; and whether the
    corners show the depth (a front face alone does not: the box is as deep as the face's
    smaller side)."""

    signs: np.ndarray
    yaws: tuple[float, float]
    start: tuple[float, float] | None = None
    depth_seen: bool = True
    top_elevation: float = MAX_ELEVATION
    """Degrees: the highest camera the fit may read."""


ABOVE = _View(ABOVE_CORNERS, (MIN_YAW, MAX_YAW))
LOW = _View(LOW_CORNERS, (MIN_YAW, MAX_YAW), (45.0, 2.0))
FRONT = _View(FRONT_CORNERS, (-MAX_FRONT_YAW, MAX_FRONT_YAW), (0.0, 20.0))
FACE = _View(FACE_CORNERS, (-MAX_FRONT_YAW, MAX_FRONT_YAW), (0.0, 10.0), depth_seen=False)
# A low camera level with the box's top face: its two top edges run in one straight line, and
# the hull is the low hexagon less its top corner (started at the top edge's right end).
LEVEL = _View(LOW_CORNERS[1:], (MIN_YAW, MAX_YAW), (45.0, 2.0))
# A table facing a level camera: its front face as the outline's bounding box, seen level
# (its height and centre; the turn and depth come from its legs).
LEVEL_FACE = _View(FACE_CORNERS, (0.0, 0.0), (0.0, 0.0), depth_seen=False, top_elevation=0.5)
LEG_ROWS = (0.6, 0.9)
"""Of the outline's height from its top: the rows through a table's legs (under its top,
above its back legs' feet)."""
MAX_LEGS_YAW = 25.0  # degrees: a table turned further shows a box's outline level with its top
STAND_RATIOS = np.geomspace(0.2, 1.5, 40)  # a stand's depth to width, as searched
LEGS_IOU = 0.8
"""How well a stand's four legs must cover the columns the photo's legs fill (IoU)."""
MAX_FEET_ELEVATION = 15.0  # degrees: from higher the table's top shows its hexagon
FACING_YAW = 10.0
"""Degrees: a table turned at most this far faces the camera, each back leg just inside (or
behind) its front one."""
BACK_FEET_STEP = 0.05
"""Of the rows from the legs' first row down: a step this high between the feet of
neighbouring columns of one run of leg columns parts a back leg from the front leg beside it."""
READINGS_KEPT = 8
"""Outlines whose box readings are remembered (a reading is a few kB; one photo's spins and
build read one outline, a server's workers a few at once)."""
ALL_CORNERS = np.array([(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=float)
BACKS = (
    (ABOVE, np.array([0.0, 0.0, -1.0]), True),
    (ABOVE, np.array([1.0, 0.0, 0.0]), True),
    (FRONT, np.array([0.0, 0.0, -1.0]), False),
)
"""How a chair's hull may show its box: the view of the box's corners, the outward normal
(box axes) of the face its backrest rises from, one the camera does not see (the two top
corners on it are lifted): a chair turned (either hidden face), or facing the camera; and
whether a backrest narrower than the box is tried there (facing the camera, a narrower
backrest and a deeper seat look alike in perspective: fitted, the dev chair facing it read
0.13 deep instead of 0.76)."""
BACK_START_ELEVATION = 15.0
"""Degrees: where a backed box's fits start (from 10° or 25° the twelve dev chairs, benches,
sofas and beds read the same)."""
BACK_START_SIDE = 0.2  # world units: the half sides a backed box's fits start from
BACK_START_LIFT = 0.3  # world units: the backrest's height a backed box's fits start from
BACK_DEPTH = 0.15
"""Of the box's smaller horizontal side: how thick a backrest is taken to be (the photo does
not show it; the dev chair's is 0.11, a bed's headboard 0.08 of its width)."""
MAX_BACK_INSET = 0.6
"""Of the box's half width: how far in from the box's sides a backrest's sides may stand (a
backrest narrower than its seat; the dev chair's is 0.33 in)."""
NARROW_BACK = 0.9
"""Of the box's width: a backrest fitted wider than this is read as wide as the box (the
fitted width's extra freedom moved the readings of chairs that the full width fits: the
tests' chair turned 8° and seen from 12° read 16° high instead of 15°, 0.98 of its width)."""
SEAT_CORNERS = ((True, False), (False, True), (True, True))
"""Which of the seat's two corners under a narrower backrest's top ones stay on the hull
beside them (the one under its first corner clockwise, under its second, both)."""
MIN_BACK_LIFT = 0.3
"""Of the box's height: a backrest lower than this is no backrest (the plain box's fit, a
few pixels off, is better read as what it is)."""


@dataclass(frozen=True)
class BoxReading:
    """A box in a camera frame whose camera sits at ``(0, 0, distance)``: turned ``yaw_deg``
    about its vertical axis, seen from ``elevation_deg`` above, half side lengths ``half``
    along its own x, y (up), z, centred at ``centre``; ``rms`` is the corner fit's residual as
    a fraction of the outline's extent and ``iou`` the overlap of the box's outline with the
    mask; ``depth_seen`` is False for a front face alone, its depth assumed. A chair's box
    has a backrest ``back_height`` high rising from the face whose outward normal (box axes) is
    ``back``, its sides ``back_inset`` in from the box's. Scaled with the distance
    (:meth:`at_distance`) it looks the same."""

    yaw_deg: float
    elevation_deg: float
    half: np.ndarray
    centre: np.ndarray
    distance: float
    rms: float
    iou: float
    depth_seen: bool = True
    back: np.ndarray | None = None
    back_height: float = 0.0
    back_inset: float = 0.0

    def at_distance(self, distance: float) -> BoxReading:
        """The same view with the camera at ``distance``: the box scaled with it."""
        scale = distance / self.distance
        return replace(
            self,
            half=self.half * scale,
            centre=self.centre * scale,
            distance=distance,
            back_height=self.back_height * scale,
            back_inset=self.back_inset * scale,
        )

    def rotation(self) -> np.ndarray:
        """3×3 whose columns are the box's x, y, z axes in the camera frame."""
        return box_rotation(math.radians(self.yaw_deg), math.radians(self.elevation_deg))

    def describe(self) -> str:
        """The reading in words, for a spin's reason."""
        sides = " × ".join(f"{2 * h / (2 * self.half.max()):.2f}" for h in self.half)
        seen = "" if self.depth_seen else "; its front face only, as deep as its smaller side"
        if self.back is not None:
            width = 1.0 - self.back_inset / self.half[_across(self.back)]
            seen += (
                f"; a backrest {self.back_height / (2 * self.half.max()):.2f} high over its top, "
                f"{width:.2f} of its width"
            )
        return (
            f"a box seen from {self.elevation_deg:.0f}° above, turned {self.yaw_deg:.0f}° "
            f"(sides {sides}; outline fit {self.iou:.2f}{seen})"
        )


def box_rotation(yaw: float, elevation: float) -> np.ndarray:
    """The box's axes in the camera frame: turned ``yaw`` about +Y, then seen from a camera
    ``elevation`` (radians) above (world up leans towards the camera)."""
    cy, sy, ce, se = math.cos(yaw), math.sin(yaw), math.cos(elevation), math.sin(elevation)
    turn = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
    tilt = np.array([[1.0, 0.0, 0.0], [0.0, ce, -se], [0.0, se, ce]])
    return tilt @ turn


def read_box(mask: np.ndarray, fov_deg: float) -> BoxReading | None:
    """The box whose outline best fits ``mask`` (square, any side), in the silhouette frame
    of that grid (the object one unit across), or None: read from the hexagon of the
    outline's convex hull (:func:`_turned_box`), else from a front face alone
    (:func:`_front_face`), a top face level with the camera (:func:`_level_top`), a table's
    legs seen level (:func:`_level_table`) or a chair's hexagon (:func:`_backed_box`). The
    last :data:`READINGS_KEPT` outlines' readings are remembered."""
    mask = np.asarray(mask, dtype=bool)
    return _remembered_box(np.packbits(mask).tobytes(), mask.shape, float(fov_deg))


@functools.lru_cache(maxsize=READINGS_KEPT)
def _remembered_box(packed: bytes, shape: tuple[int, ...], fov_deg: float) -> BoxReading | None:
    """:func:`_read_box` of the mask packed as ``np.packbits`` packs it."""
    bits = np.unpackbits(np.frombuffer(packed, np.uint8), count=math.prod(shape))
    return _read_box(bits.reshape(shape).astype(bool), fov_deg)


def _read_box(mask: np.ndarray, fov_deg: float) -> BoxReading | None:
    """:func:`read_box`, read afresh."""
    n = mask.shape[0]
    ys, xs = np.nonzero(mask)
    extent = float(max(np.ptp(xs), np.ptp(ys)) + 1)
    focal = (n / 2.0) / math.tan(math.radians(fov_deg) / 2.0)
    frame = _Frame(focal, focal / extent, n, extent)
    hull = _hull(mask)
    if hull is None:
        return None
    hexagon = _hexagon(hull)
    return (
        (_turned_box(hexagon, mask, frame) if hexagon is not None else None)
        or _front_face(hull, mask, frame)
        or _level_top(hull, mask, frame)
        or _level_table(hull, mask, frame)
        or (_backed_box(hexagon, mask, frame) if hexagon is not None else None)
        or (_seated_backed_box(hull, mask, frame) if hexagon is None else None)
    )


def _turned_box(hexagon: np.ndarray, mask: np.ndarray, frame: _Frame) -> BoxReading | None:
    """The box whose outline is the hull's ``hexagon``, or None when the fit misses it by
    more than GOOD_RMS (MAX_RMS for a closed box)."""
    rms, box = min(
        (_fit(start, frame, ABOVE) for start in _top_starts(hexagon, frame.extent)),
        key=lambda fit: fit[0],
    )
    if rms > GOOD_RMS:  # a low camera, or a box facing it (either back corner on top)
        others = [_fit(hexagon, frame, LOW), _fit(hexagon, frame, FRONT)]
        others.append(_fit(np.roll(hexagon, -1, axis=0), frame, FRONT))
        rms, box = min((rms, box), *others, key=lambda fit: fit[0])
    if rms > MAX_RMS:
        return None
    iou = _box_outline_iou(box, frame, mask)
    if rms > GOOD_RMS and iou < OPEN_OUTLINE_FIT:
        return None
    if iou < OPEN_OUTLINE_FIT and abs(math.degrees(box[0])) <= FACING_YAW:
        box = _facing_table(box, mask, frame)
        iou = _box_outline_iou(box, frame, mask)
    return _reading(box, rms, iou, frame)


def _facing_table(box: Box, mask: np.ndarray, frame: _Frame) -> Box:
    """An open box facing the camera from above, its depth read from how far its back legs'
    feet stand above its front ones' (:func:`_depth_from_feet`): its top's thin hexagon mixes
    the top's depth with its thickness. ``box`` unchanged unless its legs show three or four
    runs of columns (:func:`_leg_runs`)."""
    yaw, elevation, half, centre = box
    first, runs, _ = _leg_runs(mask)
    if not 3 <= len(runs) <= 4:
        return box
    thin = _leg_width(runs, frame, front_legs=True)
    rise = _feet_rise(_feet_rows(mask, first, runs))
    deep = _depth_from_feet(box, half[0] - thin / 2.0, rise, frame)
    return yaw, elevation, np.array([half[0], half[1], deep + thin / 2.0]), centre


def _front_face(hull: np.ndarray, mask: np.ndarray, frame: _Frame) -> BoxReading | None:
    """The box whose front face alone makes the outline: a quadrilateral hull (no hull point
    SKIPPED_CORNER of the extent off it) that the outline fills (CLOSED_OUTLINE_FIT), fitted
    within GOOD_RMS, seen from MIN_FACE_ELEVATION above or higher; else None."""
    quad = _quadrilateral(hull, frame)
    if quad is None:
        return None
    quad = np.roll(quad, -int(np.argmin(quad.sum(axis=1))), axis=0)  # top left first
    fit = _fit(quad, frame, FACE)
    _, (_, elevation, _, _) = fit
    if math.degrees(elevation) < MIN_FACE_ELEVATION:
        return None
    return _closed_box(fit, frame, mask, depth_seen=False)


class _Stand(NamedTuple):
    """Four legs at a rectangle's corners, seen level: the rectangle's turn (radians), half
    its sides across and deep (world units, between the legs' centres) and its centre's x."""

    yaw: float
    across: float
    deep: float
    middle: float

    def feet(self, height: float) -> np.ndarray:
        """The legs' feet, ``height`` below the centre: front left, back left, back right,
        front right, in the stand's own axes."""
        x, z = self.across, self.deep
        return np.array([(-x, -height, z), (-x, -height, -z), (x, -height, -z), (x, -height, z)])


def _level_table(hull: np.ndarray, mask: np.ndarray, frame: _Frame) -> BoxReading | None:
    """A table facing a camera level with it or a little above (its top shows no hexagon):
    a quadrilateral hull whose box the outline fills less than OPEN_OUTLINE_FIT, on legs
    whose columns match four legs at a rectangle's corners (:func:`_stand`: its turn and
    depth), the camera's elevation read from how far its back feet stand above its front
    ones (:func:`_feet_elevation`); else None. A table facing the camera, each back leg beside
    its front one (:func:`_leg_pairs`), takes the elevation from its front legs' lean
    (:func:`_lean_elevation`) and its depth from its feet (:func:`_depth_from_feet`)."""
    if _quadrilateral(hull, frame) is None:
        return None
    (left, top), (right, bottom) = hull.min(axis=0), hull.max(axis=0) + 1.0
    first, runs, paired = _leg_runs(mask)
    stand = _stand(runs, frame, front_legs=paired)
    if stand is None:
        return None
    face = np.array([(left, top), (right, top), (right, bottom), (left, bottom)])
    rms, (_, _, half, centre) = _fit(face, frame, LEVEL_FACE)
    if rms > GOOD_RMS:
        return None
    margin = _overhang(stand, right - left, frame)  # the top reaches as far past each leg
    half = np.array([stand.across + margin, half[1], stand.deep + margin])
    centre = np.array([stand.middle, centre[1], 0.0])
    feet = _feet_rows(mask, first, runs)
    lean = _lean_elevation(mask, first, int(min(feet[1:-1])), runs, frame) if paired else None
    if lean is not None:  # each back leg beside its front one: its columns say little of depth
        elevation = lean
        deep = _depth_from_feet(
            (stand.yaw, lean, half, centre), stand.across, _feet_rise(feet), frame
        )
        half[2] = deep + margin
    else:
        elevation = _feet_elevation(stand, feet, runs, half[1], centre, frame)
    box = (stand.yaw, elevation, half, centre)
    iou = _box_outline_iou(box, frame, mask)
    return _reading(box, rms, iou, frame) if iou < OPEN_OUTLINE_FIT else None


def _stand(runs: list[tuple[int, int]], frame: _Frame, front_legs: bool = False) -> _Stand | None:
    """The stand whose four legs (as wide as the photo's thinnest, or its front ones when
    ``front_legs``: a back leg half hidden behind its front one) best cover the columns the
    legs fill (``runs``), searched over turns and depth-to-width ratios, each spread and placed
    to span them; None unless they make three or four runs (a back leg may hide behind a front
    one) covered at LEGS_IOU."""
    if not 3 <= len(runs) <= 4:
        return None
    starts, ends = np.array(runs, dtype=float).T
    left, right = float(starts[0]), float(ends[-1])
    thin = _leg_width(runs, frame, front_legs)
    seen = np.zeros(frame.n, bool)
    for start, end in runs:
        seen[start:end] = True
    turns, ratios = np.meshgrid(
        np.radians(np.arange(-MAX_LEGS_YAW, MAX_LEGS_YAW + 0.5, 1.0)), STAND_RATIOS, indexing="ij"
    )
    yaw, ratio = turns.ravel()[None, :], ratios.ravel()[None, :]
    signs = _Stand(0.0, 1.0, 1.0, 0.0).feet(0.0)  # each leg's side across and deep
    across, deep = signs[:, :1], signs[:, 2:] * ratio
    unit_x = across * np.cos(yaw) + deep * np.sin(yaw)  # per unit of spread
    unit_z = -across * np.sin(yaw) + deep * np.cos(yaw)

    def edges(spread: np.ndarray, middle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        near = frame.focal / (frame.distance - spread * unit_z)
        column = frame.n / 2.0 + (spread * unit_x + middle) * near
        return column - thin / 2.0 * near, column + thin / 2.0 * near

    def placed(spread: np.ndarray) -> np.ndarray:
        low, high = np.full(spread.shape, -1.0), np.full(spread.shape, 1.0)
        for _ in range(30):  # the middle that puts the leftmost leg's edge at ``left``
            middle = (low + high) / 2.0
            short = edges(spread, middle)[0].min(axis=0) < left
            low, high = np.where(short, middle, low), np.where(short, high, middle)
        return (low + high) / 2.0

    low, high = np.zeros(yaw.shape), np.ones(yaw.shape)
    for _ in range(30):  # the spread that puts the rightmost leg's edge at ``right``
        spread = (low + high) / 2.0
        short = edges(spread, placed(spread))[1].max(axis=0) < right
        low, high = np.where(short, spread, low), np.where(short, high, spread)
    spread = (low + high) / 2.0
    middle = placed(spread)
    first, last = edges(spread, middle)
    columns = np.arange(seen.size)[:, None, None] + 0.5
    covered = ((columns >= first) & (columns <= last)).any(axis=1)  # (columns, candidates)
    union = np.count_nonzero(covered | seen[:, None], axis=0)
    iou = np.count_nonzero(covered & seen[:, None], axis=0) / np.maximum(union, 1)
    best = int(np.argmax(iou))
    if iou[best] < LEGS_IOU:
        return None
    width = float(spread[0, best])
    return _Stand(float(yaw[0, best]), width, width * float(ratio[0, best]), float(middle[0, best]))


def _overhang(stand: _Stand, span: float, frame: _Frame) -> float:
    """How far a top reaching as far past each leg's centre each way must reach for its
    outline to span ``span`` columns, seen level."""

    def width(margin: float) -> float:
        x, z = stand.across + margin, stand.deep + margin
        corners = np.array([(sx * x, 0.0, sz * z) for sx in (-1, 1) for sz in (-1, 1)])
        points = corners @ box_rotation(stand.yaw, 0.0).T + np.array([stand.middle, 0.0, 0.0])
        return float(np.ptp(frame.project(points)[:, 0]))

    low, high = 0.0, stand.across
    for _ in range(30):
        middle = (low + high) / 2.0
        low, high = (middle, high) if width(middle) < span else (low, middle)
    return (low + high) / 2.0


def _feet_elevation(
    stand: _Stand,
    bottoms: list[float],
    runs: list[tuple[int, int]],
    height: float,
    centre: np.ndarray,
    frame: _Frame,
) -> float:
    """The camera's elevation (radians, up to MAX_FEET_ELEVATION) at which the back legs'
    feet stand as far above the front ones' as in the photo (perspective alone raises them
    a little): the outer ``runs`` of the legs' columns are front legs, an inner one the back
    leg seen nearest its column; ``bottoms`` are the runs' feet rows (:func:`_feet_rows`)."""
    front = (bottoms[0] + bottoms[-1]) / 2.0
    feet = stand.feet(height)
    level = frame.project(centre + feet @ box_rotation(stand.yaw, 0.0).T)[:, 0]
    backs = [
        (1 + int(np.argmin(np.abs(level[1:3] - (start + end) / 2.0))), front - bottom)
        for (start, end), bottom in zip(runs[1:-1], bottoms[1:-1], strict=True)
    ]
    elevations = np.radians(np.arange(0.0, MAX_FEET_ELEVATION + 0.01, 0.5))
    misses = []
    for elevation in elevations:
        rows = frame.project(centre + feet @ box_rotation(stand.yaw, elevation).T)[:, 1]
        front_row = (rows[0] + rows[3]) / 2.0
        misses.append(sum(abs(front_row - rows[leg] - rise) for leg, rise in backs))
    return float(elevations[int(np.argmin(misses))])


def _leg_width(runs: list[tuple[int, int]], frame: _Frame, front_legs: bool = False) -> float:
    """The thinnest run of leg columns' width in world units at the box's distance (of the
    outer two, the front legs, when ``front_legs``: an inner run may be a back leg half hidden
    behind its front one)."""
    legs = [runs[0], runs[-1]] if front_legs else runs
    widths = [end - start for start, end in legs]
    return float(min(widths)) * frame.distance / frame.focal


def _leg_runs(mask: np.ndarray) -> tuple[int, list[tuple[int, int]], bool]:
    """The first of the rows through a table's legs (LEG_ROWS of the outline's height), the
    runs of columns its legs fill there, and whether two runs were each parted into a front
    and a back leg (:func:`_leg_pairs`)."""
    rows = np.flatnonzero(mask.any(axis=1))
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    first, last = (int(top + share * (bottom - top)) for share in LEG_ROWS)
    runs = row_runs(mask[first:last].mean(axis=0) >= 0.5)
    if len(runs) != 2:
        return first, runs, False
    pairs = _leg_pairs(runs, mask, first)
    return first, pairs, len(pairs) > 2


def _leg_pairs(runs: list[tuple[int, int]], mask: np.ndarray, first: int) -> list[tuple[int, int]]:
    """Two runs of leg columns, each parted where its columns' feet step up towards the
    inside by BACK_FEET_STEP or more (both parts at least two columns wide): a table facing a
    camera a little above it shows each back leg just inside its front one, its feet higher."""
    step_rows = BACK_FEET_STEP * (mask.shape[0] - first)
    rows = np.arange(first, mask.shape[0])[:, None]
    parted: list[tuple[int, int]] = []
    for side, (start, end) in enumerate(runs):
        columns = mask[first:, start:end]
        feet = (rows * columns).max(axis=0)
        inward = feet if side == 0 else feet[::-1]  # from the outer edge in
        steps = inward[:-1] - inward[1:]
        step = int(np.argmax(steps)) if len(steps) else 0
        if not len(steps) or steps[step] < step_rows or not 2 <= step + 1 <= len(feet) - 2:
            parted.append((start, end))
        else:
            cut = start + step + 1 if side == 0 else end - step - 1
            parted += [(start, cut), (cut, end)]
    return parted


def _feet_rows(mask: np.ndarray, first: int, runs: list[tuple[int, int]]) -> list[float]:
    """Each run of leg columns' lowest row (its feet's edge), from row ``first`` down."""
    return [
        first + float(np.flatnonzero(mask[first:, start:end].any(axis=1)).max()) + 1.0
        for start, end in runs
    ]


def _feet_rise(feet: list[float]) -> float:
    """How many rows the back legs' feet (the inner runs' ``feet``, :func:`_feet_rows`) stand
    above the front ones'."""
    return (feet[0] + feet[-1]) / 2.0 - float(np.mean(feet[1:-1]))


def _lean_elevation(
    mask: np.ndarray, first: int, last: int, runs: list[tuple[int, int]], frame: _Frame
) -> float | None:
    """The camera's elevation (radians) from where the front legs' outer edges, vertical in
    the world, meet below the picture (their vanishing point): seen from above, a table's
    legs lean in towards their feet. The edges are fitted on rows ``first`` to ``last`` (the
    back feet); None when they do not meet below."""
    rows = np.arange(first, last)
    if len(rows) < 8:
        return None
    centre = frame.n / 2.0
    lines = []
    for band, from_left in ((mask[rows, : runs[0][1]], True), (mask[rows, runs[-1][0] :], False)):
        filled = band.any(axis=1)
        if np.count_nonzero(filled) < 8:
            return None
        # The outer edge: the first filled column from the left, or the right, side.
        edge = band.argmax(axis=1) if from_left else mask.shape[1] - band[:, ::-1].argmax(axis=1)
        lines.append(np.polyfit(rows[filled] + 0.5 - centre, edge[filled] - centre, 1))
    (left_slope, left_offset), (right_slope, right_offset) = lines
    if left_slope - right_slope <= 0.0:
        return None
    below = (right_offset - left_offset) / (left_slope - right_slope)  # rows under the centre
    return math.atan(frame.focal / below) if below > 0.0 else None


def _depth_from_feet(box: Box, across: float, rise: float, frame: _Frame) -> float:
    """The half depth between the legs' centres (``across`` apart each way from the box's
    middle) at which the box's back feet stand ``rise`` rows above its front ones, seen from
    the box's elevation (searched over STAND_RATIOS of ``across``)."""
    yaw, elevation, half, centre = box
    rotation = box_rotation(yaw, elevation)

    def seen_rise(deep: float) -> float:
        rows = frame.project(centre + _Stand(yaw, across, deep, 0.0).feet(half[1]) @ rotation.T)
        return float((rows[0, 1] + rows[3, 1] - rows[1, 1] - rows[2, 1]) / 2.0)

    return float(min(across * STAND_RATIOS, key=lambda deep: abs(seen_rise(deep) - rise)))


def _quadrilateral(hull: np.ndarray, frame: _Frame) -> np.ndarray | None:
    """The hull's four corners when it is a quadrilateral (no hull point SKIPPED_CORNER of
    the extent off them), else None."""
    quad = _hull_corners(hull, 4)
    if quad is None or _farthest_off(quad, hull + 0.5)[1] >= SKIPPED_CORNER * frame.extent:
        return None
    return quad


def _level_top(hull: np.ndarray, mask: np.ndarray, frame: _Frame) -> BoxReading | None:
    """The turned box whose top face lies level with the camera: a five-cornered hull whose
    two top corners are neighbours (its top edge), fitted within GOOD_RMS, its outline filling
    the silhouette (CLOSED_OUTLINE_FIT); else None."""
    pentagon = _hull_corners(hull, 5)
    if pentagon is None:
        return None
    first, second = np.argsort(pentagon[:, 1])[:2]
    if (second - first) % 5 not in (1, 4):
        return None
    right = second if (second - first) % 5 == 1 else first  # clockwise: left, then right
    return _closed_box(_fit(np.roll(pentagon, -int(right), axis=0), frame, LEVEL), frame, mask)


def _closed_box(
    fit: tuple[float, Box], frame: _Frame, mask: np.ndarray, depth_seen: bool = True
) -> BoxReading | None:
    """The fitted box as a reading when its corners fit within GOOD_RMS and its outline fills
    the silhouette (CLOSED_OUTLINE_FIT); else None."""
    rms, box = fit
    if rms > GOOD_RMS:
        return None
    iou = _box_outline_iou(box, frame, mask)
    return _reading(box, rms, iou, frame, depth_seen) if iou >= CLOSED_OUTLINE_FIT else None


def _reading(
    box: Box, rms: float, iou: float, frame: _Frame, depth_seen: bool = True
) -> BoxReading:
    """A fitted box as a reading."""
    yaw, elevation, half, centre = box
    return BoxReading(
        yaw_deg=math.degrees(yaw),
        elevation_deg=math.degrees(elevation),
        half=half,
        centre=centre,
        distance=frame.distance,
        rms=rms,
        iou=iou,
        depth_seen=depth_seen,
    )


@dataclass(frozen=True)
class _Frame:
    """The camera of an n×n grid (focal length in pixels, distance in world units) and the
    outline's extent in pixels."""

    focal: float
    distance: float
    n: int
    extent: float

    def project(self, points: np.ndarray) -> np.ndarray:
        """Camera-frame points (K, 3) → (column, row) pixel coordinates."""
        scale = self.focal / (self.distance - points[:, 2])
        centre = self.n / 2.0
        return np.stack([centre + points[:, 0] * scale, centre - points[:, 1] * scale], axis=1)


Box = tuple[float, float, np.ndarray, np.ndarray]  # yaw, elevation (radians), half sides, centre
BackedFit = tuple[tuple[float, Box, float, float], np.ndarray]
"""A chair's fit (:func:`_backed_fit`: RMS, box, lift, inset) and its backrest's face."""


def _backed_box(hexagon: np.ndarray, mask: np.ndarray, frame: _Frame) -> BoxReading | None:
    """A chair's box: the hull's ``hexagon`` fitted as a box whose two top corners on one of
    its faces the camera does not see (:data:`BACKS`) stand higher by a common lift, the
    backrest rising along its back edge (the hexagon's top corner, the highest, is one of
    those two: each start that puts it there is tried); None unless the best fit is within
    GOOD_RMS and lifts them at least MIN_BACK_LIFT of the box's height. Its outline fit is the
    union of the box's outline and its backrest's (:func:`backrest`): a sofa's fills its
    silhouette as a closed box's does, a chair's legs leave gaps. A backrest narrower than the
    box (where BACKS allows it) is read only when it fits better and is at most
    :data:`NARROW_BACK` of the box's width."""
    fit = _best_backed_fit(hexagon, frame, narrow=False)
    narrow = _best_backed_fit(hexagon, frame, narrow=True)
    if narrow[0][0] < fit[0][0] and _narrower(narrow):
        fit = narrow
    return _chair_reading(fit, frame, mask)


def _narrower(fit: BackedFit) -> bool:
    """Whether the fit's backrest is at most :data:`NARROW_BACK` of its box's width."""
    (_, box, _, inset), back = fit
    return inset >= (1.0 - NARROW_BACK) * box[2][_across(back)]


def _chair_reading(fit: BackedFit, frame: _Frame, mask: np.ndarray) -> BoxReading | None:
    """The reading of a chair's fit, or None unless it is within GOOD_RMS and lifts its
    backrest at least MIN_BACK_LIFT of the box's height."""
    (rms, box, lift, inset), back = fit
    if rms > GOOD_RMS or lift < MIN_BACK_LIFT * 2.0 * box[2][1]:
        return None
    reading = replace(_reading(box, rms, 0.0, frame), back=back, back_height=lift, back_inset=inset)
    return replace(reading, iou=_backed_outline_iou(reading, frame, mask))


def _seated_backed_box(hull: np.ndarray, mask: np.ndarray, frame: _Frame) -> BoxReading | None:
    """A chair whose backrest is so much narrower than its seat that the seat's corner under
    one or both of its top corners stays on the hull beside it (:data:`SEAT_CORNERS`: seven
    or eight corners, no hexagon): fitted as :func:`_backed_box` fits a narrower backrest,
    with those corners; None unless the best fit is within GOOD_RMS, lifts the backrest at
    least MIN_BACK_LIFT of the box's height and leaves it at most NARROW_BACK of its width."""
    fits: list[BackedFit] = []
    for kept in SEAT_CORNERS:
        corners = _hull_corners(hull, 6 + sum(kept))
        if corners is not None:
            corners = np.roll(corners, -int(np.argmin(corners[:, 1])), axis=0)  # top first
            fits.append(_best_backed_fit(corners, frame, narrow=True, kept=kept))
    if not fits:
        return None
    best = min(fits, key=lambda fit: fit[0][0])
    return _chair_reading(best, frame, mask) if _narrower(best) else None


def _best_backed_fit(
    corners: np.ndarray, frame: _Frame, narrow: bool, kept: tuple[bool, bool] = (False, False)
) -> BackedFit:
    """The best :func:`_backed_fit` of the hull's ``corners`` (top corner first: a hexagon,
    or with the seat's corners ``kept``) over :data:`BACKS` (with ``narrow``, those that allow
    a narrower backrest, fitting its width) and its backrest's face: each start that puts the
    top corner on the backrest is tried."""
    fits = [
        (_backed_fit(np.roll(corners, int(start), axis=0), frame, view, back, narrow, kept), back)
        for view, back, narrows in BACKS
        if narrows or not narrow
        for start in np.flatnonzero(_backed_corners(view.signs, back, kept)[1])
    ]
    return min(fits, key=lambda fit: fit[0][0])


def backrest(box: BoxReading) -> tuple[np.ndarray, np.ndarray] | None:
    """A chair's backrest as a box (centre and half sides, in ``box``'s axes): a slab
    :data:`BACK_DEPTH` of the box's smaller horizontal side thick inside its back face, from
    as far under the top face as it is thick up to the reading's backrest height, as wide as
    the box less the reading's inset on either side; None for a plain box."""
    if box.back is None:
        return None
    axis = int(np.argmax(np.abs(box.back)))
    thick = BACK_DEPTH * 2.0 * float(min(box.half[0], box.half[2]))
    centre, half = np.zeros(3), box.half.astype(float).copy()
    centre[axis] = float(box.back[axis]) * (box.half[axis] - thick / 2.0)
    half[axis] = thick / 2.0
    half[_across(box.back)] -= box.back_inset
    centre[1] = box.half[1] + (box.back_height - thick) / 2.0
    half[1] = (box.back_height + thick) / 2.0
    return centre, half


def _backed_outline_iou(box: BoxReading, frame: _Frame, mask: np.ndarray) -> float:
    """IoU of the mask with the union of the box's outline and its backrest's."""
    rotation = box.rotation()
    solids = [(np.zeros(3), box.half)]
    rest = backrest(box)
    if rest is not None:
        solids.append(rest)
    outlines = [
        frame.project(box.centre + (centre + ALL_CORNERS * half) @ rotation.T)
        for centre, half in solids
    ]
    return _outline_iou(outlines, mask)


def _lifted(signs: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Which box corners (their signs) are a backrest's top: the top ones on the face whose
    outward normal is ``back``."""
    return (signs @ back > 0.0) & (signs[:, 1] > 0.0)


def _backed_corners(
    signs: np.ndarray, back: np.ndarray, kept: tuple[bool, bool]
) -> tuple[np.ndarray, np.ndarray]:
    """A chair's hull corners in order, as rows of the box's ``signs`` (six, clockwise) and
    whether each is a backrest's top: the box's corners with the two on the face ``back``
    raised, and, where ``kept`` says so, the seat's corner under the first (clockwise) and
    under the second beside them (a backrest narrower than its seat leaves them on the hull)."""
    lifted = _lifted(signs, back)
    first = next(i for i in range(6) if lifted[i] and lifted[(i + 1) % 6])
    rows: list[int] = []
    raised: list[bool] = []
    for row in range(6):
        if row == first and kept[0]:
            rows.append(row)
            raised.append(False)
        rows.append(row)
        raised.append(bool(lifted[row]))
        if row == (first + 1) % 6 and kept[1]:
            rows.append(row)
            raised.append(False)
    return np.array(rows), np.array(raised)


def _backed_fit(
    outline: np.ndarray,
    frame: _Frame,
    view: _View,
    back: np.ndarray,
    narrow: bool,
    kept: tuple[bool, bool] = (False, False),
) -> tuple[float, Box, float, float]:
    """The box (corners as ``view`` has them) whose top corners on the face ``back`` stand
    higher by a fitted lift (world units) and, if ``narrow``, in from the box's sides by a
    fitted share of its half width (:data:`MAX_BACK_INSET` at most) that best matches the
    outline's corners (:func:`_backed_corners`: six, or with the seat's corners ``kept``
    beside the backrest), its RMS residual, the lift and the inset (world units; 0 unless
    ``narrow``); started from the far-camera reading's turn (the view's own, if it has one)
    and centre, seen from :data:`BACK_START_ELEVATION`, the backrest as wide as the box."""
    frames = _corner_frames(outline)
    rows, raised = _backed_corners(view.signs, back, kept)
    signs = view.signs[rows]
    across = _across(back)
    inward = np.where(raised, -signs[:, across], 0.0)

    def unpack(params: np.ndarray) -> tuple[Box, float, float]:
        centre = np.array([params[5], params[6], 0.0])
        half = np.exp(params[2:5])
        inset = float(params[8]) * half[across] if narrow else 0.0
        return (params[0], params[1], half, centre), float(params[7]), inset

    def residuals(params: np.ndarray) -> np.ndarray:
        (yaw, elevation, half, centre), lift, inset = unpack(params)
        rotation = box_rotation(yaw, elevation)
        corners = (
            centre
            + (signs * half) @ rotation.T
            + np.outer(raised * lift, rotation[:, 1])
            + np.outer(inward * inset, rotation[:, across])
        )
        return _corner_misses(corners, outline, frame, frames)

    low, high = _bounds(view)
    six = raised | ~_lifted(signs, back)  # less the seat's corners kept beside the backrest
    params = _orthographic_reading(outline[six], frame)
    if view.start is not None:
        params[0] = math.radians(view.start[0])
    params[1], params[2:5] = math.radians(BACK_START_ELEVATION), math.log(BACK_START_SIDE)
    params = np.append(np.clip(params, low, high), [BACK_START_LIFT, 0.0][: 2 if narrow else 1])
    low, high = [*low, 0.0, 0.0], [*high, np.inf, MAX_BACK_INSET]
    size = len(params)
    fit = least_squares(residuals, params, bounds=(low[:size], high[:size]), x_scale=0.1)
    box, lift, inset = unpack(fit.x)
    return float(np.sqrt(np.mean(fit.fun**2))), box, lift, inset


def _across(back: np.ndarray) -> int:
    """The box axis along a backrest's width: the horizontal one its face's normal is not."""
    return 2 if abs(back[0]) > 0.0 else 0


def _bounds(view: _View) -> tuple[list[float], list[float]]:
    """The fit's bounds on (yaw, elevation, log half sides, centre x, y) for ``view``."""
    low = [math.radians(view.yaws[0] - 4.0), 0.0, *[LOG_SIDES[0]] * 3, -np.inf, -np.inf]
    high = [math.radians(view.yaws[1] + 4.0), math.radians(view.top_elevation)]
    return low, [*high, *[LOG_SIDES[1]] * 3, np.inf, np.inf]


def _corner_misses(
    corners: np.ndarray,
    outline: np.ndarray,
    frame: _Frame,
    frames: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """How far the box corners (camera frame) project from the outline's corners, as
    fractions of the extent: along the outline and across it (``frames``:
    :func:`_corner_frames`)."""
    along, across = frames
    miss = (frame.project(corners) - outline) / frame.extent
    return np.concatenate([np.sum(miss * across, 1), np.sum(miss * along, 1)])


def _fit(outline: np.ndarray, frame: _Frame, view: _View) -> tuple[float, Box]:
    """The box whose corners (as ``view`` has them) best match the ``outline``'s corners (four
    to six) through the perspective camera, and the fit's RMS residual (fraction of the
    extent)."""

    def unpack(params: np.ndarray) -> Box:
        yaw, elevation, sides, x, y = params[0], params[1], params[2:5], params[5], params[6]
        half = np.exp(sides)
        if not view.depth_seen:
            half[2] = min(half[0], half[1])
        return yaw, elevation, half, np.array([x, y, 0.0])

    frames = _corner_frames(outline)

    def residuals(params: np.ndarray) -> np.ndarray:
        yaw, elevation, half, centre = unpack(params)
        corners = centre + (view.signs * half) @ box_rotation(yaw, elevation).T
        return _corner_misses(corners, outline, frame, frames)

    low, high = _bounds(view)
    if len(outline) == 6:
        params = _orthographic_reading(outline, frame)
    else:
        params = _extent_reading(outline, frame)
    if view.start is not None:
        params[:2] = np.radians(view.start)
        params[4] = params[2]  # as deep as wide
    fit = least_squares(residuals, np.clip(params, low, high), bounds=(low, high), x_scale=0.1)
    return float(np.sqrt(np.mean(fit.fun**2))), unpack(fit.x)


def _corner_frames(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per corner, the outline's direction there (weighted by how sharply it turns, up to
    :data:`SHARP_TURN`) and the unit normal across it: a corner's miss is measured across the
    outline in full and along it by that weight."""
    before = corners - np.roll(corners, 1, axis=0)
    after = np.roll(corners, -1, axis=0) - corners
    cosine = np.sum(before * after, 1) / (
        np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1) + 1e-12
    )
    turn = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    direction = np.roll(corners, -1, axis=0) - np.roll(corners, 1, axis=0)
    direction /= np.linalg.norm(direction, axis=1, keepdims=True) + 1e-12
    across = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    return direction * np.clip(turn / SHARP_TURN, 0.0, 1.0)[:, None], across


def _hull(mask: np.ndarray) -> np.ndarray | None:
    """The outline's convex hull, (K, 2) as (column, row), or None for an empty mask."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    return cv2.convexHull(np.concatenate(contours))[:, 0, :].astype(np.float64)


def _hexagon(hull: np.ndarray) -> np.ndarray | None:
    """The hull simplified to six corners, (6, 2) from the top corner clockwise on screen, or
    None if it has another number of corners."""
    points = _hull_corners(hull, 6)
    if points is None:
        return None
    return np.roll(points, -int(np.argmin(points[:, 1])), axis=0)


def _hull_corners(hull: np.ndarray, count: int) -> np.ndarray | None:
    """The hull simplified (finest first) to ``count`` corners covering MIN_HULL_COVER of it,
    as pixel centres clockwise on screen (one skipped corner put back by
    :func:`_with_skipped_corner`), or None."""
    contour = hull.astype(np.float32)[:, None, :]
    perimeter = cv2.arcLength(contour, True)
    for tolerance in HULL_TOLERANCES:  # the finest simplification with at most count corners
        corners = cv2.approxPolyDP(contour, tolerance * perimeter, True)
        if len(corners) <= count:
            break
    points = corners[:, 0, :].astype(np.float64)
    if len(points) == count - 1:
        points = _with_skipped_corner(points, hull)
    if len(points) != count:
        return None
    if cv2.contourArea(points.astype(np.float32)) < MIN_HULL_COVER * cv2.contourArea(contour):
        return None
    points += 0.5  # pixel centres
    x, y = points[:, 0], points[:, 1]
    if np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) < 0:  # make it clockwise on screen
        points = points[::-1]
    return points


def _top_starts(hexagon: np.ndarray, extent: float) -> list[np.ndarray]:
    """The hexagon started at its top corner and, where a neighbour of that corner lies within
    TIED_TOP of the extent below it, started at that neighbour too: a thin top face's two
    corners stand at nearly the same height, and which comes out on top is a pixel's chance."""
    top = hexagon[0, 1]
    tied = [k for k in (1, 5) if hexagon[k, 1] - top <= TIED_TOP * extent]
    return [hexagon, *(np.roll(hexagon, -k, axis=0) for k in tied)]


def _with_skipped_corner(corners: np.ndarray, hull: np.ndarray) -> np.ndarray:
    """Five corners (in order) and the hull point farthest from their polygon's edges, placed
    on the edge it lies off, when it lies at least SKIPPED_CORNER of the hull's extent away:
    a simplification coarse enough to drop a ragged edge's extra corners also drops a shallow
    real one (a box's top corner seen from 10° above, its top face cut a pixel thin)."""
    farthest, off, after = _farthest_off(corners, hull)
    if off < SKIPPED_CORNER * float(np.ptp(hull, axis=0).max()):
        return corners
    return np.insert(corners, after + 1, hull[farthest], axis=0)


def _farthest_off(corners: np.ndarray, hull: np.ndarray) -> tuple[int, float, int]:
    """The hull point farthest from the polygon of ``corners`` (in order): its index, its
    distance (pixels) and the polygon edge it lies off (the edge from corner ``after``)."""
    start, edge = corners, np.roll(corners, -1, axis=0) - corners
    along = np.einsum("pkd,kd->pk", hull[:, None, :] - start, edge) / np.sum(edge**2, axis=1)
    nearest = start + np.clip(along, 0.0, 1.0)[..., None] * edge
    distance = np.linalg.norm(hull[:, None, :] - nearest, axis=2)  # (hull point, edge)
    off = distance.min(axis=1)
    farthest = int(np.argmax(off))
    return farthest, float(off[farthest]), int(np.argmin(distance[farthest]))


def _orthographic_reading(hexagon: np.ndarray, frame: _Frame) -> np.ndarray:
    """Start values (yaw, elevation, log half sides, centre x, y) read from the hexagon's
    upper edges as if the camera were far away (slopes that no box shows are clamped)."""
    top, right_top, right_bottom, _, _, left_top = hexagon
    right, left = right_top - top, left_top - top
    right_slope = max(right[1], MIN_SLOPE) / max(right[0], 1.0)
    left_slope = max(left[1], MIN_SLOPE) / max(-left[0], 1.0)
    sine = min(math.sqrt(right_slope * left_slope), math.sin(math.radians(MAX_ELEVATION)))
    elevation = math.asin(sine)
    yaw = math.atan2(left_slope, sine)  # left_slope = tan(yaw) sin(elevation)
    yaw = min(max(yaw, math.radians(MIN_YAW)), math.radians(MAX_YAW))
    half = np.array(
        [
            abs(left[0]) / (2.0 * math.cos(yaw)),
            np.linalg.norm(right_bottom - right_top) / (2.0 * math.cos(elevation)),
            abs(right[0]) / (2.0 * math.sin(yaw)),
        ]
    )
    unit = frame.distance / frame.focal  # world length of one pixel at depth 0
    centre = (hexagon.mean(axis=0) - frame.n / 2.0) * unit
    sides = np.log(np.maximum(half * unit, 1e-3))
    return np.array([yaw, elevation, *sides, centre[0], -centre[1]])


def _extent_reading(corners: np.ndarray, frame: _Frame) -> np.ndarray:
    """Start values (yaw, elevation, log half sides, centre x, y) from the corners' extent: a
    box facing the camera level, as wide and tall as they span, as deep as wide."""
    unit = frame.distance / frame.focal  # world length of one pixel at depth 0
    half = np.maximum(0.5 * np.ptp(corners, axis=0) * unit, 1e-3)
    centre = (0.5 * (corners.min(axis=0) + corners.max(axis=0)) - frame.n / 2.0) * unit
    return np.array([0.0, 0.0, *np.log(half), math.log(half[0]), centre[0], -centre[1]])


def _box_outline_iou(box: Box, frame: _Frame, mask: np.ndarray) -> float:
    """IoU of the box's outline (the hull of its eight corners seen by ``frame``) with the
    mask."""
    yaw, elevation, half, centre = box
    corners = centre + (ALL_CORNERS * half) @ box_rotation(yaw, elevation).T
    return _outline_iou([frame.project(corners)], mask)


def _outline_iou(outlines: list[np.ndarray], mask: np.ndarray) -> float:
    """IoU with the mask of the union of the filled convex hulls of sets of projected
    points."""
    drawn = np.zeros(mask.shape, np.uint8)
    for points in outlines:
        cv2.fillPoly(drawn, [cv2.convexHull(np.round(points - 0.5).astype(np.int32))], 1)
    union = np.count_nonzero(drawn.astype(bool) | mask)
    return float(np.count_nonzero(drawn.astype(bool) & mask) / union) if union else 0.0
