"""Running the benchmark: per case, photograph the ground truth, rebuild it with every spin and
baseline from RGBA and RGB inputs, score everything, save a contact sheet."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from bench.quality.baselines import BASELINES, baseline_model
from bench.quality.cases import Case, GroundTruth, make_ground_truth, select_cases
from bench.quality.evaluate import (
    BACKGROUND,
    make_reference,
    over_background,
    score_frames,
)
from bench.quality.metrics import camera_frame
from i23d.engine import PRIORS, Engine, EngineError, EngineOptions
from i23d.engine.camera import Camera, distance_to_fit
from i23d.engine.render import render, turntable

PHOTO_SIZE = 512
PHOTO_FOV = 40.0
PHOTO_FILL = 0.8
MODES = ("rgba", "rgb")
ORACLE_METRIC = ("aligned", "f_0.02")
"""The oracle (best) spin is the one with the highest F-score@0.02 after alignment."""
SHEET_TILE = 192


def photo_camera(truth: GroundTruth) -> Camera:
    """The input camera: 40° field of view, framing the object's bounding sphere at 80%."""
    radius = float(np.linalg.norm(truth.solid.vertices, axis=1).max())
    distance = distance_to_fit(radius, PHOTO_FOV, PHOTO_FILL)
    return Camera(PHOTO_FOV, distance, PHOTO_SIZE, 0.0, truth.case.elevation_deg)


def photographs(truth: GroundTruth, camera: Camera) -> dict[str, np.ndarray]:
    """The lit photo as RGBA (alpha = coverage) and as RGB over the plain background."""
    rgba = render(truth.textured, camera, lit=True)
    return {"rgba": rgba, "rgb": over_background(rgba, BACKGROUND)}


def run_case(case: Case, modes: tuple[str, ...] = MODES, sheet_dir: Path | None = None) -> dict:
    """Every method's scores on one case, for each input mode."""
    started = time.perf_counter()
    truth = make_ground_truth(case)
    camera = photo_camera(truth)
    photos = photographs(truth, camera)
    solid, textured = camera_frame(truth.solid, camera), camera_frame(truth.textured, camera)
    reference = make_reference(solid, textured, camera.distance, PHOTO_FOV, case.seed)
    engine, options = Engine(), EngineOptions()
    result: dict = {
        "case": case.name,
        "category": case.category,
        "priors": list(case.priors),
        "elevation_deg": case.elevation_deg,
        "modes": {},
    }
    chosen_models = {}
    for mode in modes:
        try:
            cutout = engine.load(photos[mode], PHOTO_FOV)
            verdict = engine.choose(cutout, options)
            models = {prior: engine.build(cutout, prior, options) for prior in PRIORS}
        except EngineError as error:
            result["modes"][mode] = {"error": error.message}
            continue
        models |= {name: baseline_model(cutout, name) for name in BASELINES}
        scores = {name: score_frames(model, reference, case.seed) for name, model in models.items()}
        frame, metric = ORACLE_METRIC
        oracle = max(PRIORS, key=lambda prior: scores[prior][frame][metric])
        scores["chosen"], scores["oracle"] = scores[verdict.chosen], scores[oracle]
        result["modes"][mode] = {
            "chosen": verdict.chosen,
            "oracle": oracle,
            "chooser_scores": verdict.scores,
            "scores": scores,
        }
        chosen_models[mode] = models[verdict.chosen]
    if sheet_dir is not None:
        sheet = contact_sheet(case.name, photos, textured, chosen_models, result["modes"])
        sheet.save(sheet_dir / f"{case.name}.png")
    result["seconds"] = time.perf_counter() - started
    return result


def run_named_case(name: str, modes: tuple[str, ...], sheet_dir: Path | None) -> dict:
    """:func:`run_case` by case name (cases hold their builders, which do not pickle)."""
    return run_case(select_cases([name])[0], modes, sheet_dir)


def contact_sheet(name, photos, truth_textured, chosen_models, mode_results) -> Image.Image:
    """Rows: the RGBA photo and the ground truth's turntable (0/90/180/270°, 15° up); then per
    input mode, the photo and the chosen spin's turntable."""
    tile = SHEET_TILE

    def tiles(frames: list[np.ndarray]) -> list[Image.Image]:
        return [Image.fromarray(frame[..., :3]).resize((tile, tile)) for frame in frames]

    truth_frames = turntable(truth_textured, frames=4, size=2 * tile)
    rows = [(f"{name}: photo | ground truth", tiles([over_background(photos["rgba"])])
             + tiles(truth_frames))]
    for mode, model in chosen_models.items():
        label = f"{mode} input | chosen: {mode_results[mode]['chosen']}"
        label += f" (oracle: {mode_results[mode]['oracle']})"
        photo = photos[mode] if mode == "rgb" else over_background(photos[mode])
        rows.append((label, tiles([photo]) + tiles(turntable(model, frames=4, size=2 * tile))))
    sheet = Image.new("RGB", (5 * tile, len(rows) * (tile + 16)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for index, (label, images) in enumerate(rows):
        top = index * (tile + 16)
        draw.text((4, top + 2), label, fill=(0, 0, 0))
        for column, image in enumerate(images):
            sheet.paste(image, (column * tile, top + 16))
    return sheet


def run_cases(
    cases: list[Case], modes: tuple[str, ...], sheet_dir: Path | None, workers: int
) -> list[dict]:
    """Run cases in ``workers`` fresh processes (each with its own GL context), in order."""
    if workers <= 1:
        return [run_case(case, modes, sheet_dir) for case in cases]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(run_named_case, case.name, modes, sheet_dir) for case in cases]
        return [future.result() for future in futures]
