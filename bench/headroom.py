"""What knowing the truth would be worth: the chosen solid scored again with each grid pixel's
depth moved to where the truth is along that pixel's ray, or built at the true camera elevation.

Per view (the RGBA photo; the engine's own cut-out, camera, silhouette on the turbo grid and
chosen prior) the truth is cast along every grid pixel's ray, in the engine's frame (scaled about
the camera, the crop's offset from the optical axis added to the rays). The solid is then
scored as built (``chosen``) and:

- ``front``: shifted along z so its front meets the truth's front, each pixel's thickness kept
  (a perfect depth map of the visible surface, the back still the prior's guess);
- ``placement``: those shifts smoothed over :data:`PLACEMENT_SIGMA` of the grid, where the
  parts sit in depth without their relief (what a coarse depth estimate would give);
- ``relief``: the shifts less their smoothed part, the relief alone (what shape from shading
  could add to the prior);
- ``hull``: the truth's own first and last hits (the visible hull: the limit of any solid
  built pixel by pixel from this view);
- ``elevation``: the prior built at the photo's true camera elevation instead of the one read
  from the outline (a box read from the outline kept): what an elevation cue would be worth.

The mean shift is taken out (the metrics normalise the model's position). Only pixels inside
the silhouette move; rays that miss the truth there take their nearest hit's depths.

Run ``python -m bench.headroom`` (``--set quality`` for the reported views, ``--cases NAME ...``,
``--workers 2``). It prints F@0.02 aligned / F@0.05 view / input-view silhouette IoU (view
frame) per view and the means per subset.
"""

from __future__ import annotations

import argparse
import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import trimesh
from scipy import ndimage

from bench.dev.cases import select_dev_cases
from bench.quality.cases import Case, select_cases
from bench.quality.photo import PHOTO_FOV
from bench.quality.runner import photograph, score_model
from i23d.engine import Engine, EngineOptions
from i23d.engine.cues import read_cues
from i23d.engine.reconstructors.base import TEXTURE_SIZE
from i23d.engine.reconstructors.classical import GRID, textured_model
from i23d.engine.shapes import PRIORS, DepthInterval
from i23d.engine.silhouette import Silhouette, make_silhouette
from i23d.engine.texture import texture_image

PLACEMENT_SIGMA = 4.0 / 128
"""Of the grid's side: the Gaussian that smooths the shifts into a placement (4 turbo pixels)."""
VARIANTS = ("chosen", "front", "placement", "relief", "hull", "elevation")
SETS = {"dev": select_dev_cases, "quality": select_cases}


@dataclass(frozen=True)
class TruthDepths:
    """World depths (engine frame) of the truth's first (``front``) and last (``back``) hit
    along each grid pixel's ray; NaN where the ray misses it."""

    front: np.ndarray
    back: np.ndarray


def truth_along_rays(
    truth: trimesh.Trimesh,
    truth_distance: float,
    silhouette: Silhouette,
    axis_slopes: tuple[float, float] = (0.0, 0.0),
) -> TruthDepths:
    """Cast ``truth`` (camera frame: the camera at (0, 0, ``truth_distance``) looking down -Z)
    along the silhouette's rays inside its mask, after scaling it about the camera to the
    silhouette's camera distance. ``axis_slopes`` is the slope (x, y) of the ray through the
    grid's centre in the truth's camera (a crop off the optical axis)."""
    mesh = truth.copy()
    scale = silhouette.distance / truth_distance
    points = np.asarray(mesh.vertices, dtype=np.float64).copy()
    points[:, 2] -= truth_distance
    points *= scale
    points[:, 2] += silhouette.distance
    mesh.vertices = points
    kx, ky = silhouette.ray_slopes()
    rows, cols = np.nonzero(silhouette.mask)
    directions = np.stack(
        [kx[cols] + axis_slopes[0], ky[rows] + axis_slopes[1], -np.ones(len(rows))], axis=1
    )
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    origins = np.tile([0.0, 0.0, silhouette.distance], (len(rows), 1))
    hits, ray, _ = mesh.ray.intersects_location(origins, directions, multiple_hits=True)
    first = np.full(len(rows), -np.inf)
    last = np.full(len(rows), np.inf)
    np.maximum.at(first, ray, hits[:, 2])
    np.minimum.at(last, ray, hits[:, 2])
    hit = np.isfinite(first)
    front = np.full(silhouette.mask.shape, np.nan)
    back = np.full(silhouette.mask.shape, np.nan)
    front[rows[hit], cols[hit]] = first[hit]
    back[rows[hit], cols[hit]] = last[hit]
    return TruthDepths(front, back)


def moved_intervals(
    chosen: DepthInterval, truth: TruthDepths, mask: np.ndarray
) -> dict[str, DepthInterval]:
    """The chosen solid's intervals and the variants moved towards the truth (see the module's
    docstring); pixels outside ``mask`` keep the chosen intervals."""
    hit = np.isfinite(truth.front) & mask
    if not hit.any():
        return {"chosen": chosen}
    _, (rows, cols) = ndimage.distance_transform_edt(~hit, return_indices=True)
    front, back = truth.front[rows, cols], truth.back[rows, cols]
    shift = np.where(mask, front - chosen.front, 0.0)
    shift = np.where(mask, shift - shift[mask].mean(), 0.0)
    sigma = PLACEMENT_SIGMA * mask.shape[0]
    weight = ndimage.gaussian_filter(mask.astype(np.float64), sigma)
    placement = ndimage.gaussian_filter(shift, sigma) / np.maximum(weight, 1e-9)
    placement = np.where(mask, placement, 0.0)
    offset = (front - chosen.front)[mask].mean()

    def moved(by: np.ndarray) -> DepthInterval:
        return DepthInterval(front=chosen.front + by, back=chosen.back + by)

    hull = DepthInterval(
        front=np.where(mask, front - offset, chosen.front),
        back=np.where(mask, back - offset, chosen.back),
    )
    return {
        "chosen": chosen,
        "front": moved(shift),
        "placement": moved(placement),
        "relief": moved(shift - placement),
        "hull": hull,
    }


def score_case(case: Case) -> dict:
    """F@0.02 aligned, F@0.05 view and input-view silhouette IoU (view frame) of the chosen
    solid and of each variant, on ``case``'s RGBA photo."""
    shot = photograph(case)
    camera, rgba = shot.camera, shot.photos["rgba"]
    engine, options = Engine(), EngineOptions()
    cutout = engine.load(rgba, PHOTO_FOV)
    chosen = engine.choose(cutout, options).chosen
    prior, steps = PRIORS[chosen], options.diffusion_time_steps
    elevation, box = read_cues(cutout).camera
    silhouette = make_silhouette(cutout, GRID["turbo"], options.pixel_alignment, elevation, box)
    ys, xs = np.nonzero(rgba[..., 3] > 127)
    centre = np.array([(xs.min() + xs.max() + 1) / 2.0, (ys.min() + ys.max() + 1) / 2.0])
    offset = (centre - camera.size / 2.0) / camera.focal_px
    depths = truth_along_rays(
        shot.reference.solid, camera.distance, silhouette, (offset[0], -offset[1])
    )
    moved = moved_intervals(prior.solid(silhouette, steps), depths, silhouette.mask)
    builds = [(name, silhouette, interval) for name, interval in moved.items()]
    at_true_elevation = make_silhouette(
        cutout, GRID["turbo"], options.pixel_alignment, case.elevation_deg, box
    )
    builds.append(("elevation", at_true_elevation, prior.solid(at_true_elevation, steps)))
    texture = texture_image(cutout, TEXTURE_SIZE["turbo"])
    scores = {}
    for name, frame, interval in builds:
        model = textured_model(frame, interval, texture, keep=1.0)
        frames = score_model(model, shot)
        scores[name] = (
            frames["aligned"]["f_0.02"],
            frames["view"]["f_0.05"],
            frames["view"]["silhouette_iou_input"],
        )
    return {"case": case.name, "subset": case.subset, "prior": chosen, "scores": scores}


def score_view(view: tuple[str, str]) -> dict:
    """:func:`score_case` on the view named ``view[1]`` of the set ``view[0]`` (cases are
    looked up in the worker: a real mesh's case does not pickle)."""
    set_name, name = view
    return score_case(next(c for c in SETS[set_name]([name]) if c.name == name))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.headroom",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--set", choices=("dev", "quality"), default="dev")
    parser.add_argument("--cases", nargs="+", metavar="NAME", help="views by name (or prefix)")
    parser.add_argument("--workers", type=int, default=2, help="parallel processes")
    args = parser.parse_args(argv)
    cases = SETS[args.set](args.cases)
    print(
        f"F@0.02 aligned / F@0.05 view / silhouette IoU (input view, view frame), RGBA photos, "
        f"{len(cases)} {args.set} views"
    )
    print(f"{'view':34s} {'prior':8s} " + " ".join(f"{name:>17s}" for name in VARIANTS))
    results = []
    with ProcessPoolExecutor(args.workers) as pool:
        for result in pool.map(score_view, [(args.set, case.name) for case in cases]):
            results.append(result)
            cells = " ".join(
                _cell(result["scores"][name]) if name in result["scores"] else f"{'-':>17s}"
                for name in VARIANTS
            )
            print(f"{result['case']:34s} {result['prior']:8s} {cells}", flush=True)
    for subset in sorted({r["subset"] for r in results}) + ["all"]:
        members = [r for r in results if subset in ("all", r["subset"])]
        means = []
        for name in VARIANTS:
            values = [r["scores"].get(name, r["scores"]["chosen"]) for r in members]
            means.append(_cell(tuple(statistics.mean(v[i] for v in values) for i in range(3))))
        print(f"{'mean ' + subset + f' ({len(members)})':34s} {'':8s} " + " ".join(means))


def _cell(scores: tuple[float, ...]) -> str:
    return "/".join(f"{value:5.3f}" for value in scores)


if __name__ == "__main__":
    main()
