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

A frontal box (yaw 0) shows a rectangle, or a trapezoid on top of one: nothing here reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np
from scipy.optimize import least_squares

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
LOG_SIDES = (-6.0, 2.0)  # bounds of the fitted half sides' logarithms (world units)

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


@dataclass(frozen=True)
class _View:
    """One way a box's corners make the hexagon: their signs (top corner first), the yaws
    (degrees) it holds for, and where its fit starts: (yaw, elevation) in degrees and sides
    as deep as wide, or None for the far-camera reading of the upper edges."""

    signs: np.ndarray
    yaws: tuple[float, float]
    start: tuple[float, float] | None = None


ABOVE = _View(ABOVE_CORNERS, (MIN_YAW, MAX_YAW))
LOW = _View(LOW_CORNERS, (MIN_YAW, MAX_YAW), (45.0, 2.0))
FRONT = _View(FRONT_CORNERS, (-MAX_FRONT_YAW, MAX_FRONT_YAW), (0.0, 20.0))
ALL_CORNERS = np.array([(x, y, z) for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=float)


@dataclass(frozen=True)
class BoxReading:
    """A box in a camera frame whose camera sits at ``(0, 0, distance)``: turned ``yaw_deg``
    about its vertical axis, seen from ``elevation_deg`` above, half side lengths ``half``
    along its own x, y (up), z, centred at ``centre``; ``rms`` is the corner fit's residual as
    a fraction of the outline's extent and ``iou`` the overlap of the box's outline with the
    mask. Scaled with the distance (:meth:`at_distance`) it looks the same."""

    yaw_deg: float
    elevation_deg: float
    half: np.ndarray
    centre: np.ndarray
    distance: float
    rms: float
    iou: float

    def at_distance(self, distance: float) -> BoxReading:
        """The same view with the camera at ``distance``: the box scaled with it."""
        scale = distance / self.distance
        return replace(self, half=self.half * scale, centre=self.centre * scale, distance=distance)

    def rotation(self) -> np.ndarray:
        """3×3 whose columns are the box's x, y, z axes in the camera frame."""
        return box_rotation(math.radians(self.yaw_deg), math.radians(self.elevation_deg))

    def describe(self) -> str:
        """The reading in words, for a spin's reason."""
        sides = " × ".join(f"{2 * h / (2 * self.half.max()):.2f}" for h in self.half)
        return (
            f"a box seen from {self.elevation_deg:.0f}° above, turned {self.yaw_deg:.0f}° "
            f"(sides {sides}; outline fit {self.iou:.2f})"
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
    of that grid (the object one unit across), or None when the outline's convex hull is not
    a box's hexagon or the fit misses it by more than GOOD_RMS (MAX_RMS for a closed box)."""
    n = mask.shape[0]
    hexagon = _hexagon(mask)
    if hexagon is None:
        return None
    ys, xs = np.nonzero(mask)
    extent = float(max(np.ptp(xs), np.ptp(ys)) + 1)
    focal = (n / 2.0) / math.tan(math.radians(fov_deg) / 2.0)
    frame = _Frame(focal, focal / extent, n, extent)
    rms, box = min(
        (_fit(start, frame, ABOVE) for start in _top_starts(hexagon, extent)),
        key=lambda fit: fit[0],
    )
    if rms > GOOD_RMS:  # a low camera, or a box facing it (either back corner on top)
        others = [_fit(hexagon, frame, LOW), _fit(hexagon, frame, FRONT)]
        others.append(_fit(np.roll(hexagon, -1, axis=0), frame, FRONT))
        rms, box = min((rms, box), *others, key=lambda fit: fit[0])
    if rms > MAX_RMS:
        return None
    yaw, elevation, half, centre = box
    corners = centre + (ALL_CORNERS * half) @ box_rotation(yaw, elevation).T
    iou = _outline_iou(frame.project(corners), mask)
    if rms > GOOD_RMS and iou < OPEN_OUTLINE_FIT:
        return None
    return BoxReading(
        yaw_deg=math.degrees(yaw),
        elevation_deg=math.degrees(elevation),
        half=half,
        centre=centre,
        distance=frame.distance,
        rms=rms,
        iou=iou,
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


def _fit(hexagon: np.ndarray, frame: _Frame, view: _View) -> tuple[float, Box]:
    """The box whose outline corners (as ``view`` has them) best match ``hexagon`` through
    the perspective camera, and the fit's RMS residual (fraction of the extent)."""

    def unpack(params: np.ndarray) -> Box:
        yaw, elevation, sides, x, y = params[0], params[1], params[2:5], params[5], params[6]
        return yaw, elevation, np.exp(sides), np.array([x, y, 0.0])

    along, across = _corner_frames(hexagon)

    def residuals(params: np.ndarray) -> np.ndarray:
        yaw, elevation, half, centre = unpack(params)
        corners = centre + (view.signs * half) @ box_rotation(yaw, elevation).T
        miss = (frame.project(corners) - hexagon) / frame.extent
        return np.concatenate([np.sum(miss * across, 1), np.sum(miss * along, 1)])

    low = [math.radians(view.yaws[0] - 4.0), 0.0, *[LOG_SIDES[0]] * 3, -np.inf, -np.inf]
    high = [math.radians(view.yaws[1] + 4.0), math.radians(MAX_ELEVATION)]
    high += [*[LOG_SIDES[1]] * 3, np.inf, np.inf]
    params = _orthographic_reading(hexagon, frame)
    if view.start is not None:
        params[:2] = np.radians(view.start)
        params[4] = params[2]  # as deep as wide
    fit = least_squares(residuals, np.clip(params, low, high), bounds=(low, high), x_scale=0.1)
    return float(np.sqrt(np.mean(fit.fun**2))), unpack(fit.x)


def _corner_frames(hexagon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per corner, the outline's direction there (weighted by how sharply it turns, up to
    :data:`SHARP_TURN`) and the unit normal across it: a corner's miss is measured across the
    outline in full and along it by that weight."""
    before = hexagon - np.roll(hexagon, 1, axis=0)
    after = np.roll(hexagon, -1, axis=0) - hexagon
    cosine = np.sum(before * after, 1) / (
        np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1) + 1e-12
    )
    turn = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    direction = np.roll(hexagon, -1, axis=0) - np.roll(hexagon, 1, axis=0)
    direction /= np.linalg.norm(direction, axis=1, keepdims=True) + 1e-12
    across = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
    return direction * np.clip(turn / SHARP_TURN, 0.0, 1.0)[:, None], across


def _hexagon(mask: np.ndarray) -> np.ndarray | None:
    """The outline's convex hull simplified to six corners, (6, 2) as (column, row) from the
    top corner clockwise on screen, or None if it has another number of corners."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    hull = cv2.convexHull(np.concatenate(contours))
    perimeter = cv2.arcLength(hull, True)
    for tolerance in HULL_TOLERANCES:  # the finest simplification with six corners
        corners = cv2.approxPolyDP(hull, tolerance * perimeter, True)
        if len(corners) <= 6:
            break
    points = corners[:, 0, :].astype(np.float64)
    if len(points) == 5:
        points = _with_skipped_corner(points, hull[:, 0, :].astype(np.float64))
    if len(points) != 6:
        return None
    if cv2.contourArea(points.astype(np.float32)) < MIN_HULL_COVER * cv2.contourArea(hull):
        return None
    points += 0.5  # pixel centres
    x, y = points[:, 0], points[:, 1]
    if np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) < 0:  # make it clockwise on screen
        points = points[::-1]
    return np.roll(points, -int(np.argmin(points[:, 1])), axis=0)


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
    start, edge = corners, np.roll(corners, -1, axis=0) - corners
    along = np.einsum("pkd,kd->pk", hull[:, None, :] - start, edge) / np.sum(edge**2, axis=1)
    nearest = start + np.clip(along, 0.0, 1.0)[..., None] * edge
    distance = np.linalg.norm(hull[:, None, :] - nearest, axis=2)  # (hull point, edge)
    off = distance.min(axis=1)
    farthest = int(np.argmax(off))
    if off[farthest] < SKIPPED_CORNER * float(np.ptp(hull, axis=0).max()):
        return corners
    after = int(np.argmin(distance[farthest]))
    return np.insert(corners, after + 1, hull[farthest], axis=0)


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


def _outline_iou(points: np.ndarray, mask: np.ndarray) -> float:
    """IoU of the filled convex hull of projected points with the mask."""
    drawn = np.zeros(mask.shape, np.uint8)
    hull = cv2.convexHull(np.round(points - 0.5).astype(np.int32))
    cv2.fillPoly(drawn, [hull], 1)
    union = np.count_nonzero(drawn.astype(bool) | mask)
    return float(np.count_nonzero(drawn.astype(bool) & mask) / union) if union else 0.0
