"""Closed, manifold, debris-free meshes: the pass after every decimation and quad remesh.

Quadric decimation (fast-simplification) can pinch thin parts into edges shared by four
triangles, and Instant Meshes' quad extraction leaves non-manifold edges, holes and loose
fragments. Neither library has a switch that prevents it, so their output is repaired here:

1. vertices at one position are welded (as the 3MF/STL writers weld them);
2. every polygon on a non-manifold edge (more than two polygons, or two running the same way)
   or at a non-manifold vertex (its polygons form more than one fan) is removed, round after
   round, until none is left: what remains is a manifold with boundary;
3. each boundary loop (hole) is closed by a fan round a new vertex at the loop's centre:
   triangles for a triangle mesh, quads for a quad mesh (a hole of four edges is one quad).
   A quad fan needs an even loop; Instant Meshes' pure quads are the split of its
   quad-dominant mesh (corners, edge midpoints, face centres: a bipartite graph), so its
   holes are even. Should one be odd, the hole becomes one polygon and every polygon is
   split into quads (corner, edge midpoints, centre; four times as many quads);
4. parts (edge-connected pieces) whose volume is under :data:`DEBRIS_VOLUME_FRACTION` of the
   largest part's are removed.

The result is closed, consistently wound and edge- and vertex-manifold; an object that is
several parts of comparable size stays several closed parts.
"""

from __future__ import annotations

import numpy as np
import trimesh
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

DEBRIS_VOLUME_FRACTION = 0.01
"""Parts with less than this fraction of the largest part's volume are debris (a part a
fifth of the object's size along each axis has 0.8% of its volume)."""

REPAIR_ROUNDS = 10
"""Most rounds of capping a quad mesh's holes and turning its quads' diagonals before the
repair falls back to splitting every quad (see :func:`close_quads`)."""


def weld(vertices: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The geometry with vertices merged by position (UV seams closed), unused ones dropped.

    Positions are compared as trimesh's ``merge_vertices`` (and so the 3MF/STL solid) does.
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    scale = 10.0 ** trimesh.util.decimal_to_digits(trimesh.tol.merge)
    keys = (vertices * scale).round().astype(np.int64)
    unique, inverse = trimesh.grouping.unique_rows(keys, keep_order=True)
    return _compact(vertices[unique], inverse[np.asarray(polygons, dtype=np.int64)])


def close_triangles(vertices: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A closed, manifold, debris-free triangle mesh made from ``triangles`` (see module)."""
    vertices, triangles = weld(vertices, triangles)
    triangles = _manifold_part(triangles)
    vertices, fans = _fill_holes_with_fans(vertices, triangles)
    return drop_small_parts(vertices, np.concatenate([triangles, fans]))


def close_quads(vertices: np.ndarray, quads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A closed, manifold, debris-free pure-quad mesh whose 0-2 triangulation is manifold too:
    ``quads`` repaired, holes capped with quads (see module)."""
    vertices, quads = weld(vertices, quads)
    for _ in range(REPAIR_ROUNDS):
        quads = _manifold_part(quads)
        loops = [loop[::-1] for loop in _boundary_loops(quads)]  # caps run against the boundary
        if any(len(loop) % 2 for loop in loops):
            break
        vertices, caps = _quad_caps(vertices, loops)
        quads, crossed = _free_diagonals(np.concatenate([quads, caps]))
        if not crossed.any():
            return drop_small_parts(vertices, quads)
        quads = quads[~crossed]
    else:
        quads = _manifold_part(quads)
        loops = [loop[::-1] for loop in _boundary_loops(quads)]
    vertices, split = _split_into_quads(vertices, [quads, *[loop[None, :] for loop in loops]])
    return drop_small_parts(vertices, split)


def drop_small_parts(vertices: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The closed mesh without parts under :data:`DEBRIS_VOLUME_FRACTION` of the largest's
    volume, and without unused vertices."""
    polygons = np.asarray(polygons, dtype=np.int64)
    if len(polygons):
        sides = _sides(polygons)
        graph = coo_matrix(
            (np.ones(len(sides)), (sides[:, 0], sides[:, 1])), shape=(len(vertices),) * 2
        )
        label = connected_components(graph, directed=False)[1][polygons[:, 0]]
        volume = np.abs(np.bincount(label, weights=_signed_volumes(vertices, polygons)))
        polygons = polygons[volume[label] >= DEBRIS_VOLUME_FRACTION * volume.max()]
    return _compact(vertices, polygons)


def _compact(vertices: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Only the vertices the polygons use, renumbered."""
    used = np.unique(polygons)
    remap = np.full(len(vertices), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return np.asarray(vertices)[used], remap[polygons]


def _manifold_part(polygons: np.ndarray) -> np.ndarray:
    """``polygons`` less those on non-manifold edges or vertices, removed until none is left."""
    polygons = np.asarray(polygons, dtype=np.int64)
    ordered = np.sort(polygons, axis=1)
    polygons = polygons[np.all(ordered[:, 1:] != ordered[:, :-1], axis=1)]  # no repeated corner
    while True:  # each round removes polygons, so this ends (in practice after two or three)
        touching = _non_manifold_vertices(polygons)[polygons].any(axis=1)
        touching |= _non_manifold_sides(polygons).reshape(polygons.shape).any(axis=1)
        if not touching.any():
            return polygons
        polygons = polygons[~touching]


def _non_manifold_sides(polygons: np.ndarray) -> np.ndarray:
    """Per polygon side (row-major): is its edge used more than twice, or twice one way?"""
    sides = _sides(polygons)
    count = _vertex_count(polygons)
    undirected = np.sort(sides, axis=1) @ np.array([count, 1])
    directed = sides @ np.array([count, 1])
    _, edge, uses = np.unique(undirected, return_inverse=True, return_counts=True)
    _, way, same_way = np.unique(directed, return_inverse=True, return_counts=True)
    return (uses[edge] > 2) | (same_way[way] > 1)


def _non_manifold_vertices(polygons: np.ndarray) -> np.ndarray:
    """Per vertex: do its polygons form more than one fan (joined across edges at it)?"""
    count = _vertex_count(polygons)
    vertex = polygons.ravel()
    after = np.roll(polygons, -1, axis=1).ravel()
    before = np.roll(polygons, 1, axis=1).ravel()
    corner = np.arange(len(vertex))
    # each corner touches two edges at its vertex; corners sharing one are in the same fan
    keys = np.concatenate([vertex * count + after, vertex * count + before])
    owners = np.concatenate([corner, corner])
    order = np.argsort(keys, kind="stable")
    keys, owners = keys[order], owners[order]
    same = keys[1:] == keys[:-1]
    graph = coo_matrix(
        (np.ones(int(same.sum())), (owners[:-1][same], owners[1:][same])),
        shape=(len(vertex), len(vertex)),
    )
    fan = connected_components(graph, directed=False)[1]
    vertex_fans = np.unique(vertex * len(vertex) + fan) // len(vertex)
    return np.bincount(vertex_fans, minlength=count) > 1


def _boundary_loops(polygons: np.ndarray) -> list[np.ndarray]:
    """The closed chains of boundary edges (used once), each in the polygons' direction."""
    sides = _sides(polygons)
    undirected = np.sort(sides, axis=1) @ np.array([_vertex_count(polygons), 1])
    _, edge, uses = np.unique(undirected, return_inverse=True, return_counts=True)
    boundary = sides[uses[edge] == 1]
    following = dict(zip(boundary[:, 0].tolist(), boundary[:, 1].tolist(), strict=True))
    loops = []
    while following:
        # a manifold vertex has one boundary edge out and one in: each chain closes
        start, step = following.popitem()
        loop = [start]
        while step != start:
            loop.append(step)
            step = following.pop(step)
        loops.append(np.asarray(loop, dtype=np.int64))
    return loops


def _fill_holes_with_fans(
    vertices: np.ndarray, triangles: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A centre vertex per boundary loop and the triangles joining it to the loop's edges."""
    loops = _boundary_loops(triangles)
    if not loops:
        return vertices, np.empty((0, 3), dtype=np.int64)
    centres = np.array([np.asarray(vertices)[loop].mean(axis=0) for loop in loops])
    fans = [
        np.stack([np.roll(loop, -1), loop, np.full(len(loop), len(vertices) + index)], axis=1)
        for index, loop in enumerate(loops)
    ]
    return np.concatenate([vertices, centres]), np.concatenate(fans)


def _free_diagonals(quads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``quads`` turned so each one's 0-2 diagonal (where exporters split it into triangles)
    is no side of any quad and no other quad's diagonal, and the quads where neither diagonal
    is free (two quads sharing opposite corners, or a quad folded onto a neighbour)."""
    count = _vertex_count(quads)
    sides = np.unique(np.sort(_sides(quads), axis=1) @ np.array([count, 1]))

    def key(first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return np.minimum(first, second) * count + np.maximum(first, second)

    diagonals = np.stack([key(quads[:, 0], quads[:, 2]), key(quads[:, 1], quads[:, 3])], 1)
    is_side = np.isin(diagonals, sides)
    rows = np.arange(len(quads))

    def crossing(turned: np.ndarray) -> np.ndarray:
        chosen = diagonals[rows, turned.astype(int)]
        repeated = np.ones(len(quads), dtype=bool)
        repeated[np.unique(chosen, return_index=True)[1]] = False  # uses after the first
        return repeated | is_side[rows, turned.astype(int)]

    turned = is_side[:, 0] & ~is_side[:, 1]
    for _ in range(REPAIR_ROUNDS):
        movable = crossing(turned) & ~turned & ~is_side[:, 1]
        if not movable.any():
            break
        turned |= movable
    crossed = crossing(turned)
    quads = np.where(turned[:, None], np.roll(quads, -1, axis=1), quads)
    return quads, crossed


def _quad_caps(vertices: np.ndarray, loops: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Quads closing each even ``loop`` (given in the caps' winding): the loop itself when it
    has four corners, else a fan of quads round a new vertex at its centre."""
    vertices = np.asarray(vertices, dtype=np.float64)
    caps = [np.empty((0, 4), dtype=np.int64)]
    centres: list[np.ndarray] = []
    for loop in loops:
        if len(loop) == 4:
            caps.append(loop[None, :])
            continue
        centre = len(vertices) + len(centres)
        centres.append(vertices[loop].mean(axis=0))
        starts = np.arange(0, len(loop), 2)
        caps.append(
            np.stack(
                [
                    loop[starts],
                    loop[(starts + 1) % len(loop)],
                    loop[(starts + 2) % len(loop)],
                    np.full(len(starts), centre),
                ],
                axis=1,
            )
        )
    return np.concatenate([vertices, np.reshape(centres, (-1, 3))]), np.concatenate(caps)


def _split_into_quads(
    vertices: np.ndarray, groups: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Every polygon (``groups`` of (P, k) arrays, any k >= 3) split into k quads: corner,
    next side's midpoint, polygon centre, previous side's midpoint; midpoints are shared."""
    vertices = np.asarray(vertices, dtype=np.float64)
    groups = [np.asarray(polygons, dtype=np.int64) for polygons in groups if len(polygons)]
    sides = np.concatenate([_sides(polygons) for polygons in groups])
    undirected = np.sort(sides, axis=1)
    keys = undirected @ np.array([len(vertices), 1])
    _, first_use, side_edge = np.unique(keys, return_index=True, return_inverse=True)
    centres = np.concatenate([vertices[polygons].mean(axis=1) for polygons in groups])
    midpoints = vertices[undirected[first_use]].mean(axis=1)
    first_centre, first_midpoint = len(vertices), len(vertices) + len(centres)
    quads, side, polygon = [], 0, 0
    for polygons in groups:
        count, corners = polygons.shape
        next_mid = first_midpoint + side_edge[side : side + count * corners].reshape(count, -1)
        centre = first_centre + polygon + np.arange(count)
        quads.append(
            np.stack(
                [
                    polygons,
                    next_mid,
                    np.repeat(centre[:, None], corners, axis=1),
                    np.roll(next_mid, 1, axis=1),
                ],
                axis=2,
            ).reshape(-1, 4)
        )
        side, polygon = side + count * corners, polygon + count
    return np.concatenate([vertices, centres, midpoints]), np.concatenate(quads)


def _sides(polygons: np.ndarray) -> np.ndarray:
    """(P * k, 2) directed sides of (P, k) polygons, polygon by polygon."""
    return np.stack([polygons, np.roll(polygons, -1, axis=1)], axis=2).reshape(-1, 2)


def _vertex_count(polygons: np.ndarray) -> int:
    """One more than the largest vertex index (a base for integer edge keys)."""
    return int(polygons.max()) + 1 if len(polygons) else 1


def signed_volume(vertices: np.ndarray, polygons: np.ndarray) -> float:
    """The closed mesh's signed volume: positive when it is wound outwards."""
    return float(_signed_volumes(vertices, polygons).sum())


def _signed_volumes(vertices: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Each polygon's signed volume contribution (its fan of triangles against the origin)."""
    points = np.asarray(vertices, dtype=np.float64)[polygons]
    volume = np.zeros(len(polygons))
    for k in range(1, polygons.shape[1] - 1):
        volume += np.einsum("ij,ij->i", points[:, 0], np.cross(points[:, k], points[:, k + 1]))
    return volume / 6.0
