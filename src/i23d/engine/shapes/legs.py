"""Legs under a body seen side-on: near and far pairs, not one leg in the mid-plane.

A four-legged animal photographed from the side shows each pair of legs one over the other, so
each leg in the outline stands for two, one under each flank. Rounded inflation alone puts a
single tube in the body's mid-plane, and seen from the front the model stands on one column of
legs. Legs are found in the outline as thin parts hanging from the bottom of a body longer than
it is tall, at both its ends; each is built twice, under the body's near and far flanks, and
carried up into the body so the copies stay joined to it. Two legs seen at one end (a walking
animal's, astride) are one each: the lower-footed is the near one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from i23d.engine.shapes.base import DEPTH_MARGIN, DepthInterval, SampledSolid, depth_samples
from i23d.engine.silhouette import Silhouette, extend_outside, without_thin_parts

THIN = 0.55  # a leg's half-width is below this fraction of the body's (largest) half-width
BODY_ASPECT = 1.3  # the body (the outline less its thin parts) is at least this wide as tall
SPREAD = 0.4  # the outermost legs' centres lie at least this fraction of the body's width apart
GROUND = 0.1  # a leg reaches to within this fraction of the outline's height of its bottom
TALL = 1.2  # a leg is at least this much taller than wide
STANCE = 0.6
"""A leg's centre stands this fraction of the body's half-width out from its mid-plane (a
horse's, a cow's or a dog's legs stand in from its flanks: about 0.55 to 0.6)."""
FOOT_GAP = 0.01
"""Of the grid's side: how much lower one of two legs' feet must be to be the near one (the
ground seen from a camera at the animal's middle height puts it about that much lower)."""


@dataclass(frozen=True)
class Leg:
    """One leg of the outline: its pixels, its shaft's half-width, the body's half-width above it
    (grid pixels), the rows the leg is carried up through the body (``top`` to ``start``) and
    its foot's row (its lowest)."""

    pixels: np.ndarray
    radius: float
    body_radius: float
    columns: np.ndarray
    top: int
    start: int
    foot: int


def find_legs(mask: np.ndarray) -> list[Leg]:
    """The legs of a body seen side-on, or an empty list when the outline is not one."""
    inside = ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
    radius = float(inside.max())
    if radius < 2.0:
        return []
    body = without_thin_parts(mask, THIN)
    rows, cols = np.nonzero(body)
    if len(rows) == 0:
        return []
    width, height = np.ptp(cols) + 1, np.ptp(rows) + 1
    if width < BODY_ASPECT * height:
        return []
    mask_rows = np.flatnonzero(mask.any(axis=1))
    bottom, mask_height = mask_rows[-1], mask_rows[-1] - mask_rows[0] + 1
    body_middle = rows.mean()
    labels, count = ndimage.label(mask & ~body, structure=np.ones((3, 3)))
    touching = ndimage.binary_dilation(body, structure=np.ones((3, 3)))
    legs = []
    parts = [piece for index in range(1, count + 1) for piece in _astride(labels == index)]
    for part in parts:
        part_rows, part_cols = np.nonzero(part)
        top = int(part_rows.min())
        leg_width = np.ptp(part_cols) + 1
        if (
            part_rows.max() < bottom - GROUND * mask_height
            or top < body_middle
            or np.ptp(part_rows) + 1 < TALL * leg_width
            or not (part & touching).any()
        ):
            continue
        columns = np.unique(part_cols)
        above = body[:, columns]
        body_radius = float(inside[:, columns][above].max())
        start = int(np.argmax(np.where(above, inside[:, columns], -1.0).max(axis=1)))
        legs.append(
            Leg(
                pixels=part,
                radius=_shaft_radius(inside, part),
                body_radius=body_radius,
                columns=columns,
                top=top,
                start=min(start, top),
                foot=int(part_rows.max()),
            )
        )
    if len(legs) < 2:
        return []
    centres = [leg.columns.mean() for leg in legs]
    if max(centres) - min(centres) < SPREAD * width:
        return []
    return legs


def _astride(part: np.ndarray) -> list[np.ndarray]:
    """A part of the outline below the body as the legs it holds: two legs astride that join
    before they reach the body (a Λ: whether the body's opening splits them there depends on
    the grid) are split where a pixel is nearer one foot than the other; any other part is
    one."""
    rows = np.flatnonzero(part.any(axis=1))
    lowest = part.copy()
    lowest[: rows[0] + 2 * len(rows) // 3] = False
    feet, count = ndimage.label(lowest, structure=np.ones((3, 3)))
    if count != 2:
        return [part]
    _, (foot_rows, foot_cols) = ndimage.distance_transform_edt(feet == 0, return_indices=True)
    nearest = feet[foot_rows, foot_cols]
    return [part & (nearest == 1), part & (nearest == 2)]


def _shaft_radius(inside: np.ndarray, part: np.ndarray) -> float:
    """A leg's half-width along its shaft: the median over its rows of the row's deepest
    inside distance (its widest row is where it joins the body)."""
    deepest = np.where(part, inside, 0.0).max(axis=1)
    return float(np.median(deepest[deepest > 0.0]))


def split_legs(silhouette: Silhouette, interval: DepthInterval, legs: list[Leg]) -> DepthInterval:
    """``interval`` with each leg moved from the mid-plane to a pair under the body's flanks:
    the solid is sampled, as a ray may now cross the body's near and far legs both.

    Every grid pixel takes the tube of its nearest inside pixel, as the mesher extends a
    prior's intervals, so the outline alone decides where the solid ends across the grid."""
    pixel, mask, distance = silhouette.pixel, silhouette.mask, silhouette.distance
    _, ky = silhouette.ray_slopes()
    inside = np.maximum(silhouette.sdf, 0.0)
    rounded_front = extend_outside(interval.front, mask)
    rounded_back = extend_outside(interval.back, mask)
    front, back = rounded_front, rounded_back
    on_legs = np.zeros(mask.shape, bool)
    tubes: list[tuple[np.ndarray, float]] = []  # (half depth, 0 where none), centre depth
    for leg, sides in zip(legs, leg_sides(legs), strict=True):
        offset = max(STANCE * leg.body_radius, leg.radius) * pixel
        half = extend_outside(_carried_up(_round_section(inside, leg) * pixel, leg, mask), mask)
        if sides == (1.0, -1.0):
            # Both feet stand where the near one does: along the rays the far copy would
            # reach lower than the photo's ground, and lengthen the model.
            ground = ky[leg.foot] * (distance - offset)
            above_ground = (ky * (distance + offset) >= ground)[:, None]
            tubes += [(half, offset), (np.where(above_ground, half, 0.0), -offset)]
        else:
            tubes.append((half, sides[0] * offset))
        on_leg = extend_outside(leg.pixels, mask)
        on_legs |= on_leg
        front = np.where(on_leg, max(sides) * offset + half, front)
        back = np.where(on_leg, min(sides) * offset - half, back)
    depths = depth_samples(float(back[mask].min()), float(front[mask].max()), pixel)
    base_front = np.where(on_legs, -np.inf, rounded_front)
    field = np.minimum(base_front[:, :, None] - depths, depths - rounded_back[:, :, None])
    for half, centre in tubes:
        tube = half[:, :, None] - np.abs(depths - centre)
        field = np.where((half > 0.0)[:, :, None], np.maximum(field, tube), field)
    field = np.maximum(field, -pixel * (1 + DEPTH_MARGIN))
    return DepthInterval(
        front=np.where(mask, front, interval.front),
        back=np.where(mask, back, interval.back),
        sampled=SampledSolid(field, depths),
    )


def leg_sides(legs: list[Leg]) -> list[tuple[float, ...]]:
    """Which flank (+1 near, -1 far) each leg is built under. A leg alone at its end of the
    body stands for both; of two at one end (legs astride, both seen) the one whose foot is
    lower in the photo is the near one, on ground seen from above its level."""
    centres = np.array([leg.columns.mean() for leg in legs])
    middle = (centres.min() + centres.max()) / 2.0
    sides: list[tuple[float, ...]] = [(1.0, -1.0)] * len(legs)
    for end in (centres < middle, centres >= middle):
        pair = np.flatnonzero(end)
        if len(pair) != 2:
            continue
        feet = [legs[i].foot for i in pair]
        if abs(feet[0] - feet[1]) >= FOOT_GAP * legs[0].pixels.shape[0]:
            near = pair[int(np.argmax(feet))]
            for i in pair:
                sides[i] = (1.0,) if i == near else (-1.0,)
    return sides


def _round_section(inside: np.ndarray, leg: Leg) -> np.ndarray:
    """Half depths (grid pixels) of a round leg: on each row a circle across the leg's width,
    from each pixel's distance to the outline, no narrower than the shaft's where the leg
    tapers to its tip (the outline's last rows stay deep enough to mesh). Zero off the leg."""
    across = np.where(leg.pixels, inside, 0.0)
    radius = np.maximum(across.max(axis=1, keepdims=True), leg.radius)
    return np.where(leg.pixels, np.sqrt(np.maximum(across * (2.0 * radius - across), 0.0)), 0.0)


def _carried_up(half: np.ndarray, leg: Leg, mask: np.ndarray) -> np.ndarray:
    """The leg's half depths continued up through the body from its top to ``leg.start``,
    each column keeping the leg's cross-section a little below its top."""
    half = half.copy()
    sample_row = min(leg.top + max(int(leg.radius), 1), mask.shape[0] - 1)
    rows = np.arange(leg.start, leg.top + 1)
    for column in leg.columns:
        across = half[sample_row, column] if leg.pixels[sample_row, column] else 0.0
        if across <= 0.0:
            across = half[:, column].max()
        inside = rows[mask[rows, column] & ~leg.pixels[rows, column]]
        half[inside, column] = across
    return half
