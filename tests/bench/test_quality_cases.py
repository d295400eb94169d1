"""The ground-truth cases: closed, normalised, labelled, deterministically textured."""

from __future__ import annotations

import numpy as np
import pytest

from bench.quality.cases import (
    CASES,
    QUICK,
    make_ground_truth,
    real_meshes_available,
    select_cases,
)
from i23d.engine import PRIORS
from i23d.engine.shapes.extrude import DEPTH_RATIO


def _check_normalised(truth) -> None:
    low, high = truth.solid.bounds
    assert np.max(high - low) == pytest.approx(1.0)
    assert (low + high) / 2 == pytest.approx(np.zeros(3), abs=1e-9)
    assert truth.solid.volume > 0  # outward-wound
    if truth.case.subset == "procedural":
        assert truth.solid.is_watertight and truth.solid.is_winding_consistent
    # The rendered surface is the same surface: same bounds, same area.
    assert truth.textured.bounds == pytest.approx(truth.solid.bounds, abs=1e-9)
    assert truth.textured.area == pytest.approx(truth.solid.area, rel=1e-6)


def test_some_cases_are_closed_normalised_solids():
    for case in select_cases(["sphere", "star", "snowman"]):
        _check_normalised(make_ground_truth(case))


@pytest.mark.slow
def test_every_case_is_a_normalised_outward_surface():
    for case in select_cases():
        _check_normalised(make_ground_truth(case))


@pytest.mark.skipif(not real_meshes_available(), reason="../shared/meshes is not there")
def test_real_meshes_load_outward_and_normalised():
    for name in ("suzanne", "beetle_side"):
        truth = make_ground_truth(select_cases([name])[0])
        _check_normalised(truth)
        assert not truth.solid.is_watertight  # as the meshes' README says


def test_cases_cover_three_quarter_views_elevations_and_real_meshes():
    elevated = sum(case.elevation_deg == 15.0 for case in CASES)
    assert 0.15 <= elevated / len(CASES) <= 0.25  # about one in five
    assert sum(case.azimuth_deg != 0.0 for case in CASES) >= 5
    assert {case.subset for case in CASES} == {"procedural", "real"}


def test_cases_are_labelled_with_known_priors_and_unique_names():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)) >= 25
    assert set(QUICK) <= set(names)
    for case in CASES:
        assert set(case.priors) <= set(PRIORS)
        assert case.elevation_deg in (0.0, 15.0)
    assert sum(case.elevation_deg == 15.0 for case in CASES) >= 3


def test_prior_depth_prism_follows_the_extrusion_rule():
    truth = make_ground_truth(select_cases(["hexagon"])[0])
    width, height, depth = np.ptp(truth.solid.vertices, axis=0)
    assert depth == pytest.approx(DEPTH_RATIO * min(width, height), rel=1e-6)


def test_ground_truth_is_deterministic_and_textured():
    case = select_cases(["metaballs"])[0]
    first, second = make_ground_truth(case), make_ground_truth(case)
    assert np.array_equal(first.solid.vertices, second.solid.vertices)
    image = first.textured.visual.material.baseColorTexture
    assert np.array_equal(
        np.asarray(image), np.asarray(second.textured.visual.material.baseColorTexture)
    )
    assert len(np.unique(np.asarray(image).reshape(-1, 3), axis=0)) > 20


def test_uvs_never_wrap_across_a_face():
    truth = make_ground_truth(select_cases(["cylinder"])[0])
    uv = truth.textured.visual.uv[truth.textured.faces]  # (F, 3, 2)
    assert np.ptp(uv[..., 0], axis=1).max() < 0.5
    assert uv[..., 1].min() >= 0.0 and uv[..., 1].max() <= 1.0


def test_unknown_case_names_are_refused():
    with pytest.raises(ValueError, match="unknown case"):
        select_cases(["teapot"])
