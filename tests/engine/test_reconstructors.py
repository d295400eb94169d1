"""The reconstruction seam: the registry (built-ins and entry-point plugins, broken ones
listed, never fatal), the engine over any backend, its lifecycle, the chooser over whatever
priors are registered, and the backend-independent photo-match score."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import trimesh

from i23d.config import Settings
from i23d.engine import Engine, EngineOptions, InvalidOption
from i23d.engine.reconstructors import (
    ReconstructorUnavailable,
    UnknownReconstructor,
    create,
    listing,
    names,
)
from i23d.engine.reconstructors.projection import camera_frame, fit_to_silhouette, photo_textured
from i23d.engine.reconstructors.scoring import match_photo
from i23d.engine.shapes import PRIORS, ShapePrior
from i23d.engine.shapes.relief import relief
from i23d.runtime.engine import build_engine
from tests.engine import photos
from tests.engine.plugins import install_plugins
from tests.engine.toy_backend import ToyReconstructor


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugins(tmp_path / "site", monkeypatch)


@pytest.fixture(scope="module")
def vase_cutout():
    return Engine().load(photos.photograph(photos.vase()))


def test_classical_is_the_default_and_offers_one_spin_per_prior() -> None:
    assert names()[0] == "classical"
    engine = Engine()
    assert engine.reconstructor.name == "classical"
    assert engine.reconstructor.labels == tuple(PRIORS) and engine.spin_count == 4


def test_an_unknown_name_lists_the_registered_ones(plugins: None) -> None:
    with pytest.raises(UnknownReconstructor, match=r"unknown reconstructor 'nope'; registered: "):
        create("nope")
    with pytest.raises(UnknownReconstructor, match="classical, toy, needy, broken"):
        build_engine(Settings(reconstructor="nope"))


def test_plugins_register_through_the_entry_point_group(plugins: None) -> None:
    rows = {row.registration.name: row for row in listing()}
    assert list(rows) == ["classical", "toy", "needy", "broken"]
    assert rows["classical"].registration.origin == "built-in"  # a plugin cannot replace it
    toy = rows["toy"]
    assert toy.registration.origin == "plugin i23d-test-plugins"
    assert toy.availability.ok and toy.spin_count == 2
    needy = rows["needy"]
    assert not needy.availability.ok and "/nowhere/model.ckpt" in needy.availability.reason
    assert needy.requirements is not None and needy.requirements.gpu == "required"
    broken = rows["broken"]
    assert not broken.availability.ok
    assert "failed to load: ModuleNotFoundError" in broken.availability.reason


def test_unavailable_and_broken_backends_fail_clearly_at_start(plugins: None) -> None:
    with pytest.raises(ReconstructorUnavailable, match="'needy' cannot run here: expected"):
        build_engine(Settings(reconstructor="needy"))
    with pytest.raises(ReconstructorUnavailable, match="'broken'.*ModuleNotFoundError"):
        create("broken")
    assert build_engine(Settings()).reconstructor.name == "classical"  # others still start


def test_a_plugin_runs_through_the_engine(plugins: None) -> None:
    engine = build_engine(Settings(reconstructor="toy"))
    assert engine.spin_count == 2
    stages: list[tuple[float, str]] = []
    spin_set = engine.spins(
        photos.photograph(photos.vase()), EngineOptions(), lambda f, s: stages.append((f, s))
    )
    fractions = [fraction for fraction, _ in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [spin.label for spin in spin_set.spins] == ["ball", "block"]
    assert all(spin.video_mp4[4:8] == b"ftyp" for spin in spin_set.spins)
    assert all(spin.reason.startswith("seen from the photo's camera") for spin in spin_set.spins)
    model = engine.build(spin_set.cutout, 1, EngineOptions(preview_mesh="hd"))
    assert model.is_watertight and model.extents.max() == pytest.approx(1.0)
    assert model.visual.material.baseColorTexture.size == (2048, 2048)
    with pytest.raises(InvalidOption, match="index 0-1 or one of ball, block; got 2"):
        engine.build(spin_set.cutout, 2, EngineOptions())


def test_the_engine_loads_its_backend_once_and_releases_it() -> None:
    backend = ToyReconstructor()
    engine = Engine(reconstructor=backend)
    threads = [threading.Thread(target=engine.start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.choose(photos.photograph(photos.vase()), EngineOptions())
    assert (backend.loads, backend.releases) == (1, 0)
    engine.close()
    engine.close()
    assert (backend.loads, backend.releases) == (1, 1)


def test_a_new_prior_is_one_entry_and_the_chooser_scores_it(
    monkeypatch: pytest.MonkeyPatch, vase_cutout
) -> None:
    slab = ShapePrior(relief, lambda cues: (0.95, f"slab reading: {cues.edges}"))
    monkeypatch.setitem(PRIORS, "slab", slab)
    engine = Engine()
    verdict = engine.choose(vase_cutout, EngineOptions())
    assert verdict.chosen == "slab" and verdict.scores["slab"] == 0.95
    spin_set = engine.spins(vase_cutout, EngineOptions(), videos=False)
    assert [spin.label for spin in spin_set.spins][-1] == "slab"
    assert spin_set.spins[spin_set.chosen].label == "slab"


def test_the_photo_match_ranks_the_right_shape_first(vase_cutout) -> None:
    spin_set = Engine().spins(vase_cutout, EngineOptions(), videos=False)
    revolve = next(spin for spin in spin_set.spins if spin.label == "revolve")
    fitted = match_photo(revolve.mesh, vase_cutout)
    frame = camera_frame(vase_cutout, 64)
    ball = photo_textured(
        fit_to_silhouette(trimesh.creation.icosphere(3), frame), vase_cutout, frame, 256
    )
    wrong = match_photo(ball, vase_cutout)
    assert fitted.iou > 0.95 and fitted.colour > 0.9
    assert wrong.iou < fitted.iou - 0.2
    assert fitted.score > wrong.score


def test_any_mesh_placed_in_the_camera_frame_matches_the_photo(vase_cutout) -> None:
    """A model as a neural backend returns it (its own scale and position, +Y up) is placed
    and textured so that the photo's camera sees the photo."""
    revolve = Engine().build(vase_cutout, "revolve", EngineOptions())
    raw = trimesh.Trimesh(revolve.vertices * 3.0 + (5.0, -2.0, 1.0), revolve.faces)
    frame = camera_frame(vase_cutout, 96)
    model = photo_textured(fit_to_silhouette(raw, frame), vase_cutout, frame, 1024)
    match = match_photo(model, vase_cutout)
    assert match.iou > 0.95 and match.colour > 0.95
    assert np.allclose(model.bounds.mean(axis=0), 0.0, atol=1e-9)
    assert model.extents[1] == pytest.approx(1.0)  # upright, as given
