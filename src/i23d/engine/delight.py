"""De-lighting: the photo's shading taken out of the texture, so the model's colours are albedo.

A photo's colours are the albedo times the light the surface received; a model is lit again
wherever it is shown, so shading left in its texture counts twice (a side turned from the
light comes out dark twice over). The light is modelled as one directional light plus ambient,
``a + (1 - a) max(0, n·l)`` (a surface facing the light keeps the photo's colour), with ``n``
the model's own front surface normals.

The light is read from the photo: albedo changes at sharp edges while shading varies smoothly
(Retinex), so the photo is cut at its sharp edges into regions of one albedo each, and the
light is the one whose shading best explains how brightness varies inside them. Where that
explains too little, the texture is left as it is: a flat face says nothing of the light, and a
photo without shading (a drawing, an unlit render) has none to take out. A box's faces meet at
sharp edges too: brightness steps across the model's own creases are not taken for albedo edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image
from scipy import ndimage

from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette, extend_outside


@dataclass(frozen=True)
class Light:
    """A directional light (unit ``direction``, camera frame, towards the light) and the
    ``ambient`` share of the light a surface facing it receives."""

    direction: tuple[float, float, float]
    ambient: float


AMBIENTS = np.linspace(0.2, 0.8, 7)
"""Ambient shares tried (the rest is the directional light's)."""
DIRECTIONS = 96
"""Light directions tried, spread evenly over the hemisphere facing the camera."""
SAMPLES = 2000
"""Most pixels the light is fitted on."""
EDGE = 0.04
"""A step in log brightness between neighbouring grid pixels above this is an albedo edge
(shading changes by a few hundredths per grid pixel)."""
CREASE = 20.0
"""Degrees between neighbouring normals, both facing the camera, at which a brightness step is
the model's crease (a box's edge: the same albedo, lit differently on either side), not an
albedo edge: on boxes the regions then run across faces and show their shading (dev boxes'
input-view PSNR +1.3 to +6.8 dB; without it no light was fitted on any box)."""
FACING = 0.3
"""A normal faces the camera for :data:`CREASE` above this z (across a depth jump, a leg in
front of a body, the grid's normals turn edge-on: that step stays an edge)."""
MIN_REGION = 12
"""Regions smaller than this (grid pixels) say too little of the shading and are left out."""
EXPLAINED = 0.3
"""The fitted light must explain at least this fraction of the brightness variation inside the
regions for the texture to be de-lit."""
MIN_VARIATION = 0.01
"""... and that variation must be at least this, as the RMS of log brightness about each
region's mean (a flat colour's is 0)."""
MAX_GAIN = 2.5
"""The most a texel is brightened (a dark pixel's noise is not worth more)."""
GAIN_SIDE = 512
"""The gain is worked out at most this many texels across, then resized to the texture: it
follows the normals, which are smooth at that scale (at full size a 2048² texture took 0.48 s)."""


def front_normals(silhouette: Silhouette, interval: DepthInterval) -> np.ndarray:
    """Unit normals (n, n, 3), camera frame, of the solid's front surface at each grid pixel,
    turned towards the camera (outside the silhouette: the nearest inside pixel's)."""
    mask = silhouette.mask
    front = np.where(mask & np.isfinite(interval.front), interval.front, 0.0)
    front = extend_outside(front, mask)
    kx, ky = silhouette.ray_slopes()
    depth = silhouette.distance - front
    points = np.stack([kx[None, :] * depth, ky[:, None] * depth, front], axis=-1)
    normals = np.cross(np.gradient(points, axis=0), np.gradient(points, axis=1))
    normals *= np.where(normals[..., 2:] < 0, -1.0, 1.0)
    length = np.linalg.norm(normals, axis=-1, keepdims=True)
    return np.where(length > 1e-12, normals / np.maximum(length, 1e-12), [0.0, 0.0, 1.0])


def shading(normals: np.ndarray, light: Light) -> np.ndarray:
    """The light a surface of these normals receives, 1 where it faces the light."""
    facing = np.maximum(normals @ np.asarray(light.direction, normals.dtype), 0.0)
    return light.ambient + (1.0 - light.ambient) * facing


def fit_light(
    log_grey: np.ndarray, normals: np.ndarray, mask: np.ndarray
) -> tuple[Light | None, float]:
    """The light whose shading best explains how log brightness varies inside the regions of
    one albedo, and the fraction of that variation it explains (None and 0 when the regions
    are too small or their brightness under :data:`MIN_VARIATION`)."""
    labels = _flat_regions(log_grey, mask, normals)
    rows, cols = np.nonzero(labels)
    if len(rows) < 2 * MIN_REGION:
        return None, 0.0
    if len(rows) > SAMPLES:
        pick = np.random.default_rng(0).choice(len(rows), SAMPLES, replace=False)
        rows, cols = rows[pick], cols[pick]
    order = np.argsort(labels[rows, cols], kind="stable")
    rows, cols = rows[order], cols[order]
    region = labels[rows, cols]
    starts = np.flatnonzero(np.r_[True, region[1:] != region[:-1]])
    sizes = np.diff(np.r_[starts, len(region)])
    value = log_grey[rows, cols]

    def unexplained(log_shading: np.ndarray) -> np.ndarray:
        """Per column of ``log_shading``: the squared residual left inside the regions."""
        residual = value[:, None] - log_shading
        means = np.add.reduceat(residual, starts, axis=0) / sizes[:, None]
        return np.sum((residual - np.repeat(means, sizes, axis=0)) ** 2, axis=0)

    total = float(unexplained(np.zeros((len(value), 1)))[0])
    if total < MIN_VARIATION**2 * len(value):
        return None, 0.0
    directions = _hemisphere(DIRECTIONS)
    facing = np.maximum(normals[rows, cols] @ directions.T, 0.0)
    best, light = np.inf, None
    for ambient in AMBIENTS:
        left = unexplained(np.log(ambient + (1.0 - ambient) * facing))
        k = int(np.argmin(left))
        if left[k] < best:
            best, light = float(left[k]), Light(tuple(directions[k]), float(ambient))
    return light, 1.0 - best / total


def delit_texture(
    texture: Image.Image, silhouette: Silhouette, interval: DepthInterval
) -> Image.Image:
    """``texture`` (the photo's colours, pixel-aligned with the silhouette's grid) divided by
    the shading of the solid's front surface under the photo's light (:func:`fit_light`);
    unchanged when the fit explains under :data:`EXPLAINED` of the brightness variation."""
    rgb = np.asarray(texture.convert("RGB"))
    n, size = silhouette.n, rgb.shape[0]
    small = cv2.resize(rgb, (n, n), interpolation=cv2.INTER_AREA).astype(np.float32)
    log_grey = np.log(np.maximum(small.mean(axis=2), 1.0) / 255.0)
    normals = front_normals(silhouette, interval)
    light, explained = fit_light(log_grey, normals, silhouette.mask)
    if light is None or explained < EXPLAINED:
        return texture
    side = min(size, GAIN_SIDE)
    fine = cv2.resize(normals.astype(np.float32), (side, side), interpolation=cv2.INTER_LINEAR)
    fine = fine / np.maximum(np.linalg.norm(fine, axis=-1, keepdims=True), 1e-6)
    gain = np.minimum(1.0 / shading(fine, light), MAX_GAIN).astype(np.float32)
    gain = np.asarray(cv2.resize(gain, (size, size), interpolation=cv2.INTER_LINEAR))
    return Image.fromarray(cv2.multiply(rgb, cv2.merge([gain] * 3), dtype=cv2.CV_8U))


def _hemisphere(count: int) -> np.ndarray:
    """``count`` unit vectors spread evenly over the hemisphere z > 0 (a Fibonacci spiral)."""
    index = np.arange(count) + 0.5
    z = 1.0 - index / count
    radius = np.sqrt(1.0 - z**2)
    angle = index * np.pi * (3.0 - np.sqrt(5.0))
    return np.stack([radius * np.cos(angle), radius * np.sin(angle), z], axis=1)


def _flat_regions(log_grey: np.ndarray, mask: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Labels (0: none) of the regions of one albedo: the mask's pixels two pixels in from the
    outline, cut wherever log brightness steps by more than EDGE to a neighbour, except across
    a crease of the model (:data:`CREASE`), less regions under MIN_REGION pixels."""
    facing = normals[..., 2] > FACING
    bend = np.cos(np.radians(CREASE))
    crease_x = (np.sum(normals[:, 1:] * normals[:, :-1], axis=-1) < bend) & facing[:, 1:]
    crease_y = (np.sum(normals[1:] * normals[:-1], axis=-1) < bend) & facing[1:]
    step_x = (np.abs(np.diff(log_grey, axis=1)) > EDGE) & ~(crease_x & facing[:, :-1])
    step_y = (np.abs(np.diff(log_grey, axis=0)) > EDGE) & ~(crease_y & facing[:-1])
    edge = np.zeros(mask.shape, bool)
    edge[:, 1:] |= step_x
    edge[:, :-1] |= step_x
    edge[1:] |= step_y
    edge[:-1] |= step_y
    labels, count = ndimage.label(ndimage.binary_erosion(mask, iterations=2) & ~edge)
    small = np.bincount(labels.ravel(), minlength=count + 1) < MIN_REGION
    small[0] = True
    return np.where(small[labels], 0, labels)
