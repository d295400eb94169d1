"""The repair pass: non-manifold edges and vertices opened and capped, holes closed, debris gone."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from i23d.engine.asset import triangulate_quads
from i23d.engine.post.repair import close_quads, close_triangles, drop_small_parts
from tests.engine.export.models import edge_use_counts


def _solid(vertices: np.ndarray, faces: np.ndarray) -> trimesh.Trimesh:
    return trimesh.Trimesh(vertices, faces, process=False)


def _is_closed_manifold(vertices: np.ndarray, polygons: np.ndarray) -> bool:
    """Every edge used twice, opposite ways, and every vertex one fan (checked by trimesh)."""
    if set(edge_use_counts(polygons).tolist()) != {2}:
        return False
    triangles = (
        polygons
        if polygons.shape[1] == 3
        else np.concatenate([polygons[:, [0, 1, 2]], polygons[:, [0, 2, 3]]])
    )
    mesh = _solid(vertices, triangles)
    return bool(mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0)


def _two_boxes_sharing_an_edge() -> trimesh.Trimesh:
    """Two unit boxes that touch along one edge: that edge has four triangles."""
    first = trimesh.creation.box(extents=(1, 1, 1))
    second = trimesh.creation.box(extents=(1, 1, 1))
    second.apply_translation((1, 1, 0))
    both = trimesh.util.concatenate([first, second])
    both.merge_vertices()
    return both


def test_an_edge_shared_by_four_triangles_is_opened_and_each_side_capped() -> None:
    pinched = _two_boxes_sharing_an_edge()
    assert edge_use_counts(pinched.faces).max() == 4
    vertices, triangles = close_triangles(pinched.vertices, pinched.faces)
    assert _is_closed_manifold(vertices, triangles)
    pieces = _solid(vertices, triangles).split(only_watertight=False)
    assert len(pieces) == 2  # the two boxes, each closed
    assert all(piece.is_watertight for piece in pieces)


def test_a_vertex_shared_by_two_solids_is_split() -> None:
    first = trimesh.creation.box(extents=(1, 1, 1))
    second = trimesh.creation.box(extents=(1, 1, 1))
    second.apply_translation((1, 1, 1))  # corners meet at (0.5, 0.5, 0.5)
    both = trimesh.util.concatenate([first, second])
    both.merge_vertices()
    vertices, triangles = close_triangles(both.vertices, both.faces)
    assert _is_closed_manifold(vertices, triangles)
    # no position is used by two separate fans any more
    _, welded = trimesh.grouping.unique_rows(vertices)
    assert len(np.unique(welded)) == len(vertices)


def test_a_hole_is_capped_and_the_winding_stays_outward() -> None:
    sphere = trimesh.creation.icosphere(subdivisions=3)
    open_faces = sphere.faces[5:]  # a hole of five missing triangles
    vertices, triangles = close_triangles(sphere.vertices, open_faces)
    assert _is_closed_manifold(vertices, triangles)
    assert _solid(vertices, triangles).volume == pytest.approx(sphere.volume, rel=0.02)


def test_quad_holes_are_capped_with_quads() -> None:
    vertices, quads = _quad_cube(4)
    # a four-edge hole (one quad gone) and a six-edge hole (two neighbours gone)
    holed = np.delete(quads, [3, 16, 17], axis=0)
    closed_vertices, closed = close_quads(vertices, holed)
    assert closed.shape[1] == 4
    assert _is_closed_manifold(closed_vertices, closed)
    # one quad closes the first hole, a fan of three round a new centre the second
    assert len(closed) == len(quads) - 3 + 1 + 3
    assert len(closed_vertices) == len(vertices) + 1


def test_an_odd_hole_splits_every_quad() -> None:
    # a pentagonal prism's five side quads: both ends are five-edge holes
    angles = np.arange(5) * 2 * np.pi / 5
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    vertices = np.concatenate(
        [np.column_stack([ring, np.zeros(5)]), np.column_stack([ring, np.ones(5)])]
    )
    sides = np.array([[i, (i + 1) % 5, 5 + (i + 1) % 5, 5 + i] for i in range(5)])
    closed_vertices, closed = close_quads(vertices, sides)
    assert closed.shape[1] == 4
    assert _is_closed_manifold(closed_vertices, closed)
    assert len(closed) == 4 * 5 + 5 + 5  # each side in four, each end in five


def test_debris_is_dropped_but_parts_of_similar_size_stay() -> None:
    big = trimesh.creation.icosphere(subdivisions=2, radius=1.0)
    twin = big.copy().apply_translation((3, 0, 0))
    speck = trimesh.creation.icosphere(subdivisions=1, radius=0.1).apply_translation((0, 2, 0))
    scene = trimesh.util.concatenate([big, twin, speck])
    vertices, faces = drop_small_parts(scene.vertices, scene.faces)
    kept = _solid(vertices, faces)
    assert len(kept.split(only_watertight=False)) == 2
    assert len(faces) == len(big.faces) + len(twin.faces)
    assert len(vertices) == len(big.vertices) + len(twin.vertices)


def _quad_cube(cells: int) -> tuple[np.ndarray, np.ndarray]:
    """A closed cube of ``cells``×``cells`` quads per side, wound outward."""
    points, quads, index = [], [], {}

    def vertex(point: tuple[float, float, float]) -> int:
        key = tuple(round(value, 9) for value in point)
        if key not in index:
            index[key] = len(points)
            points.append(key)
        return index[key]

    steps = np.linspace(-0.5, 0.5, cells + 1)
    for axis in range(3):
        for side in (-0.5, 0.5):
            u_axis, v_axis = (axis + 1) % 3, (axis + 2) % 3
            for i in range(cells):
                for j in range(cells):
                    corners = []
                    for du, dv in ((0, 0), (1, 0), (1, 1), (0, 1)):
                        point = [0.0, 0.0, 0.0]
                        point[axis], point[u_axis], point[v_axis] = (
                            side,
                            steps[i + du],
                            steps[j + dv],
                        )
                        corners.append(vertex(tuple(point)))
                    quads.append(corners if side > 0 else corners[::-1])
    return np.asarray(points, dtype=np.float64), np.asarray(quads, dtype=np.int64)


def test_quads_are_turned_so_their_triangles_stay_manifold() -> None:
    # two quads over the same four corners: both split along a-c would use that edge 4 times
    vertices = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0.1], [0, 1, 0]], dtype=np.float64)
    quads = np.array([[0, 1, 2, 3], [0, 3, 2, 1]])
    _, closed = close_quads(vertices, quads)
    assert len(closed) == 2
    assert set(edge_use_counts(triangulate_quads(closed)).tolist()) == {2}
