"""A backend-independent score: how well a model seen from the photo's camera matches the
cut-out (its outline, and its colours where both cover).

Any backend can rank its samples with it: it needs only the model's
``metadata["input_camera"]`` (every engine mesh carries it; see
:func:`i23d.engine.texture.finish_model`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import trimesh

from i23d.engine.camera import Camera
from i23d.engine.cutout import CutOut

SCORE_SIZE = 128
"""The side of the comparison images: enough for an outline, cheap to render."""
SILHOUETTE_WEIGHT = 0.7
"""The score is this much silhouette IoU and the rest colour agreement."""


@dataclass(frozen=True)
class PhotoMatch:
    """Silhouette IoU and colour agreement (1 - mean absolute RGB difference, in [0, 1]) of
    the model seen from the photo's camera against the cut-out, and their weighted score."""

    iou: float
    colour: float

    @property
    def score(self) -> float:
        """The weighted match in [0, 1]."""
        return SILHOUETTE_WEIGHT * self.iou + (1.0 - SILHOUETTE_WEIGHT) * self.colour

    @property
    def reason(self) -> str:
        """The match in words, for a spin's reason."""
        return (
            f"seen from the photo's camera: outline IoU {self.iou:.2f}, "
            f"colour match {self.colour:.2f}"
        )


def match_photo(mesh: trimesh.Trimesh, cutout: CutOut, size: int = SCORE_SIZE) -> PhotoMatch:
    """Render ``mesh`` unlit from the camera in its ``metadata["input_camera"]`` and compare
    it with ``cutout`` at ``size``²."""
    from i23d.engine.render import render  # GL is loaded only when something is rendered

    info = mesh.metadata["input_camera"]
    in_camera_frame = mesh.copy()
    in_camera_frame.apply_transform(np.array(info["model_to_camera_frame"]))
    seen = render(in_camera_frame, Camera(info["fov_deg"], info["distance"], size), lit=False)
    photo = cv2.resize(cutout.rgba, (size, size), interpolation=cv2.INTER_AREA)
    seen_mask, photo_mask = seen[..., 3] > 127, photo[..., 3] > 127
    union = np.count_nonzero(seen_mask | photo_mask)
    both = seen_mask & photo_mask
    iou = np.count_nonzero(both) / union if union else 0.0
    if not both.any():
        return PhotoMatch(iou=float(iou), colour=0.0)
    difference = np.abs(seen[..., :3][both].astype(np.float64) - photo[..., :3][both]) / 255.0
    return PhotoMatch(iou=float(iou), colour=float(1.0 - difference.mean()))
