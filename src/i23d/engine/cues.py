"""The chooser's cues: what the outline says about the object's shape.

- *straight edges*: the outline is a polygon with few corners (its polygon approximation fits
  it closely), or most of its length runs straight: a sign of flat faces;
- *mirror symmetry* about a vertical axis that runs through the object on most rows, of the
  whole outline, or row by row (each row's run through the axis reaching equally far both
  ways, so a handle or spout that joins a few rows does not count), or of its body with its
  thin side parts set aside (a spout that joins many rows): a sign of a turned object;
- a round base's *rim* seen from above, which says how high the camera was;
- a *box* turned or seen from above: the outline's hull is its hexagon, its front face or
  the hexagon less a top corner level with the camera (:mod:`i23d.engine.boxview`); a box's
  top seen from above with no round rim says the object is not turned (a square stool
  turned 40° mirrors about its axis);
- *legs* under a body seen side-on (:mod:`i23d.engine.shapes.legs`).

Each shape prior reads these in its ``plausibility`` (see :mod:`i23d.engine.shapes`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from i23d.engine.boxview import OPEN_OUTLINE_FIT, BoxReading, read_box
from i23d.engine.cutout import CutOut
from i23d.engine.elevation import GRID, camera_of, outline_mask, rim_elevation
from i23d.engine.shapes.legs import Leg, find_legs, leg_sides
from i23d.engine.shapes.revolve import axis_run, body_axis, has_flange, mirror_axis, mirror_iou
from i23d.engine.silhouette import largest_part, without_thin_parts

POLYGON_FIT = 0.975  # segmented photos round sharp corners a little
MAX_CORNERS = 12
STRAIGHT = 0.8
SYMMETRY = 0.95
AXIS_COVERAGE = 0.9
BALANCED_ROWS = 0.75
BALANCE_TOLERANCE = 0.04  # of the object's width
SIDE_PART_THIN = 0.4
"""Of the outline's largest half-width: thinner parts (a teapot's spout and handle) are set
aside when the body's own mirror symmetry is read."""


@dataclass(frozen=True)
class Cues:
    """What the chooser read from the silhouette."""

    symmetry: float
    axis_coverage: float
    balanced_rows: float
    flange: bool
    """Revolving the outline would make a disc of its widest rows (ears, arms, wings)."""
    corners: int
    polygon_fit: float
    straight: float
    elevation_deg: float = 0.0
    """The camera's elevation read from a round base's rim (0: no rim seen from above)."""
    box: BoxReading | None = None
    """The box whose outline fits the silhouette's hull (None: no box read)."""
    legs: tuple[int, int] = (0, 0)
    """The near and far legs a body seen side-on stands on, as the outline's legs are built
    (:func:`~i23d.engine.shapes.legs.leg_sides`; (0, 0): no legs found)."""
    body_symmetry: float = 0.0
    """Mirror symmetry of the outline's body, its thin side parts set aside (a teapot's spout
    joins too many rows for them to balance)."""

    @property
    def polygonal(self) -> bool:
        """The outline is made of a few straight edges (and no round base's rim, no open
        box: a table facing a level camera is straight edges too)."""
        few_corners = self.corners <= MAX_CORNERS and self.polygon_fit >= POLYGON_FIT
        open_box = self.box is not None and self.box.iou < OPEN_OUTLINE_FIT
        return (few_corners or self.straight >= STRAIGHT) and not self.rim and not open_box

    @property
    def rim(self) -> bool:
        """The bottom of the outline is a round base's rim seen from above."""
        return self.elevation_deg > 0.0

    @property
    def camera(self) -> tuple[float, BoxReading | None]:
        """The camera's elevation and the box it was read from, as
        :func:`~i23d.engine.elevation.read_camera` reads them."""
        return camera_of(self.elevation_deg, self.box)

    @property
    def box_top(self) -> bool:
        """The outline is a box's seen from above (its top face read) and shows no round
        rim: a turned object seen from above would show its rim's ellipse."""
        return self.box is not None and self.box.depth_seen and not self.rim

    @property
    def revolvable(self) -> bool:
        """The outline (or, row by row, its body without a handle or spout, or its body
        without its thin side parts) mirrors about a vertical axis that runs through the
        object, its widest rows are no flange and its top is no box's."""
        whole = self.symmetry >= SYMMETRY or self.rim or self.body_symmetry >= SYMMETRY
        return (
            (whole or self.balanced_rows >= BALANCED_ROWS)
            and self.axis_coverage >= AXIS_COVERAGE
            and not self.flange
            and not self.box_top
        )

    @property
    def edges(self) -> str:
        """The straight-edge cues in words, for reasons."""
        return (
            f"{self.corners} corners, polygon fit {self.polygon_fit:.2f}, "
            f"{self.straight:.0%} of the outline straight"
        )

    @property
    def stance(self) -> str:
        """The legs cue in words, for reasons ("" when no legs were found)."""
        near, far = self.legs
        if not near + far:
            return ""
        return f"a body seen side-on, on {near} near and {far} far legs"

    @property
    def mirror(self) -> str:
        """The symmetry cues in words, for reasons."""
        words = (
            f"mirror symmetry {self.symmetry:.2f}, axis inside on {self.axis_coverage:.0%} of rows"
        )
        if self.symmetry < SYMMETRY and self.body_symmetry >= SYMMETRY:
            words += f", {self.body_symmetry:.2f} for its body without thin side parts"
        if self.rim:
            words += f", a round base seen from {self.elevation_deg:.0f}° above"
        if self.flange:
            words += "; its widest rows step out and back in (ears, arms): revolved, a disc"
        if self.box_top:
            words += "; seen from above, its top is a box's, not a round rim"
        return words


def read_cues(cutout: CutOut) -> Cues:
    """Measure the chooser's cues on the cut-out's mask."""
    mask = outline_mask(cutout)
    axis = mirror_axis(mask)
    column = mask[:, min(max(int(axis), 0), GRID - 1)]
    rows = np.flatnonzero(mask.any(axis=1))
    coverage = float(column[rows].mean()) if len(rows) else 0.0
    contour = _outline(mask)
    corners, fit = _polygon(mask, contour)
    return Cues(
        mirror_iou(mask, axis),
        coverage,
        _balanced_rows(mask, axis),
        has_flange(mask, body_axis(mask, axis)),
        corners,
        fit,
        _straightness(contour),
        rim_elevation(cutout, mask),
        read_box(mask, cutout.fov_deg) if mask.any() else None,
        _near_and_far(find_legs(mask)),
        _body_symmetry(mask),
    )


def _body_symmetry(mask: np.ndarray) -> float:
    """Mirror symmetry of the largest piece of the outline without its thin side parts."""
    body = largest_part(without_thin_parts(mask, SIDE_PART_THIN))
    return mirror_iou(body, mirror_axis(body)) if body.any() else 0.0


def _near_and_far(legs: list[Leg]) -> tuple[int, int]:
    """How many of the legs are built under the near flank and how many under the far one."""
    sides = leg_sides(legs) if legs else []
    return sum(1.0 in side for side in sides), sum(-1.0 in side for side in sides)


def _balanced_rows(mask: np.ndarray, axis: float) -> float:
    """Fraction of rows whose run through the axis reaches equally far left and right of the
    body's axis (a handle or spout unbalances only the few rows it joins)."""
    centre = body_axis(mask, axis)
    col = min(max(int(centre), 0), mask.shape[1] - 1)
    rows = np.flatnonzero(mask[:, col])
    if len(rows) == 0:
        return 0.0
    xs = np.flatnonzero(mask.any(axis=0))
    tolerance = max(1.5, BALANCE_TOLERANCE * (xs.max() - xs.min() + 1))
    balanced = 0
    for row in rows:
        left, right = axis_run(mask[row], col)
        balanced += abs((centre - left) - (right - centre)) <= tolerance
    return balanced / len(rows)


def _outline(mask: np.ndarray) -> np.ndarray:
    """The largest outer contour as (K, 2) points."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return np.zeros((0, 2), np.int32)
    return max(contours, key=cv2.contourArea)[:, 0, :]


def _polygon(mask: np.ndarray, contour: np.ndarray) -> tuple[int, float]:
    """Corners of the outline's polygon approximation and that polygon's IoU with the outline."""
    if len(contour) < 3:
        return 0, 0.0
    poly = cv2.approxPolyDP(contour, 0.015 * cv2.arcLength(contour, True), True)
    drawn, outline = np.zeros(mask.shape, np.uint8), np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(drawn, [poly], 1)
    cv2.fillPoly(outline, [contour], 1)
    union = np.count_nonzero(drawn | outline)
    return len(poly), (np.count_nonzero(drawn & outline) / union if union else 0.0)


def _straightness(contour: np.ndarray, reach: int = 6, tolerance_deg: float = 4.0) -> float:
    """Fraction of outline points where the outline runs straight (turns under the tolerance
    between the points ``reach`` before and after)."""
    if len(contour) < 2 * reach + 1:
        return 0.0
    points = contour.astype(np.float64)
    before, after = np.roll(points, reach, 0) - points, np.roll(points, -reach, 0) - points
    cosine = np.sum(before * after, 1) / (
        np.linalg.norm(before, axis=1) * np.linalg.norm(after, axis=1) + 1e-12
    )
    turn = 180.0 - np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    return float(np.mean(turn < tolerance_deg))
