"""CLI start-up: median wall time of whole ``i23d`` processes, and what their imports cost.

Run ``python -m bench.cli_start`` (``--runs N``). It times ``i23d --help`` and
``i23d generate PHOTO --output OUT.glb`` on a 512² RGBA photo of the benchmark object (the
outside benchmark's call), each as a fresh process, and lists the top-level packages whose
imports cost the most in each (``python -X importtime``, self time summed per package).
Targets (issue 9), wall time on a quiet machine: ``--help`` ≤ 0.3 s, ``generate`` ≤ 1.2 s.
It also prints each process's CPU time (user + system), which a busy machine inflates less
than the wall time.
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
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


def median_seconds(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of ``runs`` runs of ``command``
    as a whole process, after one warm-up run that fills the file cache; raises if a run
    fails."""
    walls, cpus = [], []
    for number in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr}")
        if number:
            walls.append(elapsed)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def import_costs(arguments: list[str], top: int) -> list[tuple[str, float]]:
    """The ``top`` top-level packages by import self time (seconds, summed over their
    modules) in one run of ``i23d ARGUMENTS``."""
    code = (
        f"import sys; from i23d.cli import script; sys.argv[1:] = {arguments!r}; sys.exit(script())"
    )
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
        print(f"{'command':<10}{'wall s':>9}{'CPU s':>9}{'target s':>10}  (medians of {args.runs})")
        for name, arguments in commands.items():
            wall, cpu = median_seconds([*i23d_command(), *arguments], args.runs)
            print(f"{name:<10}{wall:>9.3f}{cpu:>9.3f}{TARGETS_S[name]:>10.1f}")
        for name, arguments in commands.items():
            print(f"\nimport self time by package, i23d {name} (one run):")
            for package, seconds in import_costs(arguments, args.top):
                print(f"  {package:<24}{seconds:>8.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
