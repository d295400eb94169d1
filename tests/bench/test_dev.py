"""The dev set: disjoint from the reported views, deterministic, closed new objects, runnable."""

from __future__ import annotations

import json

import pytest

from bench.dev import objects
from bench.dev.__main__ import main
from bench.dev.cases import (
    _DEV,
    DEV_CASES,
    REAL_VIEWS,
    _build_dev_cases,
    check_disjoint,
    select_dev_cases,
    shape_key,
    view_key,
)
from bench.quality.cases import CASES


def test_no_dev_view_equals_a_reported_one():
    reported = {view_key(shape_key(case), case) for case in CASES}
    assert not reported & {view_key(shape, case) for case, shape in _DEV}
    assert not {case.name for case in CASES} & {case.name for case in DEV_CASES}


def test_the_check_catches_a_reported_view():
    sphere = next(case for case in CASES if case.name == "sphere")
    with pytest.raises(AssertionError, match="reported"):
        check_disjoint((*_DEV, (sphere, "sphere")))


def test_dev_views_are_deterministic_and_cover_both_subsets():
    again = _build_dev_cases()
    assert [(c.name, c.azimuth_deg, c.elevation_deg, c.pattern) for c, _ in again] == [
        (c.name, c.azimuth_deg, c.elevation_deg, c.pattern) for c in DEV_CASES
    ]
    subsets = {case.subset for case in DEV_CASES}
    assert subsets == {"procedural", "real"}
    # Every reported case's object is seen once more, from another elevation.
    shifted = {shape_key(case) for case in CASES}
    seen = [case for case, shape in _DEV if shape in shifted]
    assert len(seen) == len(CASES) + len(REAL_VIEWS)


def test_selection_prefers_exact_names_then_prefixes():
    assert [c.name for c in select_dev_cases(["dev_pawn_a0_e0"])] == ["dev_pawn_a0_e0"]
    assert len(select_dev_cases(["dev_pawn"])) == 2
    with pytest.raises(ValueError):
        select_dev_cases(["nothing"])


def test_every_new_object_is_a_closed_solid():
    for build in (*objects.FIGURES.values(), *objects.LATHE_COMPOSITES.values()):
        mesh = build()
        assert mesh.is_watertight and mesh.volume > 0


def test_one_dev_case_runs_end_to_end(tmp_path, capsys):
    main(["--cases", "dev_pawn_a0_e0", "--results", str(tmp_path), "--no-sheets"])
    saved = json.loads((tmp_path / "dev.json").read_text())
    assert [r["case"] for r in saved["cases"]] == ["dev_pawn_a0_e0"]
    assert "procedural  rgba" in capsys.readouterr().out
