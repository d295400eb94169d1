"""Engine speed and memory: median seconds per stage and peak resident memory, for 512² and
2048² photos given as RGBA (alpha = the mask), RGB on white and RGB on a natural background
(both cut out by the engine's default cut-out, guided, which runs IS-Net), each configuration
in a fresh process so that its peak memory (the process's peak resident set, VmHWM: numpy, GL
and all) is its own.

Run ``python -m bench.speed_engine`` (``--repeats N``, ``--sizes 512 2048``).
Stages: ``decode`` (PNG bytes → array), ``segment`` (mask and cut-out), ``spins`` (four spin
meshes and the chooser, without and with their turntable videos), ``build turbo`` and
``build hd`` (decoded photo → textured model in memory, segmentation included), ``texture``
(the texture image at turbo's and hd's size).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from i23d.engine.segment import CUTOUT_METHODS, DEFAULT_CUTOUT

TARGETS_S = {"build hd": 5.0, "spin videos": 5.0}
"""Targets of 512² inputs, any kind."""
BUILD_TARGETS_S = {
    (512, "rgba"): 0.5,
    (512, "rgb"): 1.5,
    (512, "natural"): 1.5,
    (2048, "rgb"): 2.5,
    (2048, "natural"): 2.5,
}
"""Photo → textured turbo model, by size and input kind (RGB ones with IS-Net in the cut-out)."""
TARGET_PEAK_MB = 1536.0
CASE = "vase"
"""The ground-truth object photographed for the timings (bench.quality's case of that name)."""


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls, after one untimed warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(photo_path: Path, repeats: int, cutout: str) -> dict:
    """All stages on one photo, in this process; returns medians and peak RSS."""
    from i23d.engine import Engine, EngineOptions
    from i23d.engine.image_io import decode_rgba
    from i23d.engine.reconstructors.base import TEXTURE_SIZE
    from i23d.engine.texture import texture_image

    started_rss, load_before = _peak_rss_mb(), os.getloadavg()[0]
    data = photo_path.read_bytes()
    engine = Engine(cutout=cutout)
    turbo, hd = EngineOptions(preview_mesh="turbo"), EngineOptions(preview_mesh="hd")
    decoded, has_alpha = decode_rgba(data)
    cutout = engine.load(decoded)
    prior = engine.choose(cutout, turbo).chosen
    heavy = max(1, repeats // 2)
    seconds = {
        "decode": median_seconds(lambda: decode_rgba(data), repeats),
        "segment": median_seconds(lambda: engine.load(decoded), repeats),
        "spins, no videos": median_seconds(
            lambda: engine.spins(cutout, turbo, videos=False), heavy
        ),
        "spins with videos": median_seconds(
            lambda: engine.spins(cutout, turbo, videos=True), heavy
        ),
        "build turbo": median_seconds(lambda: engine.build(decoded, prior, turbo), repeats),
        "build hd": median_seconds(lambda: engine.build(decoded, prior, hd), heavy),
        "texture turbo": median_seconds(
            lambda: texture_image(cutout, TEXTURE_SIZE["turbo"]), repeats
        ),
        "texture hd": median_seconds(lambda: texture_image(cutout, TEXTURE_SIZE["hd"]), repeats),
    }
    seconds["spin videos"] = seconds["spins with videos"] - seconds["spins, no videos"]
    return {
        "alpha": bool(has_alpha),
        "prior": prior,
        "seconds": seconds,
        "rss_after_imports_mb": started_rss,
        "peak_rss_mb": _peak_rss_mb(),
        "load_average": [load_before, os.getloadavg()[0]],
    }


def _peak_rss_mb() -> float:
    """This process image's peak resident set size (VmHWM). Not ``getrusage``'s max RSS:
    Linux carries that across exec from the parent, whose own peak it would report."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM in /proc/self/status (peak memory needs Linux)")


def photographs(sizes: list[int], directory: Path) -> dict[tuple[int, str], Path]:
    """PNG photos of the benchmark object at each size, as RGBA, RGB on white and RGB on a
    natural background (bench.quality's photographs)."""
    from bench.quality.cases import make_ground_truth, select_cases
    from bench.quality.photo import framed_camera, lit_render
    from bench.quality.photo import photographs as input_kinds

    truth = make_ground_truth(select_cases([CASE])[0])
    paths = {}
    for size in sizes:
        camera = framed_camera(np.asarray(truth.solid.vertices), size=size)
        kinds = input_kinds(lit_render(truth.textured, camera), truth.case.seed)
        for mode, image in kinds.items():
            buffer = io.BytesIO()
            Image.fromarray(image).save(buffer, format="PNG")
            path = directory / f"photo_{size}_{mode}.png"
            path.write_bytes(buffer.getvalue())
            paths[size, mode] = path
    return paths


def run_isolated(photo: Path, repeats: int, cutout: str) -> dict:
    """:func:`measure` in a fresh Python process."""
    root = Path(__file__).resolve().parents[1]
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.speed_engine",
            "--measure",
            str(photo),
            "--repeats",
            str(repeats),
            "--cutout",
            cutout,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"measuring {photo.name} failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def format_table(rows: dict[tuple[int, str], dict]) -> str:
    """Stages down, configurations across; then peak memory and the targets."""
    configs = list(rows)
    stages = list(next(iter(rows.values()))["seconds"])
    header = f"{'median seconds':22s}" + "".join(f"{f'{s}² {m}':>14s}" for s, m in configs)
    lines = [header]
    for stage in stages:
        lines.append(
            f"{stage:22s}" + "".join(f"{rows[c]['seconds'][stage]:14.3f}" for c in configs)
        )
    lines.append(
        f"{'peak RSS MB':22s}" + "".join(f"{rows[c]['peak_rss_mb']:14.0f}" for c in configs)
    )
    lines.append(
        f"{'RSS after imports MB':22s}"
        + "".join(f"{rows[c]['rss_after_imports_mb']:14.0f}" for c in configs)
    )
    lines.append(f"{'chosen prior':22s}" + "".join(f"{rows[c]['prior']:>14s}" for c in configs))
    lines.append(
        f"{'1-min load before/after':22s}"
        + "".join(
            f"{rows[c]['load_average'][0]:8.1f}/{rows[c]['load_average'][1]:<5.1f}" for c in configs
        )
    )
    lines.append(
        f"(this machine has {os.cpu_count()} CPUs; a load above that means other "
        "processes shared them and the times are inflated)"
    )
    lines += ["", "Targets:"]
    for config, limit in BUILD_TARGETS_S.items():
        if config in rows:
            value = rows[config]["seconds"]["build turbo"]
            verdict = "MET " if value <= limit else "MISS"
            lines.append(
                f"  {verdict} build turbo ({config[0]}² {config[1]}): {value:.3f} s <= {limit} s"
            )
    for stage, limit in TARGETS_S.items():
        for config in configs:
            if config[0] == 512:
                value = rows[config]["seconds"][stage]
                verdict = "MET " if value <= limit else "MISS"
                lines.append(f"  {verdict} {stage} ({config[1]}): {value:.3f} s <= {limit} s")
    for config in configs:
        peak = rows[config]["peak_rss_mb"]
        verdict = "MET " if peak <= TARGET_PEAK_MB else "MISS"
        lines.append(
            f"  {verdict} peak memory ({config[0]}² {config[1]}): {peak:.0f} MB "
            f"<= {TARGET_PEAK_MB:.0f} MB"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.speed_engine",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed runs per stage (heavy stages: half as many)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 2048])
    parser.add_argument(
        "--modes", nargs="+", choices=("rgba", "rgb", "natural"), default=["rgba", "rgb", "natural"]
    )
    parser.add_argument(
        "--cutout",
        choices=CUTOUT_METHODS,
        default=DEFAULT_CUTOUT,
        help=f"the cut-out of RGB photos (default the engine's, {DEFAULT_CUTOUT}; the targets "
        "name a learned one: guided and learned both run IS-Net)",
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeats, args.cutout)))
        return
    rows = {}
    with tempfile.TemporaryDirectory() as directory:
        photos = photographs(args.sizes, Path(directory))
        for size in args.sizes:
            for mode in args.modes:
                rows[size, mode] = run_isolated(photos[size, mode], args.repeats, args.cutout)
                print(f"measured {size}² {mode}", file=sys.stderr, flush=True)
    print(format_table(rows))


if __name__ == "__main__":
    main()
