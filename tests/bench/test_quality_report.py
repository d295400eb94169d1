"""The benchmark summary's arithmetic: means, chooser accuracy, categories, targets."""

from __future__ import annotations

import pytest

from bench.quality.evaluate import failed_scores
from bench.quality.report import METHODS, METRICS, format_report, summarise


def _scores(f: float) -> dict:
    frame = {metric: f for metric in METRICS}
    return {"view": frame, "aligned": dict(frame)}


def _result(name: str, category: str, priors: list[str], f: dict[str, float], chosen: str):
    scores = {method: _scores(f.get(method, 0.1)) for method in METHODS}
    oracle = max(("inflate", "revolve", "extrude", "relief"), key=lambda p: f.get(p, 0.1))
    scores["chosen"], scores["oracle"] = scores[chosen], scores[oracle]
    return {
        "case": name,
        "category": category,
        "priors": priors,
        "elevation_deg": 0.0,
        "modes": {
            "rgba": {"chosen": chosen, "oracle": oracle, "chooser_scores": {}, "scores": scores}
        },
    }


def test_summary_counts_chooser_misses_beyond_the_tolerance():
    results = [
        _result("a", "lathe", ["revolve"], {"revolve": 0.95, "inflate": 0.5}, "revolve"),
        _result("b", "lathe", ["revolve"], {"revolve": 0.90, "inflate": 0.89}, "inflate"),
        _result(
            "c", "organic", [], {"inflate": 0.8, "extrude": 0.3, "sqrt_inflation": 0.85}, "extrude"
        ),
    ]
    summary = summarise(results)["rgba"]
    chooser = summary["chooser"]
    assert chooser["exact"] == pytest.approx(1 / 3)
    assert chooser["within_tolerance"] == pytest.approx(2 / 3)  # b is within 0.02
    assert [f["case"] for f in chooser["failures"]] == ["c"]
    assert summary["means"]["chosen"]["aligned"]["f_0.02"] == pytest.approx((0.95 + 0.89 + 0.3) / 3)
    assert summary["prior_matching"]["chosen_f_0.02_aligned"] == pytest.approx((0.95 + 0.89) / 2)
    assert summary["prior_matching"]["at_least_0.9"] == 1
    lathe_prism = summary["prior_matching_lathe_prism"]
    assert lathe_prism["cases"] == ["a", "b"]
    assert lathe_prism["chosen_f_0.02_aligned"] == pytest.approx((0.95 + 0.89) / 2)
    organic = summary["categories"]["organic"]["f_0.02 aligned"]
    assert organic["engine_loses"] and organic["best_baseline"] == "sqrt_inflation"
    assert not summary["targets"]["chooser picks the best spin"]["met"]
    text = format_report(results, summarise(results))
    assert "miss: c: chose extrude" in text and "ENGINE LOSES" in text


def test_engine_errors_count_with_the_worst_scores():
    failed = failed_scores()
    results = [
        _result("a", "lathe", ["revolve"], {"revolve": 0.95}, "revolve"),
        {
            "case": "z",
            "category": "box",
            "priors": [],
            "elevation_deg": 0.0,
            "modes": {
                "rgba": {
                    "error": "no object found",
                    "chosen": "-",
                    "oracle": "-",
                    "scores": {method: failed for method in METHODS},
                }
            },
        },
    ]
    summary = summarise(results)["rgba"]
    assert summary["cases"] == 2
    assert summary["errors"] == {"z": "no object found"}
    assert summary["means"]["chosen"]["aligned"]["f_0.02"] == pytest.approx(0.95 / 2)
    assert summary["means"]["chosen"]["aligned"]["chamfer_l1"] == pytest.approx((0.95 + 1) / 2)
    assert summary["chooser"]["failures"] == []
    assert "z                box       error: no object found" in format_report(
        results, summarise(results)
    )


def test_headline_rows_per_subset_and_the_natural_gap():
    real = _result("r", "figure", [], {"inflate": 0.5, "sqrt_inflation": 0.4}, "inflate")
    real["subset"] = "real"
    real["modes"]["natural"] = dict(real["modes"]["rgba"])
    real["modes"]["natural"]["scores"] = {
        method: _scores(0.45 if method in ("chosen", "inflate") else 0.1) for method in METHODS
    }
    procedural = _result("p", "lathe", ["revolve"], {"revolve": 0.9}, "revolve")
    rows = {(row["subset"], row["mode"]): row for row in summarise([real, procedural])["subsets"]}
    assert set(rows) == {
        ("all", "rgba"),
        ("all", "natural"),
        ("procedural", "rgba"),
        ("real", "rgba"),
        ("real", "natural"),
    }
    assert rows["real", "rgba"]["chosen"]["f_0.02 aligned"] == pytest.approx(0.5)
    assert rows["real", "rgba"]["sqrt_inflation"]["f_0.02 aligned"] == pytest.approx(0.4)
    assert rows["all", "rgba"]["chosen"]["f_0.02 aligned"] == pytest.approx(0.7)
    text = format_report([real, procedural], summarise([real, procedural]))
    assert "RGBA gap" in text and "+0.050 MISS" in text
