"""Explicit heat diffusion on grids: the engine's refinement iterations.

``diffusion_time_steps`` from the API is the number of iterations run here on each shape
prior's shape function; each iteration moves every value a fixed fraction towards the mean
of its neighbours inside the silhouette (no flux across the outline).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

RATE = 0.24
_CROSS = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def diffuse(values: np.ndarray, inside: np.ndarray, steps: int) -> np.ndarray:
    """Diffuse ``values`` (1-D or 2-D) within ``inside`` for ``steps`` iterations, with no flux
    across the boundary of ``inside``; values outside are returned unchanged."""
    weights = inside.astype(np.float64)
    kernel = _CROSS if values.ndim == 2 else np.array([1.0, 0.0, 1.0])
    neighbours = ndimage.convolve(weights, kernel, mode="constant")
    out = values.astype(np.float64).copy()
    active = inside & (neighbours > 0)
    for _ in range(steps):
        mean = ndimage.convolve(out * weights, kernel, mode="constant")
        out[active] += RATE * (mean[active] / neighbours[active] - out[active])
    return out


def diffuse_towards_zero(inside: np.ndarray, steps: int) -> np.ndarray:
    """Diffuse an indicator of ``inside`` against zero outside it: 1 deep inside, falling
    smoothly towards the outline; the fall-off widens with the number of steps."""
    kernel = _CROSS / 4.0
    out = inside.astype(np.float64)
    for _ in range(steps):
        out = np.where(inside, out + RATE * 4 * (ndimage.convolve(out, kernel) - out), 0.0)
    return out
