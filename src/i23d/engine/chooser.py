"""The chooser: which of the four spins is the most plausible reading of the photo.

It scores each prior from cues a single photo gives:
- *symmetry*: how well the silhouette mirrors about a vertical axis (solids of revolution are
  mirror-symmetric), and whether that axis runs through the object on most rows;
- *straight edges*: whether the outline is a polygon with few corners (extrusions have them);
- *shading*: how well each candidate's surface normals explain the photo's brightness under
  one fitted light (Lambert: brightness = a + b·n). A flat front explains no shading; a
  curved one explains curved shading.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from i23d.engine.cutout import CutOut
from i23d.engine.shapes.base import DepthInterval
from i23d.engine.shapes.revolve import mirror_axis, mirror_iou
from i23d.engine.silhouette import Silhouette

POLYGON_GRID = 256  # the outline's polygon test runs on a finer grid than the shapes


@dataclass(frozen=True)
class Cues:
    """What the chooser read from the photo."""

    symmetry: float
    axis_coverage: float
    corners: int
    polygon_fit: float
    shading: dict[str, float]

    @property
    def polygonal(self) -> bool:
        """The outline is a polygon with few corners."""
        return self.corners <= 10 and self.polygon_fit >= 0.97


@dataclass(frozen=True)
class Verdict:
    """Per-prior plausibility in [0, 1], the pick, and a reason per prior."""

    scores: dict[str, float]
    reasons: dict[str, str]
    chosen: str


def read_cues(cutout: CutOut, silhouette: Silhouette, intervals: dict[str, DepthInterval]) -> Cues:
    """Measure the chooser's cues."""
    mask = silhouette.mask
    axis = mirror_axis(mask)
    column = mask[:, min(max(int(axis), 0), mask.shape[1] - 1)]
    rows = np.flatnonzero(mask.any(axis=1))
    coverage = float(column[rows].mean()) if len(rows) else 0.0
    corners, fit = _polygon(cv2.resize(cutout.alpha, (POLYGON_GRID, POLYGON_GRID)) > 0.5)
    luminance = cv2.resize(
        cv2.cvtColor(cutout.rgba[..., :3], cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0,
        (silhouette.n, silhouette.n), interpolation=cv2.INTER_AREA,
    )
    shading = {name: shading_fit(silhouette, iv, luminance) for name, iv in intervals.items()}
    return Cues(mirror_iou(mask, axis), coverage, corners, fit, shading)


def choose(cues: Cues) -> Verdict:
    """Score each prior from the cues and pick the best."""
    best_curved = max(cues.shading.get("inflate", 0.0), cues.shading.get("revolve", 0.0))
    flat_shading = best_curved < 0.25
    revolvable = cues.symmetry >= 0.95 and cues.axis_coverage >= 0.9
    scores, reasons = {}, {}
    scores["revolve"] = (
        0.35 + 0.4 * revolvable + 0.2 * cues.shading.get("revolve", 0.0)
        - 0.3 * (cues.polygonal and flat_shading)
    )
    reasons["revolve"] = (
        f"mirror symmetry {cues.symmetry:.2f}, axis inside on {cues.axis_coverage:.0%} of rows, "
        f"shading fit {cues.shading.get('revolve', 0.0):.2f}"
    )
    scores["extrude"] = 0.3 + 0.4 * cues.polygonal + 0.2 * flat_shading
    reasons["extrude"] = (
        f"outline {'is' if cues.polygonal else 'is not'} a polygon ({cues.corners} corners, "
        f"fit {cues.polygon_fit:.2f}); shading {'flat' if flat_shading else 'curved'}"
    )
    scores["inflate"] = (
        0.5 + 0.2 * cues.shading.get("inflate", 0.0) - 0.25 * cues.polygonal
        - 0.1 * revolvable
    )
    reasons["inflate"] = (
        f"rounded reading; shading fit {cues.shading.get('inflate', 0.0):.2f}, "
        f"outline {'polygonal' if cues.polygonal else 'smooth'}"
    )
    scores["relief"] = 0.15 + 0.1 * flat_shading
    reasons["relief"] = "thin reading; only likely for signs and cards"
    scores = {k: float(np.clip(v, 0.0, 1.0)) for k, v in scores.items()}
    chosen = max(scores, key=scores.get)
    return Verdict(scores=scores, reasons=reasons, chosen=chosen)


def shading_fit(silhouette: Silhouette, interval: DepthInterval, luminance: np.ndarray) -> float:
    """R² of brightness explained by the front surface's normals under one fitted light."""
    inner = silhouette.sdf > 2.0
    if np.count_nonzero(inner) < 20:
        return 0.0
    dz_drow, dz_dcol = np.gradient(interval.front / silhouette.pixel)
    normals = np.stack([-dz_dcol, dz_drow, np.ones_like(dz_dcol)], axis=-1)
    normals /= np.linalg.norm(normals, axis=-1, keepdims=True)
    design = np.concatenate([np.ones((np.count_nonzero(inner), 1)), normals[inner]], axis=1)
    target = luminance[inner]
    coeffs, *_ = np.linalg.lstsq(design, target, rcond=None)
    residual = target - design @ coeffs
    total = np.sum((target - target.mean()) ** 2)
    return float(max(0.0, 1.0 - np.sum(residual**2) / total)) if total > 1e-9 else 0.0


def _polygon(mask: np.ndarray) -> tuple[int, float]:
    """Corners of the outline's polygon approximation and that polygon's IoU with the mask."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return 0, 0.0
    contour = max(contours, key=cv2.contourArea)
    poly = cv2.approxPolyDP(contour, 0.015 * cv2.arcLength(contour, True), True)
    drawn = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(drawn, [poly], 1)
    outline = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(outline, [contour], 1)
    union = np.count_nonzero(drawn | outline)
    return len(poly), (np.count_nonzero(drawn & outline) / union if union else 0.0)
