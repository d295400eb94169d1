"""Shape priors: each turns a silhouette into a plausible solid (a depth interval per pixel).

Adding a prior touches one module and one line of :data:`PRIORS`.
"""

from collections.abc import Callable

from i23d.engine.shapes.base import DepthInterval
from i23d.engine.shapes.extrude import extrude
from i23d.engine.shapes.inflate import inflate
from i23d.engine.shapes.relief import relief
from i23d.engine.shapes.revolve import revolve
from i23d.engine.silhouette import Silhouette

Prior = Callable[[Silhouette, int], DepthInterval]

PRIORS: dict[str, Prior] = {
    "inflate": inflate,
    "revolve": revolve,
    "extrude": extrude,
    "relief": relief,
}

__all__ = ["PRIORS", "DepthInterval", "Prior"]
