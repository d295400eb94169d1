"""Texture transfer: colour a new UV atlas from the source model's textured surface.

Each target vertex is projected onto the nearest source triangle (found through a k-d tree of
points spread over every source triangle), whose UVs give the vertex's spot in the source
texture. Every texel a target triangle covers in the new atlas interpolates those spots, and
samples the source texture there (bilinear). Where a target triangle's corners fall in
different source UV islands (it straddles a source seam), each of its texels is instead mapped
to its 3-D point and looked up on the source surface itself. Empty texels between charts take
the colour of the nearest covered texel, so filtering and mip maps never pull in a background.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
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

MIN_TRIANGLE_TEXELS = 1e-4
"""Atlas area (in texels) below which a triangle counts as a zero-area sliver."""


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
    source = _SourceSurface(source_vertices, source_faces, source_uv)
    # Fast path: each target vertex's spot in the source texture, interpolated across the
    # target triangle, wherever its three corners land in one source UV island.
    corner_uv, corner_island = source.locate(vertices)
    one_island = (corner_island[faces] == corner_island[faces][:, :1]).all(axis=1)
    face_uv = corner_uv.astype(np.float32)[faces]  # (F, 3, 2)
    where = np.einsum("nk,nkd->nd", barycentric, face_uv[triangle])
    # Triangles that straddle a source seam: look every texel up on the source surface.
    straddling = ~one_island[triangle]
    if straddling.any():
        points = np.einsum(
            "nk,nkd->nd", barycentric[straddling], vertices[faces[triangle[straddling]]]
        )
        where[straddling] = source.locate(points)[0]
    colours = _sample(np.asarray(source_texture.convert("RGB")), where)
    image = np.zeros((size, size, 3), dtype=np.uint8)
    image[texel[:, 1], texel[:, 0]] = colours
    covered = np.zeros((size, size), dtype=bool)
    covered[texel[:, 1], texel[:, 0]] = True
    return Image.fromarray(_fill_empty(image, covered))


class _SourceSurface:
    """The source model's surface, for finding where 3-D points fall in its texture."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray, uv: np.ndarray) -> None:
        self.corners = np.asarray(vertices, dtype=np.float64)[faces]  # (F, 3, 3)
        self.corner_uv = np.asarray(uv, dtype=np.float64)[faces]  # (F, 3, 2)
        samples = np.einsum("sk,fkd->fsd", _SAMPLE_BARYCENTRICS, self.corners).reshape(-1, 3)
        self.tree = cKDTree(samples)
        # UV islands: faces joined through shared vertices (textured meshes split at seams)
        count = len(faces)
        rows = np.repeat(np.arange(count), 3)
        graph = coo_matrix(
            (np.ones(3 * count), (rows, np.asarray(faces).ravel())), shape=(count, len(vertices))
        ).tocsr()
        self.island = connected_components(graph @ graph.T, directed=False)[1]

    def locate(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Source UV (N, 2) and UV island (N,) of the closest source point to each point."""
        triangle, barycentric = _closest_on_source(self.corners, self.tree, points)
        where = np.einsum("nk,nkd->nd", barycentric, self.corner_uv[triangle])
        return where, self.island[triangle]


def _rasterise(
    faces: np.ndarray, uv: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every covered texel: its triangle, barycentrics (clamped inside) and (x, y) texel.

    Texel (x, y) has its centre at u = (x + 0.5) / size, v = 1 - (y + 0.5) / size. Triangles
    with no area in the atlas (zero-area slivers) are skipped: drawn, they would paint a line
    of their own colour across their neighbours.
    """
    pixels = np.empty_like(uv, dtype=np.float64)
    pixels[:, 0] = uv[:, 0] * size - 0.5
    pixels[:, 1] = (1.0 - uv[:, 1]) * size - 0.5
    corners = pixels[faces]  # (F, 3, 2)
    fixed = np.round(corners * (1 << SUBPIXEL_BITS)).astype(np.int32)
    edges = corners[:, 1:] - corners[:, :1]
    area = np.abs(edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0]) / 2
    owner = np.full((size, size), -1, dtype=np.int32)
    for index in np.flatnonzero(area > MIN_TRIANGLE_TEXELS).tolist():
        polygon = fixed[index]
        cv2.fillConvexPoly(owner, polygon, index, lineType=cv2.LINE_8, shift=SUBPIXEL_BITS)
    ys, xs = np.nonzero(owner >= 0)
    triangle = owner[ys, xs].astype(np.int64)
    tri = corners.astype(np.float32)[triangle]
    e1 = tri[:, 1] - tri[:, 0]
    e2 = tri[:, 2] - tri[:, 0]
    dx = xs.astype(np.float32) - tri[:, 0, 0]
    dy = ys.astype(np.float32) - tri[:, 0, 1]
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    flat = np.abs(det) <= 1e-9
    det[flat] = 1.0
    b1 = (dx * e2[:, 1] - dy * e2[:, 0]) / det
    b2 = (e1[:, 0] * dy - e1[:, 1] * dx) / det
    barycentric = _clamp_barycentric(np.stack([1.0 - b1 - b2, b1, b2], axis=1))
    barycentric[flat] = 1.0 / 3.0
    return triangle, barycentric, np.stack([xs, ys], axis=1)


def _closest_on_source(
    corners: np.ndarray, tree: cKDTree, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest source triangle of each point and the point's projection into it (barycentric).

    The k-d tree holds :data:`_SAMPLE_BARYCENTRICS` points of every triangle; the triangle of
    the nearest sample is the nearest triangle, or a neighbour of it sharing the closest edge.
    """
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
    """Fill uncovered texels from their covered surroundings ("push-pull").

    Coverage-weighted averages are pushed down an image pyramid; going back up, each level
    fills its empty texels from the coarser level, so a gap takes the colour of the charts
    around it (near a chart, that chart's edge colour) and no texel stays black.
    """
    if covered.all() or not covered.any():
        return image
    colour = image.astype(np.float32) * covered[..., None]
    weight: np.ndarray = covered.astype(np.float32)
    pyramid = [(colour, weight)]
    while max(colour.shape[:2]) > 1:
        height, width = colour.shape[:2]
        half = (max(1, width // 2), max(1, height // 2))
        colour = cv2.resize(colour, half, interpolation=cv2.INTER_AREA)
        weight = cv2.resize(weight, half, interpolation=cv2.INTER_AREA)
        pyramid.append((colour, weight))
    filled = colour / np.maximum(weight, 1e-12)[..., None]
    for colour, weight in reversed(pyramid[:-1]):
        height, width = colour.shape[:2]
        coarse = cv2.resize(filled, (width, height), interpolation=cv2.INTER_LINEAR)
        mean = colour / np.maximum(weight, 1e-12)[..., None]
        filled = np.where(weight[..., None] > 0, mean, coarse)
    result = np.clip(filled + 0.5, 0, 255).astype(np.uint8)
    result[covered] = image[covered]
    return result
