"""CLI start-up: median wall time of whole ``i23d`` processes, and what their imports cost.

Run ``python -m bench.cli_start`` (``--runs N``). It times ``i23d --help`` and
``i23d generate PHOTO --output OUT.glb`` on a 512² RGBA photo of the benchmark object (the
outside benchmark's call), each as a fresh process, and lists the top-level packages whose
imports cost the most in each (``python -X importtime``, self time summed per package).
Targets (issue 9): ``--help`` ≤ 0.3 s, ``generate`` ≤ 1.2 s.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS_S = {"help": 0.3, "generate": 1.2}
PHOTO_SIZE = 512


def i23d_command() -> list[str]:
    """The installed ``i23d`` script beside this interpreter, else ``python -m i23d.cli``."""
    script = Path(sys.executable).with_name("i23d")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "i23d.cli"]


def median_wall_s(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs of ``command`` as a whole process (after one warm-up
    run that fills the file cache); raises if a run fails."""
    times = []
    for number in range(runs + 1):
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr}")
        if number:
            times.append(elapsed)
    return statistics.median(times)


def import_costs(arguments: list[str], top: int) -> list[tuple[str, float]]:
    """The ``top`` top-level packages by import self time (seconds, summed over their
    modules) in one run of ``i23d ARGUMENTS``."""
    code = f"import sys; from i23d.cli import main; sys.exit(main({arguments!r}))"
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"i23d {' '.join(arguments)} failed:\n{completed.stderr}")
    per_package: collections.Counter[str] = collections.Counter()
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|")
        per_package[name.strip().split(".")[0]] += int(self_us) / 1e6
    return per_package.most_common(top)


def benchmark_photo(directory: Path) -> Path:
    """The benchmark object's 512² RGBA photo (bench.quality's rendering of it)."""
    from bench.speed_engine import photographs

    return photographs([PHOTO_SIZE], directory)[PHOTO_SIZE, "rgba"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command")
    parser.add_argument("--top", type=int, default=10, help="packages listed per command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="i23d-cli-start-") as temporary:
        directory = Path(temporary)
        photo = benchmark_photo(directory)
        commands = {
            "help": ["--help"],
            "generate": ["generate", str(photo), "--output", str(directory / "out.glb")],
        }
        print(f"load average {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores")
        print(f"{'command':<10}{'median s':>10}{'target s':>10}  runs")
        for name, arguments in commands.items():
            seconds = median_wall_s([*i23d_command(), *arguments], args.runs)
            print(f"{name:<10}{seconds:>10.3f}{TARGETS_S[name]:>10.1f}  {args.runs}")
        for name, arguments in commands.items():
            print(f"\nimport self time by package, i23d {name} (one run):")
            for package, seconds in import_costs(arguments, args.top):
                print(f"  {package:<24}{seconds:>8.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
