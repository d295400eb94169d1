"""Surface of revolution for bottles, vases, cups: a vertical axis, one radius per row.

The axis is the silhouette's best mirror line; each row's radius is the half-width of the
run of the silhouette that crosses the axis, smoothed along the height by diffusion. Each
row's radius is set so its circle touches the camera rays through the row's edges; the solid
{(x - axis)^2 + z^2 < r(y)^2} is then sampled along every pixel's ray in perspective. Parts
off the axis (a handle, arms, legs) are inflated into round tubes (the inflation prior's
medial spheres) so that nothing pictured is lost. The vessel reading (a mug, a cup) is the
same solid hollowed, open at its top.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from i23d.engine.diffusion import diffuse
from i23d.engine.shapes.base import DepthInterval, SampledSolid, reference_pixels
from i23d.engine.shapes.inflate import inflate
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues

HEIGHT_FIT_STEPS = 8
PROFILE_ITERATIONS = 8
PROFILE_RATE = 0.7
# Counts of grid rows and pixels below are of the :data:`REFERENCE_GRID` (96²): on the hd
# grid (192²) they are twice as many, so every grid finds the same rims and limbs.
RIM_ROWS_MIN = 3
RIM_ROWS_MAX = 0.25  # of the grid side
RIM_PLATEAU = 3  # rows inside a rim that must be no wider than it ...
RIM_PLATEAU_SLACK = 1.5
"""... give or take this many pixels: the rows under a mug's rim seen from above widen by
1.1 px before its walls run straight, and at 1 px its top rim was left to the profile as a
lip (dev goblet F@0.02 0.55 -> 0.75, floor lamp 0.88 -> 0.93, mugs +0.01-0.02; no revolved
dev view lost over 0.01)."""
RIM_TOLERANCE = 1.0  # grid pixels of height
SIDE_PART_ROWS = 0.2  # of the body's height: shorter side bulges are limbs, not discs
SIDE_PART_REACH = 0.5  # ... when they stick out at least this much of their own height
LIMB_CLEARANCE = 2.0  # grid pixels between the body and where limbs start
LIMB_REACH = 6.0  # grid pixels: a part reaching farther from the body is joined to it
FLANGE_STEP = 0.2  # of the widest row: a jump between two rows where a flange steps out
FLANGE_NECK_ROWS = 3
"""Rows of body the narrow side of a flange's step must have: one or two rows there are the
body's end (a wine glass's rim seen edge-on, a cone's base row over a natural photo, cut a
pixel narrower than the stem or the row above), not a neck with more body beyond."""
VESSEL_WALL = 0.1
"""Of a vessel's widest radius: its wall's thickness (a mug's or a cup's, about a tenth)."""
VESSEL_FLOOR = 0.1
"""Of a vessel's height: its floor's thickness."""
STEM_SHARE = 0.6
"""Of a cap's radius: a stem behind the cap's rim is at most this wide."""
RIM_TILT_SLACK = (0.0, -1.5, 1.5, -3.0, 3.0)
"""Degrees off the read elevation at which rows beyond the body may still lie on its rim: the
elevation read from an outline is good to a few degrees, and a base rim left unexplained at
2.6° instead of 0° was revolved into rings (a cone's F@0.02 0.98 -> 0.83)."""


def revolve(silhouette: Silhouette, steps: int) -> DepthInterval:
    """Revolve the silhouette's profile about its vertical symmetry axis."""
    return _revolved(silhouette, steps, hollow=False)


def vessel(silhouette: Silhouette, steps: int) -> DepthInterval:
    """The turned solid hollowed into a vessel open at its top: walls VESSEL_WALL of its
    widest radius thick, a floor VESSEL_FLOOR of its height thick."""
    return _revolved(silhouette, steps, hollow=True)


def _revolved(silhouette: Silhouette, steps: int, hollow: bool) -> DepthInterval:
    """The silhouette's profile revolved about its vertical symmetry axis (``hollow``: as a
    vessel open at the top)."""
    mask = silhouette.mask
    n = silhouette.n
    axis = body_axis(mask, mirror_axis(mask))
    raw_px = _without_side_parts(_row_radii(silhouette, axis))
    focal, distance = silhouette.focal, silhouette.distance
    kx, ky = silhouette.ray_slopes()
    # The profile r(y): each row's circle is centred on the axis at z = 0, at the row's height,
    # and touches the camera rays through the row's two silhouette edges.
    axis_x = (axis - n / 2.0) / focal * distance

    def world_radius(half_width_px: np.ndarray) -> np.ndarray:
        edges = (axis + np.array([-1.0, 1.0])[:, None] * half_width_px[None, :] - n / 2.0) / focal
        radius = np.mean(np.abs(axis_x - edges * distance) / np.sqrt(1.0 + edges**2), axis=0)
        return np.where(half_width_px > 0, radius, 0.0)

    # The camera looks down by the elevation: the axis leans away from it in the camera frame.
    tilt = math.radians(silhouette.elevation_deg)
    cos_tilt, sin_tilt = math.cos(tilt), math.sin(tilt)
    # Each row's height on the axis: where its ray crosses the plane through the axis
    # (z_world = 0), in world units along the axis.
    axis_plane_z = ky * distance * math.tan(tilt) / (1.0 + ky * math.tan(tilt))
    row_heights = ky * (distance - axis_plane_z) / cos_tilt
    # The profile is smoothed (never widened past its silhouette), then its rims are found.
    radius_px = np.minimum(diffuse(raw_px, raw_px > 0, steps), raw_px)
    radius = world_radius(radius_px)
    rows_seen = _RowsSeen(ky, row_heights, distance, silhouette.pixel, tilt, n)
    _flatten_rim_caps(radius, rows_seen)
    _stem_behind_rim(radius, rows_seen)
    profile_rows = radius > 0
    step = silhouette.pixel
    tubes = inflate(silhouette, steps)
    reach = max(float(radius.max()), float(tubes.front[mask].max()), float(-tubes.back[mask].min()))
    reach += 2 * step
    depths = np.arange(-reach, reach + step, step, dtype=np.float32)
    scale = (distance - depths)[None, None, :]
    camera_y = ky[:, None, None] * scale
    # Camera frame → the object's upright frame (rotation about x by the elevation).
    y = camera_y * cos_tilt + depths[None, None, :] * sin_tilt
    z = -camera_y * sin_tilt + depths[None, None, :] * cos_tilt
    heights = _fitted_heights(
        row_heights, radius, y[:, 0, :], np.abs(z[:, 0, :]), mask[:, int(axis)]
    )
    # Sample the solid (x - axis_x)^2 + z^2 < r(y)^2 along every pixel's ray.
    x = kx[None, :, None] * scale - axis_x
    distance_to_axis = np.sqrt(x**2 + z**2)

    def solid(profile_radius: np.ndarray) -> np.ndarray:
        profile = np.interp(y.ravel(), *_square_ends(heights, profile_radius), left=0, right=0)
        return profile.reshape(y.shape[0], 1, -1) - distance_to_axis

    # Rims seen in perspective (a cup's top edge bows towards the camera) make rows look
    # narrower than the solid is: correct the profile until its rendered row widths match.
    # Rows a rim explains stay off the profile: widening them would float a disc (a fin)
    # above the rim.
    target = 2.0 * radius_px
    for _ in range(PROFILE_ITERATIONS):
        sampled = solid(radius)
        widest = sampled.max(axis=2)
        seen = np.clip(widest / step + 0.5, 0.0, 1.0).sum(axis=1)
        error = PROFILE_RATE * (target - seen) / 2.0 * step
        correction = _at_edge_heights(sampled, widest, y[:, 0, :], heights, error, step)
        del sampled  # the next field is made while this one would still be held
        radius = np.where(profile_rows, np.maximum(radius + correction, 0.0), 0.0)
    field = solid(radius)
    if hollow:
        inner = np.where(profile_rows, np.maximum(radius - VESSEL_WALL * radius.max(), 0.0), 0.0)
        body = heights[profile_rows]
        floor = body.min() + VESSEL_FLOOR * np.ptp(body)
        # Inside the cavity: within the inner profile and above the floor (open at the top,
        # where the outer field is already outside).
        field = np.minimum(field, -np.minimum(solid(inner), y - floor))
    front, back, hit = _ray_interval(field, depths)
    # Pictured parts well away from the body (a handle, limbs) become round tubes, grown back
    # across the clearance to join the body (a thin arm cut off short of it would be dropped
    # as debris); slivers along its edge stay empty rather than growing spikes or fins.
    away = ndimage.distance_transform_edt(~hit)
    clearance = reference_pixels(LIMB_CLEARANCE, n)
    far = mask & (away > clearance)
    parts, count = ndimage.label(far)
    farthest = np.asarray(ndimage.maximum(away, parts, np.arange(1, count + 1)))
    reaching = np.isin(parts, 1 + np.flatnonzero(farthest > reference_pixels(LIMB_REACH, n)))
    joins = ndimage.binary_dilation(reaching, iterations=math.ceil(clearance) + 1)
    limbs = far | (mask & ~hit & joins)
    z = depths[None, None, :]
    limb_field = np.minimum(tubes.front[:, :, None] - z, z - tubes.back[:, :, None])
    field = np.maximum(field, np.where(limbs[:, :, None], limb_field, -step))
    front[~hit], back[~hit] = tubes.front[~hit], tubes.back[~hit]
    return DepthInterval(front=front, back=back, sampled=SampledSolid(field, depths))


@dataclass(frozen=True)
class _RowsSeen:
    """How the profile's rows were seen: each row's ray slope and height on the axis, the
    camera's distance, a grid pixel's size (world units) at it, the camera's tilt (radians)
    and the grid's side."""

    ky: np.ndarray
    heights: np.ndarray
    distance: float
    pixel: float
    tilt: float
    grid: int


def _flatten_rim_caps(radius: np.ndarray, seen: _RowsSeen) -> None:
    """Find flat tops and bottoms seen as rims, and end the profile there (in place).

    Seen from beside (or above) a flat top or base, its rim shows as half an ellipse: the rows
    beyond the body show the rim, narrower and narrower, not a dome. A row of half-width x
    lies on a rim of the body's radius R at depth ±sqrt(R^2 - x^2) from the axis; if every row
    beyond the body comes back on the rim of the body's last row, and the body is no wider
    just inside, those rows are the rim.
    """
    body = np.flatnonzero(radius > 0)
    if len(body) < 4:
        return
    middle = body[len(body) // 2]
    fewest = round(reference_pixels(RIM_ROWS_MIN, seen.grid))
    plateau = round(reference_pixels(RIM_PLATEAU, seen.grid))
    slack = reference_pixels(RIM_PLATEAU_SLACK, seen.grid) * seen.pixel
    most = max(fewest + 1, int(RIM_ROWS_MAX * len(radius)))
    for rows, outward in ((body[body < middle], 1.0), (body[body > middle][::-1], -1.0)):
        caps = [
            count
            for count in range(fewest, min(len(rows) - plateau, most))
            # A rim ends the body where it is widest: rows just inside are no wider.
            if radius[rows[count + 1 : count + 1 + plateau]].max() <= radius[rows[count]] + slack
            and _explained_by_rim(radius, seen, rows[count], rows[:count], outward)
        ]
        if caps:
            radius[rows[: max(caps)]] = 0.0


def _stem_behind_rim(radius: np.ndarray, seen: _RowsSeen) -> None:
    """Seen from above, a cap's (a shade's) rim hangs in front of the stem it stands on: the
    rows from the widest row down to the stem show the rim's front half, not a cone under the
    cap. Those rows take the stem's radius, so the stem runs up behind them to the rim (in
    place), when the rim's front hangs at least a few rows below it at the read elevation and
    the rows under it lie on the rim for at least as many rows as are left between them and a
    stem much narrower than the rim (the rim's last rows narrow fast, where a smoothed profile
    and an elevation read a degree off put them beyond its tolerance)."""
    body = np.flatnonzero(radius > 0)
    if seen.tilt <= 0.0 or len(body) < 8:
        return
    fewest = round(reference_pixels(RIM_ROWS_MIN, seen.grid))
    slack = reference_pixels(RIM_PLATEAU_SLACK, seen.grid) * seen.pixel

    def rows_on_rim(rim: int) -> int:
        below = body[body > rim]
        count = 0
        while count < len(below) and _explained_by_rim(radius, seen, rim, below[: count + 1], -1.0):
            count += 1
        return count

    # The rim is one of the widest rows, which smoothing blurs over a few (a straight-sided
    # body is all widest rows, and no rim hangs from its middle).
    widest = body[int(np.argmax(radius[body]))]
    near = body[np.abs(body - widest) <= fewest]
    plateau = near[radius[near] >= radius[widest] - slack]
    on_rim, rim = max((rows_on_rim(row), row) for row in plateau)
    below = body[body > rim]
    # At the read elevation the rim's front must hang rows below it: a rim seen edge-on (near
    # the camera's height) has every row just under the cap on it, within the tilt's slack.
    front = _ray_slope(float(seen.heights[rim]), radius[rim], seen.tilt, seen.distance)
    hanging = int(np.count_nonzero(seen.ky[below] >= front))
    if min(on_rim, hanging) < fewest:
        return
    for start in range(on_rim, min(2 * on_rim, len(below) - fewest) + 1):
        stem = radius[below[start : start + fewest]]
        if stem.max() < STEM_SHARE * radius[rim] and np.ptp(stem) <= slack:
            radius[below[:start]] = radius[below[start]]
            return


def _explained_by_rim(
    radius: np.ndarray, seen: _RowsSeen, rim: int, beyond: np.ndarray, outward: float
) -> bool:
    """Whether the rows ``beyond`` row ``rim`` all lie on the outer half of the rim's circle
    (at the rim row's height on the axis, tilted by the elevation give or take
    :data:`RIM_TILT_SLACK`), in perspective, within :data:`RIM_TOLERANCE` of height."""
    depth = np.sqrt(np.maximum(radius[rim] ** 2 - radius[beyond] ** 2, 0.0))
    height, distance, ky = seen.heights[rim], seen.distance, seen.ky
    tolerance = reference_pixels(RIM_TOLERANCE, seen.grid) * seen.pixel
    for slack in RIM_TILT_SLACK:
        leaning = seen.tilt + math.radians(slack)
        slopes = [_ray_slope(height, z, leaning, distance) for z in (depth, -depth)]
        outer = outward * np.max(outward * np.array(slopes), axis=0)
        if np.max(np.abs(outer - ky[beyond]) * distance) <= tolerance:
            return True
    return False


def _ray_slope(height: float, z: np.ndarray, tilt: float, distance: float) -> np.ndarray:
    """The vertical ray slope at which the camera, ``distance`` away and tilted down by
    ``tilt`` (radians), sees the point ``height`` up the axis and ``z`` towards it."""
    camera_y = height * math.cos(tilt) - z * math.sin(tilt)
    camera_z = height * math.sin(tilt) + z * math.cos(tilt)
    return camera_y / (distance - camera_z)


def _at_edge_heights(
    field: np.ndarray,
    widest: np.ndarray,
    ray_heights: np.ndarray,
    heights: np.ndarray,
    error: np.ndarray,
    step: float,
) -> np.ndarray:
    """Each row's width error, moved to the profile rows whose circles make that row's edges
    (where the rays through its outermost pixels come deepest into the solid; the mean where
    several rows' errors land on one; ``widest`` is the field's maximum along each ray). In
    perspective and at an elevation an edge is made a row or more above or below its own:
    corrected in place, each row chased its neighbour's error and the profile rippled into
    rings."""
    total, count = np.zeros(len(heights)), np.zeros(len(heights))
    for row in np.flatnonzero((widest > -0.5 * step).any(axis=1)):
        cols = np.flatnonzero(widest[row] > -0.5 * step)
        for col in (cols[0], cols[-1]):
            height = ray_heights[row, int(np.argmax(field[row, col]))]
            source = int(np.argmin(np.abs(heights - height)))
            total[source] += error[row]
            count[source] += 1
    return np.where(count > 0, total / np.maximum(count, 1), 0.0)


def _fitted_heights(
    heights: np.ndarray,
    radius: np.ndarray,
    axis_ray_heights: np.ndarray,
    axis_ray_depths: np.ndarray,
    axis_column: np.ndarray,
) -> np.ndarray:
    """The profile's heights, shrunk above and below the centre so that in perspective the
    solid spans exactly the silhouette's rows on the axis.

    A row's circle seen from the camera's height is met by rays that climb as they recede, so
    profile heights read at z = 0 overshoot the top and bottom by a few percent.
    """
    rows = np.flatnonzero(axis_column)
    if len(rows) == 0:
        return heights
    depth_term = axis_ray_depths

    def reached(scaled: np.ndarray) -> np.ndarray:
        profile_heights, profile_radii = _square_ends(scaled, radius)
        profile = np.interp(axis_ray_heights.ravel(), profile_heights, profile_radii, 0, 0)
        return np.any(profile.reshape(axis_ray_heights.shape) > depth_term, axis=1)

    fitted = heights.copy()
    for side, top in ((heights > 0, True), (heights < 0, False)):
        low, high = 0.7, 1.0
        for _ in range(HEIGHT_FIT_STEPS):
            middle = 0.5 * (low + high)
            trial = fitted.copy()
            trial[side] = heights[side] * middle
            hit = np.flatnonzero(reached(trial))
            overshoots = len(hit) > 0 and (hit[0] < rows[0] if top else hit[-1] > rows[-1])
            low, high = (low, middle) if overshoots else (middle, high)
        fitted[side] = heights[side] * low
    return fitted


def _without_side_parts(radius_px: np.ndarray) -> np.ndarray:
    """The profile with short wide bulges inside the body taken out (ears, arms, a shelf:
    parts that stick out sideways for under SIDE_PART_ROWS of the body's height, between
    narrower rows); revolved they would be discs, left out they become round limbs. Bulges
    reaching the body's first or last tenth (a foot, a table top, a lid) stay."""
    body = np.flatnonzero(radius_px > 0)
    if len(body) < 8:
        return radius_px
    first, last = body[0], body[-1]
    span = radius_px[first : last + 1]
    size = max(3, int(SIDE_PART_ROWS * len(span)))
    opened = ndimage.grey_opening(span, size=size, mode="nearest")
    excess = span - opened
    bulges, count = ndimage.label(excess > 0.5)
    # Bulges reaching the body's first or last tenth (a foot, a base, a lid) stay.
    end = max(2, len(span) // 10)
    keep = np.isin(bulges, np.concatenate([bulges[:end], bulges[-end:]])) & (bulges > 0)
    for label in range(1, count + 1):
        rows = bulges == label
        # A round bulge (a snowman's middle) loses only a shallow cap to the opening; a side
        # part sticks out at least SIDE_PART_REACH of its own height.
        if excess[rows].max() < SIDE_PART_REACH * np.count_nonzero(rows):
            keep |= rows
    out = radius_px.copy()
    out[first : last + 1] = np.where(keep | (bulges == 0), span, opened)
    return out


def has_flange(mask: np.ndarray, axis: float) -> bool:
    """Whether revolving the outline about ``axis`` would make a flat disc: its widest rows
    (after :func:`_without_side_parts`) step out of the body by more than FLANGE_STEP of
    their width between two rows and narrow again before the body's first or last quarter
    (more body follows), with at least FLANGE_NECK_ROWS of body on the step's narrow side.
    Ears beside a head, arms held out from a body and wings read so; a lid, a lamp's shade or
    a mushroom's cap (its dome narrows only near the top) end the body, a collar below a
    wider base is not widest."""
    col = min(max(int(axis), 0), mask.shape[1] - 1)
    radius = np.zeros(mask.shape[0])
    for row in np.flatnonzero(mask[:, col]):
        left, right = axis_run(mask[row], col)
        radius[row] = max(min(axis - left, right - axis), 0.0)
    radius = _without_side_parts(radius)
    body = np.flatnonzero(radius > 0)
    if len(body) < 8:
        return False
    span = radius[body[0] : body[-1] + 1]
    end = max(2, len(span) // 4)
    widest = int(np.argmax(span))
    for row in np.flatnonzero(np.abs(np.diff(span)) > FLANGE_STEP * span[widest]):
        outward = 1 if span[row + 1] > span[row] else -1
        neck_rows = row + 1 if outward == 1 else len(span) - row - 1
        if neck_rows < FLANGE_NECK_ROWS:
            continue
        narrow = span[row] if outward == 1 else span[row + 1]
        start = row + 1 if outward == 1 else row
        flange = start
        while 0 <= flange + outward < len(span) and span[flange + outward] > narrow:
            flange += outward
        rows = range(min(start, flange), max(start, flange) + 1)
        if min(narrow, span[start]) > 0 and widest in rows and end <= flange < len(span) - end:
            return True
    return False


def _square_ends(heights: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The profile as ascending (heights, radii) for interpolation, each end of the body held
    at its radius up to half a row beyond its last row (where that row's pixels end) and
    dropping to zero there, instead of tapering over a whole row (a cone on a flat top)."""
    order = np.argsort(heights)
    heights, radius = heights[order], radius[order]
    body = radius > 0
    ends = np.flatnonzero(body[:-1] != body[1:])  # between ends[i] and ends[i] + 1
    inner = np.where(body[ends], ends, ends + 1)
    middle = 0.5 * (heights[ends] + heights[ends + 1])
    outward = np.sign(middle - heights[inner])
    gap = np.abs(heights[ends + 1] - heights[ends])
    extra_h = np.concatenate([middle, middle + 0.05 * gap * outward])
    extra_r = np.concatenate([radius[inner], np.zeros(len(ends))])
    all_h, all_r = np.concatenate([heights, extra_h]), np.concatenate([radius, extra_r])
    order = np.argsort(all_h, kind="stable")
    return all_h[order], all_r[order]


def _ray_interval(field: np.ndarray, depths: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per ray (last axis = depth samples, ascending), the sub-sample depths of the first and
    last positive field values, and whether the ray hits at all."""
    inside = field > 0
    hit = np.asarray(inside.any(axis=-1))
    count = len(depths)
    last = count - 1 - np.argmax(inside[..., ::-1], axis=-1)
    first = np.argmax(inside, axis=-1)
    step = float(depths[1] - depths[0])

    def crossing(index: np.ndarray, outward: int) -> np.ndarray:
        neighbour = np.clip(index + outward, 0, count - 1)
        f_in = np.take_along_axis(field, index[..., None], -1)[..., 0]
        f_out = np.take_along_axis(field, neighbour[..., None], -1)[..., 0]
        fraction = np.clip(f_in / np.maximum(f_in - f_out, 1e-9), 0.0, 1.0)
        return depths[index] + outward * step * fraction

    return crossing(last, 1), crossing(first, -1), hit


def mirror_axis(mask: np.ndarray) -> float:
    """The vertical line (grid column coordinate) about which the mask is most symmetric."""
    ys, xs = np.nonzero(mask)
    centre = 0.5 * (xs.min() + xs.max() + 1)
    best, best_score = centre, -1.0
    width = xs.max() - xs.min() + 1
    for offset in np.linspace(-0.1 * width, 0.1 * width, 21):
        axis = centre + offset
        score = mirror_iou(mask, axis)
        if score > best_score:
            best, best_score = axis, score
    return float(best)


def axis_run(line: np.ndarray, col: int) -> tuple[int, int]:
    """The run of True pixels of ``line`` that contains column ``col`` (inside it):
    its first column and the column after its last."""
    leftwards, rightwards = line[col::-1], line[col:]
    left = col + 1 - (np.argmin(leftwards) if not leftwards.all() else len(leftwards))
    right = col + (np.argmin(rightwards) if not rightwards.all() else len(rightwards))
    return int(left), int(right)


def body_axis(mask: np.ndarray, guess: float) -> float:
    """The median midpoint of the rows' runs that contain ``guess``: robust to a handle or
    spout on one side, which pulls the mirror axis towards it."""
    col = min(max(int(guess), 0), mask.shape[1] - 1)
    midpoints = []
    for row in np.flatnonzero(mask[:, col]):
        left, right = axis_run(mask[row], col)
        midpoints.append(0.5 * (left + right))
    return float(np.median(midpoints)) if midpoints else guess


def body_runs(mask: np.ndarray, axis: float) -> np.ndarray:
    """The mask with each row cut down to its run through the ``axis`` column: the turned
    body without a handle, a spout or arms beside it."""
    col = min(max(int(axis), 0), mask.shape[1] - 1)
    body = np.zeros_like(mask)
    for row in np.flatnonzero(mask[:, col]):
        left, right = axis_run(mask[row], col)
        body[row, left:right] = True
    return body


def mirror_iou(mask: np.ndarray, axis: float) -> float:
    """IoU of the mask with its mirror image about the column coordinate ``axis``."""
    n = mask.shape[1]
    cols = np.arange(n) + 0.5
    mirrored_cols = np.round(2.0 * axis - cols - 0.5).astype(int)
    valid = (mirrored_cols >= 0) & (mirrored_cols < n)
    mirrored = np.zeros_like(mask)
    mirrored[:, valid] = mask[:, mirrored_cols[valid]]
    union = np.count_nonzero(mask | mirrored)
    return np.count_nonzero(mask & mirrored) / union if union else 0.0


def _row_radii(silhouette: Silhouette, axis: float) -> np.ndarray:
    """Per row, the half-width of the silhouette run that contains the axis (0 if none): the
    nearer of its two edges, so a handle on one side does not widen the body; to a fraction
    of a pixel, edge pixels counting by their coverage."""
    mask = silhouette.mask
    coverage = np.clip(silhouette.sdf + 0.5, 0.0, 1.0)
    n = mask.shape[1]
    col = min(max(int(axis), 0), n - 1)
    radii = np.zeros(mask.shape[0])
    for row in np.flatnonzero(mask[:, col]):
        left, right = axis_run(mask[row], col)
        lo, hi = max(left - 1, 0), min(right + 1, n)
        left_width = float(coverage[row, lo:col].sum()) + (axis - col)
        right_width = float(coverage[row, col:hi].sum()) - (axis - col)
        radii[row] = max(min(left_width, right_width), 0.0)
    return radii


def vessel_plausibility(cues: Cues) -> tuple[float, str]:
    """The chooser's score and reason for the hollow-vessel reading: from the outline alone
    never preferred to the solid turned object (a vase's inside is unseen); the detected class
    chooses it (a mug, a cup: :mod:`i23d.engine.object_prior`)."""
    return (
        0.05 + 0.1 * cues.revolvable,
        f"hollow-vessel reading: the turned object open at its top, walls {VESSEL_WALL:.0%} of "
        "its radius",
    )


def plausibility(cues: Cues) -> tuple[float, str]:
    """The chooser's score (clipped to [0, 1]) and reason for the turned-object reading."""
    return (
        0.3 + 0.5 * cues.revolvable - 0.35 * cues.polygonal + 0.1 * cues.symmetry,
        f"turned-object reading: {cues.mirror}",
    )
