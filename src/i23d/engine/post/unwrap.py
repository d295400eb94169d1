"""UV atlases for remeshed models: box-projection charts packed by xatlas.

xatlas' own chart segmentation takes 20-30 s on a 50k-face reconstructed surface (it finds
~1,700 charts on the marching-cubes noise) and may cut a quad along its diagonal. Here each
polygon instead takes the axis its normal faces most (smoothed over neighbours, so charts are
few and large), every connected same-axis region is projected flat along that axis (at most
~55 degrees from square-on: at most 1.7x stretch), and xatlas packs the charts. Quads are
labelled whole, so a quad never straddles two charts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
import xatlas
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from i23d.engine.asset import triangulate_quads

AXES = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float64
)
"""The six projection directions; a polygon is charted with the one its normal faces most."""

# For each axis, the (u, v) directions of a viewer looking at that side from outside,
# so projected polygons keep their counter-clockwise winding.
_PROJECTIONS = np.array(
    [
        [[0, 0, -1], [0, 1, 0]],
        [[0, 0, 1], [0, 1, 0]],
        [[1, 0, 0], [0, 0, -1]],
        [[1, 0, 0], [0, 0, 1]],
        [[1, 0, 0], [0, 1, 0]],
        [[-1, 0, 0], [0, 1, 0]],
    ],
    dtype=np.float64,
)

DEGENERATE_AREA = 1e-6
"""Projected area (model units², so mm² for a 1 m model) under which xatlas may drop a
triangle (its own cut-off is FLT_EPSILON); such triangles' lone corners are placed by hand."""

SMOOTHING_ROUNDS = 3
"""Majority-vote rounds over neighbouring polygons, which absorb noise-sized charts."""


@dataclass(frozen=True)
class Unwrapped:
    """A mesh cut along its UV seams: ``source_vertex[i]`` is the input vertex of vertex ``i``.

    ``faces`` are triangles over the new vertices; ``quads`` (when the input had quads) are the
    quads over the same vertices, with ``faces`` their 0-2 split (see :mod:`i23d.engine.asset`).
    """

    source_vertex: np.ndarray
    faces: np.ndarray
    uv: np.ndarray
    quads: np.ndarray | None


def padding_texels(size: int) -> int:
    """Gap between charts, in texels, so bilinear filtering and mip levels do not bleed."""
    return max(2, size // 256)


def unwrap(vertices: np.ndarray, polygons: np.ndarray, size: int) -> Unwrapped:
    """Non-overlapping UVs in [0, 1] for a ``size``×``size`` texture.

    ``polygons`` are (F, 3) triangles or (Q, 4) quads over ``vertices``.
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    polygons = np.asarray(polygons, dtype=np.int64)
    label = _axis_labels(vertices, polygons)
    chart = _charts(polygons, label)
    corners = vertices[polygons]  # (P, k, 3)
    projection = _PROJECTIONS[label]  # (P, 2, 3)
    corner_uv = np.einsum("pkd,pjd->pkj", corners, projection)
    # One UV vertex per (vertex, chart): seams separate charts, charts stay connected inside.
    keys = np.stack([polygons.ravel(), np.repeat(chart, polygons.shape[1])], axis=1)
    unique_keys, uv_index = np.unique(keys, axis=0, return_inverse=True)
    uv_index = uv_index.reshape(polygons.shape)
    projected = np.zeros((len(unique_keys), 2))
    projected[uv_index.ravel()] = corner_uv.reshape(-1, 2)
    projected += _chart_offsets(unique_keys[:, 1], vertices)
    triangles = triangulate_quads(uv_index) if polygons.shape[1] == 4 else uv_index
    atlas = xatlas.Atlas()
    atlas.add_uv_mesh(
        np.ascontiguousarray(projected, dtype=np.float32),
        np.ascontiguousarray(triangles, dtype=np.uint32),
    )
    atlas.generate(xatlas.ChartOptions(), _pack_options(size))
    packed_vertex, faces, uv = atlas[0]
    faces = faces.astype(np.int64)
    source_vertex = unique_keys[packed_vertex.astype(np.int64), 0]
    if len(faces) != len(triangles):
        raise RuntimeError(f"UV packing returned {len(faces)} of {len(triangles)} triangles")
    uv = _place_stray_vertices(
        vertices[source_vertex], faces, uv.astype(np.float64), projected[triangles]
    )
    quads = None
    if polygons.shape[1] == 4:
        quads = np.column_stack([faces[0::2], faces[1::2, 2]])
        if not np.array_equal(triangulate_quads(quads), faces):
            raise RuntimeError("UV packing split a quad across charts")
    return Unwrapped(source_vertex, faces, uv, quads)


def _place_stray_vertices(
    positions: np.ndarray, faces: np.ndarray, uv: np.ndarray, projected_corners: np.ndarray
) -> np.ndarray:
    """UVs for vertices used only by (near) zero-area triangles, which xatlas leaves near (0, 0).

    Such a vertex sits on (or on the line through) its triangle's other corners, so it takes
    the UV of the nearest of them that a real triangle placed; the triangle stays zero-area.
    """
    edges = projected_corners[:, 1:] - projected_corners[:, :1]
    area = np.abs(edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0]) / 2
    degenerate = area <= DEGENERATE_AREA
    placed = np.zeros(len(uv), dtype=bool)
    placed[faces[~degenerate].ravel()] = True
    uv = uv.copy()
    for face in faces[degenerate]:
        anchors = [corner for corner in face if placed[corner]]
        for corner in face:
            if placed[corner] or not anchors:
                continue
            distance = [np.linalg.norm(positions[corner] - positions[a]) for a in anchors]
            uv[corner] = uv[anchors[int(np.argmin(distance))]]
            placed[corner] = True
    return uv


def _chart_offsets(chart: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Per-UV-vertex shifts that lay the charts out on a grid, apart from each other.

    xatlas joins UV islands that touch or share a UV position (a mirror-symmetric model's
    opposite sides project onto the same coordinates), so each chart gets its own cell.
    """
    cell = 2.0 * float(np.max(np.abs(vertices))) + 1.0
    columns = int(np.ceil(np.sqrt(int(chart.max()) + 1)))
    return np.stack([chart % columns, chart // columns], axis=1) * cell


def _axis_labels(vertices: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Each polygon's projection axis (index into :data:`AXES`), majority-smoothed."""
    corners = vertices[polygons]
    if polygons.shape[1] == 4:  # a quad's area normal is half the cross of its diagonals
        normals = np.cross(corners[:, 2] - corners[:, 0], corners[:, 3] - corners[:, 1])
    else:
        normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    label = np.argmax(normals @ AXES.T, axis=1)
    pairs = _adjacent_polygons(polygons)
    rows = np.arange(len(polygons))
    for _ in range(SMOOTHING_ROUNDS):
        votes = np.zeros((len(polygons), len(AXES)))
        np.add.at(votes, (rows, label), 1.5)
        np.add.at(votes, (pairs[:, 0], label[pairs[:, 1]]), 1.0)
        np.add.at(votes, (pairs[:, 1], label[pairs[:, 0]]), 1.0)
        # only a vote that keeps the polygon facing its axis may move it there
        facing = np.einsum("pd,ad->pa", normals, AXES) > 0
        label = np.argmax(np.where(facing, votes, -1.0), axis=1)
    return label


def _charts(polygons: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Chart index per polygon: connected regions (across shared edges) of one label."""
    pairs = _adjacent_polygons(polygons)
    pairs = pairs[label[pairs[:, 0]] == label[pairs[:, 1]]]
    count = len(polygons)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(count, count))
    return connected_components(graph, directed=False)[1]


def _adjacent_polygons(polygons: np.ndarray) -> np.ndarray:
    """(E, 2) pairs of polygons that share an edge."""
    sides = polygons.shape[1]
    edges = np.stack([polygons, np.roll(polygons, -1, axis=1)], axis=2).reshape(-1, 2)
    edges.sort(axis=1)
    groups = trimesh.grouping.group_rows(edges, require_count=2)
    return np.asarray(groups).reshape(-1, 2) // sides


def _pack_options(size: int) -> xatlas.PackOptions:
    options = xatlas.PackOptions()
    options.resolution = size
    options.padding = padding_texels(size)
    options.bilinear = True
    return options
