"""What a shape prior returns: for every pixel's camera ray, where it enters and leaves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DepthInterval:
    """World depths (z, towards the camera) of each grid pixel's ray entering (``front``)
    and leaving (``back``) the solid; meaningful inside the silhouette, ``front >= back``."""

    front: np.ndarray
    back: np.ndarray

    @classmethod
    def symmetric(cls, half_depth: np.ndarray) -> DepthInterval:
        """A solid mirror-symmetric about z = 0."""
        return cls(front=half_depth, back=-half_depth)
