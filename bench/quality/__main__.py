"""``python -m bench.quality``: run the quality benchmark and print its tables."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.quality.cases import CASES, select_cases
from bench.quality.photo import MODES
from bench.quality.report import format_report, summarise
from bench.quality.runner import run_cases
from i23d.engine.segment import CUTOUT_METHODS, DEFAULT_CUTOUT

DEFAULT_RESULTS = Path(__file__).resolve().parents[1] / "results"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__)
    parser.add_argument(
        "--cases",
        nargs="+",
        metavar="NAME",
        help=f"cases to run (default all): {', '.join(c.name for c in CASES)}",
    )
    parser.add_argument("--quick", action="store_true", help="a few cases, one or so per category")
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=MODES,
        default=list(MODES),
        help="input kinds: rgba (alpha = coverage), rgb (plain white background), "
        "natural (a natural photo behind)",
    )
    parser.add_argument(
        "--cutout",
        choices=CUTOUT_METHODS,
        default=DEFAULT_CUTOUT,
        help=f"cut-out for photos without alpha (default: the engine's, {DEFAULT_CUTOUT})",
    )
    parser.add_argument("--workers", type=int, default=2, help="parallel processes")
    parser.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        help="where quality.json and the contact sheets go",
    )
    parser.add_argument("--no-sheets", action="store_true", help="skip the contact sheets")
    parser.add_argument(
        "--lean",
        action="store_true",
        help="score only the chosen spin and naive inflation (the headline "
        "table; about a third of the time)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="JSON",
        help="print the tables of a saved quality.json instead of running",
    )
    args = parser.parse_args(argv)

    if args.report:
        saved = json.loads(args.report.read_text())
        # Summarised afresh, so a saved run reads with the current report's tables.
        print(format_report(saved["cases"], summarise(saved["cases"])))
        return
    cases = select_cases(args.cases, args.quick)
    sheet_dir = None if args.no_sheets else args.results / "quality_sheets"
    args.results.mkdir(parents=True, exist_ok=True)
    if sheet_dir:
        sheet_dir.mkdir(exist_ok=True)
    started = time.perf_counter()
    out = args.results / "quality.json"

    def save(results: list[dict]) -> None:
        """Written after every case, so an interrupted run keeps what it measured."""
        seconds = time.perf_counter() - started
        out.write_text(
            json.dumps(
                {"seconds": seconds, "cases": results, "summary": summarise(results)}, indent=1
            )
        )

    results = run_cases(
        cases, tuple(args.modes), sheet_dir, args.workers, args.lean, save, args.cutout
    )
    seconds = time.perf_counter() - started
    summary = summarise(results)
    print(format_report(results, summary))
    print(
        f"\n{len(cases)} cases in {seconds:.0f} s; results in {out}"
        + (f", contact sheets in {sheet_dir}" if sheet_dir else "")
    )


if __name__ == "__main__":
    main()
