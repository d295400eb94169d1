"""Naive baselines, built through the engine's own code path (silhouette → depth interval →
textured model) at the engine's turbo settings, so only the shape assumption differs.

- ``slab``: a flat slab of the silhouette, :data:`SLAB_THICKNESS` of the object's size thick.
- ``half_width``: the silhouette extruded straight back to half its width.
- ``sqrt_inflation``: half-thickness ``h = sqrt(t · t_max)`` where ``t`` is the distance to
  the outline and ``t_max`` its largest value (so the constant is ``sqrt(t_max)``: the thickest
  point is as thick as the widest inscribed circle, as a sphere's would be).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import trimesh

from i23d.engine.cutout import CutOut
from i23d.engine.reconstructors.classical import GRID, TEXTURE_SIZE, textured_model
from i23d.engine.shapes import DepthInterval
from i23d.engine.silhouette import Silhouette, make_silhouette
from i23d.engine.texture import texture_image

SLAB_THICKNESS = 0.02


def slab(silhouette: Silhouette) -> DepthInterval:
    """Constant half-thickness: SLAB_THICKNESS / 2 of the (unit) object size."""
    return DepthInterval.symmetric(np.full(silhouette.sdf.shape, 0.5 * SLAB_THICKNESS))


def half_width(silhouette: Silhouette) -> DepthInterval:
    """Depth half the silhouette's width, everywhere."""
    _, xs = np.nonzero(silhouette.mask)
    width = (xs.max() - xs.min() + 1) * silhouette.pixel
    return DepthInterval.symmetric(np.full(silhouette.sdf.shape, 0.25 * width))


def sqrt_inflation(silhouette: Silhouette) -> DepthInterval:
    """Half-thickness sqrt(t · t_max), t the distance to the outline."""
    t = silhouette.inside_distance()
    return DepthInterval.symmetric(np.sqrt(t * t.max()) * silhouette.pixel)


BASELINES: dict[str, Callable[[Silhouette], DepthInterval]] = {
    "slab": slab,
    "half_width": half_width,
    "sqrt_inflation": sqrt_inflation,
}


def baseline_model(cutout: CutOut, name: str) -> trimesh.Trimesh:
    """The baseline's textured, watertight, unit-size model of the cut-out."""
    silhouette = make_silhouette(cutout, GRID["turbo"], "highest")
    texture = texture_image(cutout, TEXTURE_SIZE["turbo"])
    return textured_model(silhouette, BASELINES[name](silhouette), texture, keep=1.0)
