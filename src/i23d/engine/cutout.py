"""The cut-out: the object cropped square and centred, its mask, and the camera it implies."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from i23d.engine.errors import NoObjectFound

FILL = 0.85
MAX_SIDE = 1024
MIN_OBJECT_PIXELS = 64


@dataclass(frozen=True)
class CutOut:
    """A square crop centred on the object.

    ``rgba`` holds the photo's colours (alpha = the mask), ``alpha`` the soft mask in [0, 1],
    ``fov_deg`` the field of view across the crop implied by the photo's camera (a crop of a
    perspective photo is a narrower perspective view), ``note`` what the cut-out chose that is
    worth telling (empty when nothing).
    """

    rgba: np.ndarray
    alpha: np.ndarray
    fov_deg: float
    note: str = ""

    @property
    def mask(self) -> np.ndarray:
        """Hard mask: alpha above one half."""
        return self.alpha > 0.5

    @property
    def size(self) -> int:
        """Side of the square crop in pixels."""
        return int(self.rgba.shape[0])


def make_cutout(
    rgba: np.ndarray, alpha: np.ndarray, photo_fov_deg: float, note: str = ""
) -> CutOut:
    """Crop ``rgba`` square around the object given by ``alpha``, the object spanning
    ``FILL`` of the side, resampled to at most ``MAX_SIDE`` pixels."""
    hard = alpha > 0.5
    if np.count_nonzero(hard) < MIN_OBJECT_PIXELS:
        raise NoObjectFound("no object found in the image (the mask is empty)")
    ys, xs = np.nonzero(hard)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    side = max(x1 - x0, y1 - y0) / FILL
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    out_side = int(min(MAX_SIDE, max(64, round(side))))
    scale = out_side / side
    # Affine map from photo pixels to crop pixels (pixel centres aligned).
    matrix = np.array(
        [[scale, 0.0, out_side / 2.0 - cx * scale], [0.0, scale, out_side / 2.0 - cy * scale]]
    )
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    premult = rgba[..., :3].astype(np.float32) * alpha[..., None]
    colour = cv2.warpAffine(
        premult,
        matrix,
        (out_side, out_side),
        flags=interp,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    crop_alpha = cv2.warpAffine(
        alpha.astype(np.float32),
        matrix,
        (out_side, out_side),
        flags=interp,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    crop_alpha = np.clip(crop_alpha, 0.0, 1.0)
    weight = crop_alpha[..., None]
    rgb = np.where(weight > 1e-3, colour / np.maximum(weight, 1e-3), 0)
    out = (
        np.concatenate([np.clip(rgb, 0, 255), crop_alpha[..., None] * 255.0], axis=2)
        .round()
        .astype(np.uint8)
    )
    photo_focal = (max(rgba.shape[:2]) / 2.0) / math.tan(math.radians(photo_fov_deg) / 2.0)
    crop_fov = 2.0 * math.degrees(math.atan((side / 2.0) / photo_focal))
    return CutOut(rgba=out, alpha=crop_alpha, fov_deg=crop_fov, note=note)
