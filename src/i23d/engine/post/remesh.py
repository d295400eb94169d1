"""New topology for a model: quadric decimation and pure-quad (Instant Meshes) remeshing."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import fast_simplification
import numpy as np
import pynanoinstantmeshes
import trimesh

QUAD_TARGET_MARGIN = 0.92
"""Instant Meshes lands near, not at, its target; aim this far below the budget."""

QUAD_ATTEMPTS = 4
"""Retries, each aiming lower, before giving up on fitting the quad budget."""

_stdout_lock = threading.Lock()


def weld(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The geometry with vertices merged by position (UV seams closed), unused ones dropped."""
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    mesh.merge_vertices(merge_tex=True, merge_norm=True)
    mesh.remove_unreferenced_vertices()
    return np.asarray(mesh.vertices), np.asarray(mesh.faces)


def decimate(
    vertices: np.ndarray, faces: np.ndarray, max_faces: int
) -> tuple[np.ndarray, np.ndarray]:
    """Quadric edge-collapse decimation of a welded mesh to at most ``max_faces`` triangles.

    Meshes already within the budget come back unchanged.
    """
    if len(faces) <= max_faces:
        return vertices, faces
    points, triangles = fast_simplification.simplify(
        np.asarray(vertices, dtype=np.float32),
        np.asarray(faces, dtype=np.int64),
        target_count=max_faces,
    )
    mesh = trimesh.Trimesh(points.astype(np.float64), triangles, process=True)
    return np.asarray(mesh.vertices), np.asarray(mesh.faces)


def quad_remesh(
    vertices: np.ndarray, faces: np.ndarray, max_quads: int
) -> tuple[np.ndarray, np.ndarray]:
    """A pure-quad remesh (Instant Meshes, 4-RoSy/4-PoSy) with at most ``max_quads`` quads.

    Instant Meshes' pure-quad mode subdivides its intermediate mesh once, so the requested
    vertex count is a quarter of the quads wanted; each try that overshoots aims lower.
    """
    points = np.ascontiguousarray(vertices, dtype=np.float32)
    triangles = np.ascontiguousarray(faces, dtype=np.uint32)
    target = max_quads * QUAD_TARGET_MARGIN
    for _ in range(QUAD_ATTEMPTS):
        with _quiet_stdout():
            quad_points, quads = pynanoinstantmeshes.remesh(
                points, triangles, vertex_count=max(4, int(target / 4)), deterministic=True
            )
        if 0 < len(quads) <= max_quads:
            return _drop_unused(np.asarray(quad_points, dtype=np.float64), np.asarray(quads))
        target *= 0.9 * max_quads / max(len(quads), 1)
    raise RuntimeError(f"quad remeshing could not fit {max_quads} quads")


def _drop_unused(points: np.ndarray, quads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove vertices no quad uses and renumber the quads."""
    used = np.unique(quads)
    remap = np.full(len(points), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return points[used], remap[quads]


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence the C++ library's progress log, which it prints straight to file descriptor 1."""
    with _stdout_lock:
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            yield
        finally:
            os.dup2(saved, 1)
            os.close(devnull)
            os.close(saved)
