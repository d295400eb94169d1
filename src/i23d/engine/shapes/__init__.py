"""Shape priors: each turns a silhouette into a plausible solid (a depth interval per pixel)
and says, from the outline's cues, how plausible that reading is.

Adding a prior is one module (its solid and its ``plausibility``) and one line of
:data:`PRIORS`; the chooser and the classical reconstructor's spins follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from i23d.engine.shapes import cuboid, extrude, inflate, relief, revolve
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.silhouette import Silhouette

if TYPE_CHECKING:
    from i23d.engine.cues import Cues

Solid = Callable[[Silhouette, int], DepthInterval]
Plausibility = Callable[["Cues"], tuple[float, str]]


@dataclass(frozen=True)
class ShapePrior:
    """A prior's solid (silhouette, diffusion steps → depth interval) and its plausibility
    (cues → score, one-line reason)."""

    solid: Solid
    plausibility: Plausibility


PRIORS: dict[str, ShapePrior] = {
    "inflate": ShapePrior(inflate.inflate, inflate.plausibility),
    "revolve": ShapePrior(revolve.revolve, revolve.plausibility),
    "extrude": ShapePrior(extrude.extrude, extrude.plausibility),
    "relief": ShapePrior(relief.relief, relief.plausibility),
    "cuboid": ShapePrior(cuboid.cuboid, cuboid.plausibility),
    "vessel": ShapePrior(revolve.vessel, revolve.vessel_plausibility),
}

__all__ = ["PRIORS", "DepthInterval", "ShapePrior", "Solid"]
