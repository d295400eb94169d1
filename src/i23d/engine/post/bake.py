"""Texture transfer: colour a new UV atlas from the source model's textured surface.

Every texel a target triangle covers in UV space is mapped to its 3-D point; the point is
projected onto the nearest source triangle (found through a k-d tree of points spread over each
source triangle), whose UVs give the spot to sample in the source texture (bilinear). Empty
texels between charts take the colour of the nearest covered texel, so filtering and mip maps
never pull in a background colour.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.spatial import cKDTree

# Barycentric coordinates of the seven points per source triangle the k-d tree holds:
# the centroid, three points towards the corners and three towards the edge midpoints.
_SAMPLE_BARYCENTRICS = np.array(
    [
        [1 / 3, 1 / 3, 1 / 3],
        [2 / 3, 1 / 6, 1 / 6],
        [1 / 6, 2 / 3, 1 / 6],
        [1 / 6, 1 / 6, 2 / 3],
        [1 / 6, 5 / 12, 5 / 12],
        [5 / 12, 1 / 6, 5 / 12],
        [5 / 12, 5 / 12, 1 / 6],
    ]
)

SUBPIXEL_BITS = 4
"""Fixed-point fraction bits of triangle corners when rasterising into the atlas."""


def resample_texture(texture: Image.Image, size: int) -> Image.Image:
    """The same texture at ``size``×``size`` (area filter down, bicubic up); for unchanged UVs."""
    array = np.asarray(texture.convert("RGB"))
    shrinking = size < max(array.shape[:2])
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return Image.fromarray(cv2.resize(array, (size, size), interpolation=interpolation))


def bake_texture(
    source_vertices: np.ndarray,
    source_faces: np.ndarray,
    source_uv: np.ndarray,
    source_texture: Image.Image,
    vertices: np.ndarray,
    faces: np.ndarray,
    uv: np.ndarray,
    size: int,
) -> Image.Image:
    """A ``size``×``size`` RGB texture for (``vertices``, ``faces``, ``uv``) from the source."""
    triangle, barycentric, texel = _rasterise(faces, uv, size)
    points = np.einsum("nk,nkd->nd", barycentric, vertices[faces[triangle]])
    source_triangle, source_barycentric = _closest_on_source(source_vertices, source_faces, points)
    where = np.einsum("nk,nkd->nd", source_barycentric, source_uv[source_faces[source_triangle]])
    colours = _sample(np.asarray(source_texture.convert("RGB")), where)
    image = np.zeros((size, size, 3), dtype=np.uint8)
    image[texel[:, 1], texel[:, 0]] = colours
    covered = np.zeros((size, size), dtype=bool)
    covered[texel[:, 1], texel[:, 0]] = True
    return Image.fromarray(_fill_empty(image, covered))


def _rasterise(
    faces: np.ndarray, uv: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every covered texel: its triangle, barycentrics (clamped inside) and (x, y) texel.

    Texel (x, y) has its centre at u = (x + 0.5) / size, v = 1 - (y + 0.5) / size.
    """
    pixels = np.empty_like(uv, dtype=np.float64)
    pixels[:, 0] = uv[:, 0] * size - 0.5
    pixels[:, 1] = (1.0 - uv[:, 1]) * size - 0.5
    corners = pixels[faces]  # (F, 3, 2)
    fixed = np.round(corners * (1 << SUBPIXEL_BITS)).astype(np.int32)
    owner = np.full((size, size), -1, dtype=np.int32)
    for index, polygon in enumerate(fixed):
        cv2.fillConvexPoly(owner, polygon, index, lineType=cv2.LINE_8, shift=SUBPIXEL_BITS)
    ys, xs = np.nonzero(owner >= 0)
    triangle = owner[ys, xs].astype(np.int64)
    tri = corners[triangle]
    p = np.stack([xs, ys], axis=1).astype(np.float64)
    e1 = tri[:, 1] - tri[:, 0]
    e2 = tri[:, 2] - tri[:, 0]
    d = p - tri[:, 0]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    safe = np.where(np.abs(det) > 1e-12, det, 1.0)
    b1 = (d[:, 0] * e2[:, 1] - d[:, 1] * e2[:, 0]) / safe
    b2 = (e1[:, 0] * d[:, 1] - e1[:, 1] * d[:, 0]) / safe
    barycentric = _clamp_barycentric(np.stack([1.0 - b1 - b2, b1, b2], axis=1))
    barycentric[np.abs(det) <= 1e-12] = 1.0 / 3.0
    return triangle, barycentric, np.stack([xs, ys], axis=1)


def _closest_on_source(
    vertices: np.ndarray, faces: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest source triangle of each point and the point's projection into it (barycentric)."""
    corners = vertices[faces]  # (F, 3, 3)
    samples = np.einsum("sk,fkd->fsd", _SAMPLE_BARYCENTRICS, corners).reshape(-1, 3)
    tree = cKDTree(samples)
    _, nearest = tree.query(points, k=1, workers=-1)
    triangle = nearest // len(_SAMPLE_BARYCENTRICS)
    tri = corners[triangle]
    e1 = tri[:, 1] - tri[:, 0]
    e2 = tri[:, 2] - tri[:, 0]
    d = points - tri[:, 0]
    d11 = np.einsum("ij,ij->i", e1, e1)
    d12 = np.einsum("ij,ij->i", e1, e2)
    d22 = np.einsum("ij,ij->i", e2, e2)
    p1 = np.einsum("ij,ij->i", d, e1)
    p2 = np.einsum("ij,ij->i", d, e2)
    det = d11 * d22 - d12 * d12
    safe = np.where(det > 1e-30, det, 1.0)
    b1 = (d22 * p1 - d12 * p2) / safe
    b2 = (d11 * p2 - d12 * p1) / safe
    barycentric = _clamp_barycentric(np.stack([1.0 - b1 - b2, b1, b2], axis=1))
    barycentric[det <= 1e-30] = 1.0 / 3.0
    return triangle, barycentric


def _clamp_barycentric(barycentric: np.ndarray) -> np.ndarray:
    """Pull barycentric coordinates into the triangle (negatives to 0, renormalised)."""
    clamped = np.clip(barycentric, 0.0, None)
    total = clamped.sum(axis=1, keepdims=True)
    return np.divide(clamped, total, out=np.full_like(clamped, 1.0 / 3.0), where=total > 0)


def _sample(texture: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Bilinear colours (N, 3) of an RGB texture at UVs (v up), clamped at the border."""
    height, width = texture.shape[:2]
    # cv2.remap takes maps of fewer than 32767 rows and columns: lay the points out in rows.
    row = 1024
    padded = -(-len(uv) // row) * row
    map_x = np.zeros(padded, dtype=np.float32)
    map_y = np.zeros(padded, dtype=np.float32)
    map_x[: len(uv)] = uv[:, 0] * width - 0.5
    map_y[: len(uv)] = (1.0 - uv[:, 1]) * height - 0.5
    colours = cv2.remap(
        texture,
        map_x.reshape(-1, row),
        map_y.reshape(-1, row),
        interpolation=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return colours.reshape(-1, 3)[: len(uv)]


def _fill_empty(image: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Give each uncovered texel the colour of the nearest covered one."""
    if covered.all() or not covered.any():
        return image
    _, (rows, cols) = ndimage.distance_transform_edt(~covered, return_indices=True)
    return image[rows, cols]
