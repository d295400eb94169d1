"""New topology for a model: quadric decimation and pure-quad (Instant Meshes) remeshing.

Both hand their output to :mod:`i23d.engine.post.repair`, so what comes back is closed,
manifold and free of debris (neither library guarantees that alone).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import fast_simplification
import numpy as np
import pynanoinstantmeshes

from i23d.engine.post.repair import close_quads, close_triangles

QUAD_TARGET_MARGIN = 0.92
"""Instant Meshes lands near, not at, its target; aim this far below the budget."""

QUAD_ATTEMPTS = 4
"""Retries, each aiming lower, before giving up on fitting the quad budget."""

DECIMATE_ATTEMPTS = 4
"""Retries, each aiming lower, when capping holes took the decimated mesh over its budget."""

_stdout_lock = threading.Lock()


def simplify(
    vertices: np.ndarray, faces: np.ndarray, max_faces: int
) -> tuple[np.ndarray, np.ndarray]:
    """Quadric edge-collapse decimation to ``max_faces`` triangles, unrepaired: for input to the
    quad remesher, which needs no closed mesh. Meshes within the budget come back unchanged."""
    if len(faces) <= max_faces:
        return vertices, faces
    points, triangles = fast_simplification.simplify(
        np.asarray(vertices, dtype=np.float32),
        np.asarray(faces, dtype=np.int64),
        target_count=max_faces,
    )
    return points.astype(np.float64), triangles


def decimate(
    vertices: np.ndarray, faces: np.ndarray, max_faces: int
) -> tuple[np.ndarray, np.ndarray]:
    """Quadric edge-collapse decimation to at most ``max_faces`` triangles, then repaired
    into a closed, manifold, debris-free mesh.

    Meshes already within the budget come back unchanged.
    """
    if len(faces) <= max_faces:
        return vertices, faces
    target = max_faces
    for _ in range(DECIMATE_ATTEMPTS):
        points, triangles = close_triangles(*simplify(vertices, faces, target))
        if len(triangles) <= max_faces:
            return points, triangles
        target -= len(triangles) - max_faces
    raise RuntimeError(f"decimation could not fit {max_faces} closed triangles")


def quad_remesh(
    vertices: np.ndarray, faces: np.ndarray, max_quads: int
) -> tuple[np.ndarray, np.ndarray]:
    """A closed pure-quad remesh (Instant Meshes, 4-RoSy/4-PoSy) with at most ``max_quads``.

    Instant Meshes' pure-quad mode subdivides its intermediate mesh once, so the requested
    vertex count is a quarter of the quads wanted; each try that overshoots (as when the
    repair had to split every quad in four) aims lower.
    """
    points = np.ascontiguousarray(vertices, dtype=np.float32)
    triangles = np.ascontiguousarray(faces, dtype=np.uint32)
    target = max_quads * QUAD_TARGET_MARGIN
    for _ in range(QUAD_ATTEMPTS):
        with _quiet_stdout():
            quad_points, quads = pynanoinstantmeshes.remesh(
                points,
                triangles,
                vertex_count=max(4, int(target / 4)),
                deterministic=True,
            )
        if len(quads):
            quad_points, quads = close_quads(np.asarray(quad_points, np.float64), quads)
        if 0 < len(quads) <= max_quads:
            return quad_points, quads
        target *= 0.9 * max_quads / max(len(quads), 1)
    raise RuntimeError(f"quad remeshing could not fit {max_quads} quads")


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
