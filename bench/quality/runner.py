"""Running the benchmark: per case, photograph the ground truth, rebuild it with every spin and
baseline from each input kind (RGBA, RGB on white, RGB on a natural photo), score everything,
save a contact sheet."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

from bench.contact_sheet import rows_sheet
from bench.quality.backgrounds import background_name
from bench.quality.baselines import BASELINES, baseline_model
from bench.quality.cases import Case, GroundTruth, make_ground_truth, select_cases
from bench.quality.evaluate import (
    Reference,
    failed_scores,
    make_reference,
    over_background,
    score_frames,
)
from bench.quality.metrics import camera_frame
from bench.quality.photo import MODES, PHOTO_FOV, framed_camera, lit_render, photographs
from i23d.engine import PRIORS, Engine, EngineError, EngineOptions
from i23d.engine.camera import Camera
from i23d.engine.render import turntable
from i23d.engine.segment import DEFAULT_CUTOUT

ORACLE_METRIC = ("aligned", "f_0.02")
"""The oracle (best) spin is the one with the highest F-score@0.02 after alignment."""
SHEET_TILE = 192
LEAN_BASELINE = "sqrt_inflation"


def photo_camera(truth: GroundTruth) -> Camera:
    """The input camera: the conventions' framing at the case's azimuth and elevation."""
    case = truth.case
    return framed_camera(np.asarray(truth.solid.vertices), case.azimuth_deg, case.elevation_deg)


@dataclass(frozen=True)
class Photographed:
    """A case's ground truth, the camera that took its photos, the photos (one per input kind),
    the reference its models are scored against and the case's seed (surface sampling)."""

    truth: GroundTruth
    camera: Camera
    photos: dict[str, np.ndarray]
    reference: Reference
    seed: int


def photograph(case: Case) -> Photographed:
    """Build ``case``'s ground truth, photograph it in every input kind and make its reference."""
    truth = make_ground_truth(case)
    camera = photo_camera(truth)
    photos = photographs(lit_render(truth.textured, camera), case.seed)
    reference = make_reference(camera_frame(truth.solid, camera), truth.textured, camera, case.seed)
    return Photographed(truth, camera, photos, reference, case.seed)


def score_model(model: trimesh.Trimesh, shot: Photographed) -> dict:
    """:func:`score_frames` of an engine model. Models come out +Y up with the photographed side
    facing +Z: the camera's elevation alone turns them into the camera's frame, where the truth
    is compared."""
    level = Camera(elevation_deg=shot.camera.elevation_deg)
    return score_frames(camera_frame(model, level), shot.reference, shot.seed)


def run_case(
    case: Case,
    modes: tuple[str, ...] = MODES,
    sheet_dir: Path | None = None,
    lean: bool = False,
    cutout: str = DEFAULT_CUTOUT,
) -> dict:
    """Every method's scores on one case, for each input mode (``lean``: only the chosen spin
    and naive inflation, the headline numbers; ``cutout``: the engine's cut-out for photos
    without alpha). A mode whose run fails (the engine refuses the
    photo) scores the worst value on every metric."""
    started = time.perf_counter()
    shot = photograph(case)
    engine, options = Engine(cutout=cutout), EngineOptions()
    result: dict = {
        "case": case.name,
        "subset": case.subset,
        "category": case.category,
        "priors": list(case.priors),
        "elevation_deg": case.elevation_deg,
        "azimuth_deg": case.azimuth_deg,
        "background": background_name(case.seed),
        "cutout": cutout,
        "modes": {},
    }
    chosen_models = {}
    for mode in modes:
        try:
            cutout = engine.load(shot.photos[mode], PHOTO_FOV)
            verdict = engine.choose(cutout, options)
            priors = (verdict.chosen,) if lean else PRIORS
            models = {prior: engine.build(cutout, prior, options) for prior in priors}
        except EngineError as error:
            failed = failed_scores()
            result["modes"][mode] = {
                "error": error.message,
                "chosen": "-",
                "oracle": "-",
                "chooser_scores": {},
                "scores": {name: failed for name in ("chosen", "oracle", *PRIORS, *BASELINES)},
            }
            continue
        baselines = (LEAN_BASELINE,) if lean else BASELINES
        models |= {name: baseline_model(cutout, name) for name in baselines}
        scores = {name: score_model(model, shot) for name, model in models.items()}
        frame, metric = ORACLE_METRIC
        oracle = max(priors, key=lambda prior: scores[prior][frame][metric])
        scores["chosen"] = scores[verdict.chosen]
        if not lean:
            scores["oracle"] = scores[oracle]
        result["modes"][mode] = {
            "chosen": verdict.chosen,
            "reason": verdict.reasons[verdict.chosen],
            "oracle": oracle,
            "chooser_scores": verdict.scores,
            "scores": scores,
        }
        chosen_models[mode] = (cutout, models[verdict.chosen])
    if sheet_dir is not None:
        sheet = contact_sheet(
            case.name, shot.photos, shot.truth.textured, chosen_models, result["modes"]
        )
        sheet.save(sheet_dir / f"{case.name}.png")
    result["seconds"] = time.perf_counter() - started
    return result


def run_named_case(
    name: str,
    modes: tuple[str, ...],
    sheet_dir: Path | None,
    lean: bool = False,
    cutout: str = DEFAULT_CUTOUT,
    select: Callable[[list[str]], list[Case]] = select_cases,
) -> dict:
    """:func:`run_case` by case name (cases hold their builders, which do not pickle), looked
    up with ``select`` (a module-level function, so that it pickles)."""
    return run_case(select([name])[0], modes, sheet_dir, lean, cutout)


def contact_sheet(name, photos, truth_textured, chosen_models, mode_results) -> Image.Image:
    """Rows: the RGBA photo and the ground truth's turntable (0/90/180/270°, 15° up); then per
    input mode, the photo, the cut-out the engine made of it (over grey) and the chosen spin's
    turntable."""
    tile = SHEET_TILE

    def tiles(frames: list[np.ndarray]) -> list[Image.Image]:
        return [Image.fromarray(frame[..., :3]).resize((tile, tile)) for frame in frames]

    truth_frames = turntable(truth_textured, frames=4, size=2 * tile)
    rows = [
        (
            f"{name}: photo | ground truth",
            tiles([over_background(photos["rgba"])])
            + [Image.new("RGB", (tile, tile), (255, 255, 255))]
            + tiles(truth_frames),
        )
    ]
    for mode, (cutout, model) in chosen_models.items():
        label = f"{mode} input | cut-out | chosen: {mode_results[mode]['chosen']}"
        label += f" (oracle: {mode_results[mode]['oracle']})"
        photo = photos[mode] if photos[mode].shape[2] == 3 else over_background(photos[mode])
        rows.append(
            (
                label,
                tiles([photo, over_background(cutout.rgba)])
                + tiles(turntable(model, frames=4, size=2 * tile)),
            )
        )
    return rows_sheet(rows, tile)


def run_cases(
    cases: list[Case],
    modes: tuple[str, ...],
    sheet_dir: Path | None,
    workers: int,
    lean: bool = False,
    done: Callable[[list[dict]], None] | None = None,
    cutout: str = DEFAULT_CUTOUT,
    select: Callable[[list[str]], list[Case]] = select_cases,
) -> list[dict]:
    """Run cases in ``workers`` fresh processes (each with its own GL context), in order;
    ``done`` is called with the results so far as each case finishes; ``select`` finds a case
    by name in a worker (cases not in :data:`~bench.quality.cases.CASES`, e.g. bench.dev's)."""
    results: list[dict] = []
    if workers <= 1:
        for case in cases:
            results.append(run_case(case, modes, sheet_dir, lean, cutout))
            if done:
                done(results)
        return results
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = [
            pool.submit(run_named_case, case.name, modes, sheet_dir, lean, cutout, select)
            for case in cases
        ]
        for future in futures:
            results.append(future.result())
            if done:
                done(results)
        return results
