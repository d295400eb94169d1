"""Where a serve process's memory goes, job by job: the whole service (app, engine threads, the
job path) in this process, driven through the ASGI app without a socket; prints what it measured.

    python -m bench.api.memory_job_path --rounds 10 --creates 20 --workers 2 --size 512
    python -m bench.api.memory_job_path --rounds 4 --trace   # + tracemalloc and gc diffs per round
    python -m bench.api.memory_job_path --trim-only          # workers without the gc.collect

Each round posts ``--creates`` sessions (``image_url`` a ``data:`` JPEG, auto-spin on), waits
until every job has ended and prints: resident memory (``VmRSS``), its
anonymous part (``/proc/self/smaps_rollup``); with ``--trim-probe`` the resident memory after
``malloc_trim`` (what glibc held freed but mapped), after a full ``gc.collect`` (what unreachable
reference cycles held) and after trimming again; and with ``--trace`` the Python heap
that tracemalloc sees, its biggest growth by line since the last round, and the object types
whose counts grew.
"""

from __future__ import annotations

import argparse
import base64
import collections
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

from fastapi.testclient import TestClient

from bench.api.serve_util import object_jpeg
from i23d.api.app import create_app
from i23d.config import Settings
from i23d.jobs import local
from i23d.jobs.memory import limit_malloc_arenas, release_free_memory
from i23d.sessions.keys import create_key

SESSIONS = "/image-to-3d-sessions"


def proc_mb(path: str, field: str) -> float:
    """One ``kB`` field of a /proc/self file, MB."""
    for line in Path(path).read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def type_counts() -> collections.Counter[str]:
    """Live objects the garbage collector tracks, by type name."""
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


def wait_idle(client: TestClient, timeout_s: float) -> None:
    """Until no job is queued or running."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    service, workers = ctx.service, client.app.state.workers  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.queued_jobs() == 0 and not workers._running:
            time.sleep(0.5)  # a job's last writes after it left _running
            if service.queued_jobs() == 0 and not workers._running:
                return
        time.sleep(0.25)
    raise TimeoutError("jobs still running")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--creates", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=512, help="side of the test JPEG")
    parser.add_argument("--arenas", type=int, default=2, help="malloc arenas (0: glibc default)")
    parser.add_argument("--trace", action="store_true", help="tracemalloc and gc type diffs")
    parser.add_argument("--trim-probe", action="store_true", help="RSS again after malloc_trim")
    parser.add_argument(
        "--trim-only",
        action="store_true",
        help="workers only trim after a job, without the full gc.collect (the old behaviour)",
    )
    parser.add_argument("--timeout-s", type=float, default=3600.0)
    args = parser.parse_args()

    if args.trim_only:
        local.release_job_memory = release_free_memory  # type: ignore[assignment]

    if args.arenas:
        limit_malloc_arenas(args.arenas)
    if args.trace:
        tracemalloc.start(8)
    image = "data:image/jpeg;base64," + base64.b64encode(object_jpeg(args.size)).decode()
    with tempfile.TemporaryDirectory(prefix="i23d-memory-") as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data",
            workers=args.workers,
            queue_limit=100_000,
            key_queue_limit_enterprise=100_000,
        )
        with TestClient(create_app(settings)) as client:
            key = create_key(client.app.state.ctx.db, "enterprise")  # type: ignore[attr-defined]
            headers = {"x-api-key": key}
            print(f"start: RSS {proc_mb('/proc/self/status', 'VmRSS'):.0f} MB", flush=True)
            before = tracemalloc.take_snapshot() if args.trace else None
            counts = type_counts() if args.trace else None
            for round_no in range(1, args.rounds + 1):
                started = time.perf_counter()
                codes = [
                    client.post(SESSIONS, json={"image_url": image}, headers=headers).status_code
                    for _ in range(args.creates)
                ]
                wait_idle(client, args.timeout_s)
                rss = proc_mb("/proc/self/status", "VmRSS")
                anon = proc_mb("/proc/self/smaps_rollup", "Anonymous")
                line = (
                    f"round {round_no}: {codes.count(201)}/{len(codes)} created, "
                    f"{time.perf_counter() - started:.0f} s, RSS {rss:.0f} MB (anon {anon:.0f})"
                )
                if args.trim_probe:
                    release_free_memory()
                    line += f"; malloc_trim {proc_mb('/proc/self/status', 'VmRSS'):.0f}"
                    found = gc.collect()
                    line += f"; gc.collect ({found} unreachable) "
                    line += f"{proc_mb('/proc/self/status', 'VmRSS'):.0f}"
                    release_free_memory()
                    line += f"; malloc_trim {proc_mb('/proc/self/status', 'VmRSS'):.0f} MB"
                    line += f"; gc collections {[s['collections'] for s in gc.get_stats()]}"
                if args.trace:
                    current, _peak = tracemalloc.get_traced_memory()
                    line += f", traced {current / 2**20:.1f} MB"
                print(line, flush=True)
                if args.trace:
                    snapshot = tracemalloc.take_snapshot()
                    for stat in snapshot.compare_to(before, "lineno")[:8]:
                        print(f"    {stat}", flush=True)
                    before = snapshot
                    now = type_counts()
                    grown = (now - counts).most_common(8)
                    print(f"    objects grown: {grown}", flush=True)
                    counts = now


if __name__ == "__main__":
    main()
