"""``python -m bench.dev``: the chosen spin and naive inflation on the dev views (tune here,
report on ``python -m bench.quality``)."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.dev.cases import select_dev_cases
from bench.quality.__main__ import DEFAULT_RESULTS
from bench.quality.photo import MODES
from bench.quality.report import format_report, summarise
from bench.quality.runner import run_cases
from i23d.engine.segment import CUTOUT_METHODS, DEFAULT_CUTOUT


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dev", description=__doc__)
    parser.add_argument(
        "--cases", nargs="+", metavar="NAME", help="dev cases by name or prefix (default all)"
    )
    parser.add_argument("--list", action="store_true", help="list the dev cases and exit")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=["rgba"])
    parser.add_argument("--cutout", choices=CUTOUT_METHODS, default=DEFAULT_CUTOUT)
    parser.add_argument("--workers", type=int, default=1, help="parallel processes")
    parser.add_argument(
        "--results", type=Path, default=DEFAULT_RESULTS, help="where dev.json and sheets go"
    )
    parser.add_argument("--no-sheets", action="store_true", help="skip the contact sheets")
    parser.add_argument("--report", type=Path, metavar="JSON", help="print a saved dev.json")
    args = parser.parse_args(argv)

    if args.report:
        saved = json.loads(args.report.read_text())
        print(format_report(saved["cases"], summarise(saved["cases"])))
        return
    cases = select_dev_cases(args.cases)
    if args.list:
        for case in cases:
            print(f"{case.name:36s} {case.subset:10s} {case.category:9s} {case.pattern}")
        return
    sheet_dir = None if args.no_sheets else args.results / "dev_sheets"
    (sheet_dir or args.results).mkdir(parents=True, exist_ok=True)
    out = args.results / "dev.json"
    started, cpu = time.perf_counter(), time.process_time()

    def save(results: list[dict]) -> None:
        """Written after every case, so an interrupted run keeps what it measured."""
        out.write_text(json.dumps({"cases": results, "summary": summarise(results)}, indent=1))

    results = run_cases(
        cases, tuple(args.modes), sheet_dir, args.workers, True, save, args.cutout, select_dev_cases
    )
    print("bench.dev (dev views, not the reported bench):")
    print(format_report(results, summarise(results)))
    # With --workers 1 the cases run in this process, so its CPU time is the run's.
    print(
        f"\n{len(cases)} dev cases in {time.perf_counter() - started:.0f} s wall, "
        f"{time.process_time() - cpu:.0f} s CPU in this process; results in {out}"
    )


if __name__ == "__main__":
    main()
