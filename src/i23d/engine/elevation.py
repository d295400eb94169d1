"""The camera's elevation, read from the ellipse of a round base or from a box's visible top.

A turned object (a cup, a vase, a cylinder) stands on a round base. Seen from a camera above
it, the base's rim shows as the front half of an ellipse at the bottom of the outline, its
depth b over its half-width a equal to the sine of the angle at which the camera's ray to the
base meets the base's plane: the camera's elevation plus the ray's own angle below the
optical axis. The bottom outline is fitted with y = y0 + b sqrt(1 - x^2 / a^2) about the
body's axis; the body is each row's run through the axis, so a mug's handle neither breaks
the symmetry nor widens the base, and a foot's rim (a lamp's, a wine glass's) counts as the
base. Seen from well above, a mushroom's cap hides all but its stem's foot: a few rows of
vertical sides, then the cap; that stem's rim counts too. Without a rim, an outline whose
hull is the hexagon of a turned box seen from above gives the elevation from its top face's
edges (:mod:`i23d.engine.boxview`).
Neither (a smooth round bottom, a frontal box, an asymmetric outline) reads as elevation 0,
the engine's default.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from i23d.engine.boxview import BoxReading, read_box
from i23d.engine.cutout import CutOut
from i23d.engine.shapes.revolve import body_axis, body_runs, mirror_axis, mirror_iou

GRID = 256  # the outline is read on this grid
MIN_SYMMETRY = 0.85
"""The body's mirror IoU below which the outline is no turned object (a mug seen from above
with its handle in front of the body reads 0.89; chosen on the dev views)."""
BODY_REACH = 0.02  # of the height: the body must reach the outline's bottom (not a table's top)
BASE_ROWS = 0.12  # the base is looked for in this fraction of the object's height
MAX_RIM_RATIO = 0.7  # a bottom rounder than this is a round body, not a rim seen from above
MAX_FIT_ERROR = 1.0
"""Grid pixels, root-mean-square: a base cut out of a natural photo is ragged by about a pixel
(0.6 lost a goblet over a brick wall; 1.0 changed no other of the 282 dev and reported
readings, 1.3 let ragged mugs and pawns read 8-12° low)."""
MAX_ELEVATION = 45.0
MIN_STEM_RATIO = 0.1
"""A rim read at the foot of a stem must be at least this deep for its width (about 6° above):
a box's or a prism's flat bottom under vertical sides fits a flat half ellipse too."""
ON_COLUMN = 1.0
"""Grid pixels: a stem's side further than this from its column has left it for the rim."""


def estimate_elevation(cutout: CutOut) -> float:
    """The camera's elevation in degrees (0 to MAX_ELEVATION): from the outline's base rim,
    else from a turned box's hexagon."""
    return read_camera(cutout)[0]


def read_camera(cutout: CutOut) -> tuple[float, BoxReading | None]:
    """The camera's elevation in degrees, and the turned box it was read from (None when it
    came from a rim or nothing was read)."""
    mask = outline_mask(cutout)
    rim = rim_elevation(cutout, mask)
    box = read_box(mask, cutout.fov_deg) if rim == 0.0 and mask.any() else None
    return camera_of(rim, box)


def camera_of(rim_deg: float, box: BoxReading | None) -> tuple[float, BoxReading | None]:
    """The camera from what the outline showed: a round base's rim first, else a turned box."""
    if rim_deg > 0.0 or box is None:
        return rim_deg, None
    return box.elevation_deg, box


def outline_mask(cutout: CutOut) -> np.ndarray:
    """The cut-out's mask on the GRID² grid the outline is read on."""
    return cv2.resize(cutout.alpha, (GRID, GRID), interpolation=cv2.INTER_AREA) > 0.5


def rim_elevation(cutout: CutOut, mask: np.ndarray | None = None) -> float:
    """The camera's elevation in degrees (0 to MAX_ELEVATION) from the outline's base rim
    (``mask``: the cut-out's :func:`outline_mask`, when already made)."""
    mask = outline_mask(cutout) if mask is None else mask
    if not mask.any():
        return 0.0
    axis = body_axis(mask, mirror_axis(mask))
    body = body_runs(mask, axis)
    rows, body_rows = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(body.any(axis=1))
    if len(body_rows) == 0 or body_rows[-1] < rows[-1] - BODY_REACH * (rows[-1] - rows[0] + 1):
        return 0.0
    if mirror_iou(body, axis) < MIN_SYMMETRY:
        return 0.0
    rim = _base_rim(body, axis)
    if rim is None:
        return 0.0
    ratio, base_row = rim
    focal = (GRID / 2.0) / math.tan(math.radians(cutout.fov_deg) / 2.0)
    below_axis = math.atan((base_row - GRID / 2.0) / focal)
    elevation = math.degrees(math.asin(ratio) - below_axis)
    return float(np.clip(elevation, 0.0, MAX_ELEVATION))


def _base_rim(mask: np.ndarray, axis: float) -> tuple[float, float] | None:
    """The base rim's depth-to-half-width ratio b / a and its centre row, or None: the rim
    whose sides stand near-vertical just above it (or step in to a stem), else the rim at
    the foot of a short stem that a cap steps out over."""
    rows = np.flatnonzero(mask.any(axis=1))
    top, bottom = rows[0], rows[-1]
    band = max(3, int(BASE_ROWS * (bottom - top + 1)))
    # The base's half-width: where the outline's sides stand just above the bulge.
    fit = _rim_fit(mask, axis, bottom - band)
    if fit is not None and _stands_up(mask, bottom - band, band, top):
        return fit
    return _stem_rim(mask, axis, band, (top, bottom))


def _rim_fit(mask: np.ndarray, axis: float, side_row: int) -> tuple[float, float] | None:
    """The half ellipse under ``side_row`` (the row of the rim's ends) fitted to the outline's
    bottom: its depth-to-half-width ratio and centre row; None when too few columns or a poor
    fit."""
    cols = np.flatnonzero(mask[side_row])
    if len(cols) == 0:
        return None
    half_width = 0.5 * (cols[-1] - cols[0] + 1)
    x = np.arange(GRID) + 0.5 - axis
    inside = np.abs(x) < 0.9 * half_width
    column_has = np.asarray(mask[side_row:].any(axis=0))
    if np.count_nonzero(inside & column_has) < 6:
        return None
    lowest = side_row + np.array(
        [
            np.flatnonzero(mask[side_row:, c])[-1] + 1 if column_has[c] else side_row
            for c in range(GRID)
        ],
        dtype=float,
    )
    shape = np.sqrt(np.clip(1.0 - (x[inside] / half_width) ** 2, 0.0, 1.0))
    design = np.stack([np.ones_like(shape), shape], axis=1)
    (y0, depth), *_ = np.linalg.lstsq(design, lowest[inside], rcond=None)
    error = float(np.sqrt(np.mean((design @ np.array([y0, depth]) - lowest[inside]) ** 2)))
    ratio = depth / half_width
    if error > MAX_FIT_ERROR or not 0.0 < ratio < MAX_RIM_RATIO:
        return None
    return ratio, float(y0)


def _stands_up(mask: np.ndarray, side_row: int, band: int, top: int) -> bool:
    """Above the rim the sides stand near-vertical or step in to a stem (a foot's rim); a
    round bottom widens there."""
    cols = np.flatnonzero(mask[side_row])
    above = np.flatnonzero(mask[max(top, side_row - band)])
    half_width = 0.5 * (cols[-1] - cols[0] + 1)
    return len(above) > 0 and 0.5 * (above[-1] - above[0] + 1) - half_width <= 0.1 * half_width


def _stem_rim(
    mask: np.ndarray, axis: float, band: int, rows: tuple[int, int]
) -> tuple[float, float] | None:
    """The rim at the foot of a stem: sides that stand vertical through the row ``band`` rows
    above the outline's bottom (``rows``: its top and bottom rows) for at least a quarter of
    ``band`` rows, a cap stepping out over them higher up (a round bottom's sides curve).
    Followed down, the sides leave their columns where the rim's ellipse takes over: the half
    ellipse is fitted under that row."""
    top, bottom = rows
    start = bottom - band
    stem = _ends(mask, start)
    if stem is None:
        return None
    rise = 0
    while start - rise - 1 >= top and _on_stem(mask, start - rise - 1, stem):
        rise += 1
    if rise < max(3, band // 4):
        return None
    end = start
    while end + 1 < bottom - 2 and _on_stem(mask, end + 1, stem):
        end += 1
    fit = _rim_fit(mask, axis, end)
    return fit if fit is not None and fit[0] >= MIN_STEM_RATIO else None


def _on_stem(mask: np.ndarray, row: int, stem: tuple[int, int]) -> bool:
    """``row``'s ends lie within :data:`ON_COLUMN` of the stem's columns."""
    ends = _ends(mask, row)
    return ends is not None and max(abs(ends[0] - stem[0]), abs(ends[1] - stem[1])) <= ON_COLUMN


def _ends(mask: np.ndarray, row: int) -> tuple[int, int] | None:
    """The outline's first and last column on ``row`` (None if the row is empty)."""
    cols = np.flatnonzero(mask[row])
    return None if len(cols) == 0 else (int(cols[0]), int(cols[-1]))
