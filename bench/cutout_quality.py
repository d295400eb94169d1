"""The cut-out alone: mask IoU against the render's alpha, stray specks on a plain background,
how much lighter or darker the texture's colours at the outline come out, and seconds per
photo, for the classical, guided and learned cut-outs and IS-Net model files alone at several
input sides.

Photos: bench.quality's objects seen from other angles than the quality benchmark uses
(azimuth 60°, elevation 10°), over white and over each natural background, 512².

Run ``python -m bench.cutout_quality`` (``--models PATH ...`` to compare other IS-Net files,
e.g. the quantised ``/models/small``; ``--sides 320 512 1024``; ``--cases NAME ...``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

from bench.quality.backgrounds import BACKGROUNDS, natural_background
from bench.quality.cases import make_ground_truth, select_cases
from bench.quality.photo import WHITE, framed_camera, lit_render, over_colour, over_image
from i23d.engine.cutout import FILL
from i23d.engine.saliency import DEFAULT_MODEL_DIR, MODEL_FILE, SalientObjectModel
from i23d.engine.segment import find_object, main_object, remove_background
from i23d.engine.texture import EDGE_FRACTION

CASES = ("mug", "table", "snowman", "lamp", "beast", "beetle_side", "ogre")
RIM = 15
"""Pixels from the true outline inwards over which the texture's lightness is compared."""
AZIMUTH, ELEVATION = 60.0, 10.0


def photos(case_names: list[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, RGB photo, true alpha) over white and every natural background per case."""
    out = []
    for index, case in enumerate(select_cases(case_names)):
        truth = make_ground_truth(case)
        camera = framed_camera(np.asarray(truth.solid.vertices), AZIMUTH, ELEVATION)
        rgba = lit_render(truth.textured, camera)
        alpha = rgba[..., 3].astype(np.float32) / 255.0
        out.append((f"{case.name} / white", over_colour(rgba, WHITE), alpha))
        for offset, name in enumerate(BACKGROUNDS):
            # seed % 7 picks the background; these crops are not the quality benchmark's.
            seed = len(BACKGROUNDS) * (1000 + index) + offset
            background = natural_background(seed, 512)
            out.append((f"{case.name} / {name}", over_image(rgba, background), alpha))
    return out


def iou(alpha: np.ndarray, truth: np.ndarray) -> float:
    a, b = alpha > 0.5, truth > 0.5
    return float(np.count_nonzero(a & b) / max(1, np.count_nonzero(a | b)))


def rim_lightness(rgb: np.ndarray, alpha: np.ndarray, truth: np.ndarray) -> float:
    """Mean lightness change (8-bit Lab L) of the texture's colours within ``RIM`` of the true
    outline: the texture's rule (edge band taken from a little inside, texture.py) applied at
    the photo's resolution with the cut-out's mask, against the same with the true mask.
    Negative: darker (background mixed in)."""
    object_side = int(np.ptp(np.nonzero(truth > 0.5), axis=1).max()) + 1
    edge = max(1, round(EDGE_FRACTION * object_side / FILL))
    lightness = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)

    def texture_lightness(mask: np.ndarray) -> np.ndarray:
        inside = ndimage.binary_erosion(mask, iterations=edge)
        if not inside.any():
            inside = mask
        _, (rows, cols) = ndimage.distance_transform_edt(~inside, return_indices=True)
        return lightness[rows, cols]

    true = truth > 0.5
    band = true & ~ndimage.binary_erosion(true, iterations=RIM)
    if not (alpha > 0.5).any():
        return float("nan")
    change = texture_lightness(alpha > 0.5) - texture_lightness(true)
    return float(change[band].mean())


def specks(alpha: np.ndarray) -> int:
    """Separate regions of the mask beyond the largest."""
    count, _, _, _ = cv2.connectedComponentsWithStats((alpha > 0.5).astype(np.uint8))
    return max(0, count - 2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cutout_quality",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--models", nargs="+", type=Path, default=[DEFAULT_MODEL_DIR / MODEL_FILE])
    parser.add_argument("--sides", nargs="+", type=int, default=[256, 512, 768, 1024])
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    args = parser.parse_args(argv)
    shots = photos(args.cases)
    methods = {
        "classical": remove_background,
        "guided": lambda rgb: find_object(rgb, "guided", None).alpha,
        "learned": lambda rgb: find_object(rgb, "learned", None).alpha,
    }
    for path in args.models:
        for side in args.sides:
            model = SalientObjectModel(path, side)
            methods[f"{path.stem}@{side} alone"] = lambda rgb, m=model: (
                main_object(m.predict(rgb)).alpha
            )
    print(f"{len(shots)} photos; 1-min load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'method':26s} {'IoU white':>9s} {'IoU natural':>11s} {'min IoU':>8s} "
        f"{'specks white':>12s} {'rim dL natural':>14s} {'s/photo':>8s}"
    )
    for name, method in methods.items():
        white, natural, rims, speckles, seconds = [], [], [], 0, []
        worst = (1.0, "")
        for label, rgb, alpha in shots:
            started = time.perf_counter()
            mask = method(rgb)
            seconds.append(time.perf_counter() - started)
            score = iou(mask, alpha)
            worst = min(worst, (score, label))
            if label.endswith("/ white"):
                white.append(score)
                speckles += specks(mask)
            else:
                natural.append(score)
                rims.append(rim_lightness(rgb, mask, alpha))
        print(
            f"{name:26s} {np.mean(white):9.3f} {np.mean(natural):11.3f} {worst[0]:8.3f} "
            f"{speckles:12d} {np.nanmean(rims):+14.2f} {statistics.median(seconds):8.2f}"
            f"   worst: {worst[1]}"
        )


if __name__ == "__main__":
    main()
