"""Scale-out throughput and queue wait on loopback (PostgreSQL + Redis + S3, Celery workers).

1. Sessions per minute against the number of worker processes (1, 2): a warm-up session per
   worker, then ``--sessions`` sessions created at once through the API; the rate is sessions
   over the time from the first create to the last session done.
2. Queue wait under a burst of ``--burst`` sessions with 2 workers: for each job, the time from
   its creation to a worker claiming it (from the jobs table), and the end-to-end time.

Each worker process runs one pool process with one thread per math library, so workers map to
cores. Prints what it measured; asserts nothing. From the repository root:

    .venv/bin/python -m bench.scale.throughput [--sessions 30] [--burst 100] [--size 96]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.conftest import object_png
from tests.scale import servers
from tests.scale.cluster import TERMINAL, Cluster, data_url, running_cluster


def _create_all(cluster: Cluster, count: int, image: str) -> list[str]:
    def create(i: int) -> str:
        api = cluster.api_urls[i % len(cluster.api_urls)]
        response = client.post(
            f"{api}/image-to-3d-sessions",
            headers={"x-api-key": cluster.key},
            json={"image_url": image, "generate_preview_mesh": True},
        )
        response.raise_for_status()
        return response.json()["data"]["session_code"]

    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(16) as pool:
        return list(pool.map(create, range(count)))


def _wait_all(cluster: Cluster, codes: list[str], timeout_s: float = 3600) -> float:
    """Block until every session is terminal; returns the wall time when the last one was."""
    pending = set(codes)
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        rows = cluster.sql(
            "SELECT code, session_status FROM sessions WHERE code = ANY(:c)", c=list(pending)
        )
        pending -= {code for code, status in rows if status in TERMINAL}
        time.sleep(0.2)
    if pending:
        raise TimeoutError(f"{len(pending)} sessions unfinished")
    return time.time()


def _job_times(cluster: Cluster, codes: list[str]) -> list[tuple[float, float, float, str]]:
    """(created_at, started_at, finished_at, state) of each session's job."""
    return [
        tuple(row)
        for row in cluster.sql(
            "SELECT j.created_at, j.started_at, j.finished_at, j.state FROM jobs j "
            "JOIN sessions s ON s.id = j.session_id WHERE s.code = ANY(:c)",
            c=codes,
        )
    ]


def _cpu_busy_s() -> float:
    """CPU seconds this machine has spent busy (all cores, all processes) since boot."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _start(cluster: Cluster, workers: int, image: str) -> None:
    cluster.create_key()
    cluster.start_api()
    for _ in range(workers):
        cluster.start_worker()
    _wait_all(cluster, _create_all(cluster, workers * 2, image))  # warm every pool process


def throughput(
    pg: str, redis: str, s3: str, root: Path, workers: int, sessions: int, image: str
) -> float:
    with running_cluster(root / f"w{workers}", pg, redis, s3, f"bench_w{workers}") as cluster:
        _start(cluster, workers, image)
        started, cpu_before = time.time(), _cpu_busy_s()
        codes = _create_all(cluster, sessions, image)
        finished = _wait_all(cluster, codes)
        cpu = _cpu_busy_s() - cpu_before
        times = _job_times(cluster, codes)
    elapsed = finished - started
    rate = sessions / elapsed * 60
    service = [f - s for _, s, f, _ in times]
    print(
        f"workers={workers}: {sessions} sessions in {elapsed:.1f} s = {rate:.1f} sessions/min;"
        f" job time mean {statistics.mean(service):.2f} s, p95 {_pct(service, 0.95):.2f} s; "
        f"states {sorted({t[3] for t in times})}",
        flush=True,
    )
    cores = os.cpu_count() or 1
    print(
        f"  machine CPU busy {cpu / elapsed / cores:.0%} of {cores} cores; "
        f"{cpu / sessions:.1f} CPU-seconds per session (all processes)",
        flush=True,
    )
    return rate


def burst(pg: str, redis: str, s3: str, root: Path, workers: int, count: int, image: str) -> None:
    with running_cluster(root / "burst", pg, redis, s3, "bench_burst") as cluster:
        _start(cluster, workers, image)
        started = time.time()
        codes = _create_all(cluster, count, image)
        submitted = time.time() - started
        finished = _wait_all(cluster, codes)
        times = _job_times(cluster, codes)
    waits = [s - c for c, s, _, _ in times]
    total = [f - c for c, _, f, _ in times]
    print(
        f"burst of {count} with {workers} workers: submitted in {submitted:.1f} s, drained in "
        f"{finished - started:.1f} s ({count / (finished - started) * 60:.1f} sessions/min)",
        flush=True,
    )
    print(
        f"  queue wait (create -> claimed): p50 {_pct(waits, 0.5):.1f} s, "
        f"p95 {_pct(waits, 0.95):.1f} s, max {max(waits):.1f} s",
        flush=True,
    )
    print(
        f"  end to end (create -> done):    p50 {_pct(total, 0.5):.1f} s, "
        f"p95 {_pct(total, 0.95):.1f} s, max {max(total):.1f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="sessions per throughput run")
    parser.add_argument("--burst", type=int, default=100, help="sessions in the burst run")
    parser.add_argument("--size", type=int, default=96, help="input image side in pixels")
    args = parser.parse_args()
    missing = servers.missing_binaries()
    if missing:
        raise SystemExit(f"not installed: {', '.join(missing)}")
    image = data_url(object_png(args.size))
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"load average at start (1/5/15 min): {load}; other work on this machine skews "
        "every number below",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="i23d-bench-scale-") as tmp,
        servers.postgres_cluster() as pg,
        servers.redis_server() as redis,
        servers.s3_server() as s3,
    ):
        root = Path(tmp)
        rates = {n: throughput(pg, redis, s3, root, n, args.sessions, image) for n in (1, 2)}
        print(f"scaling: 2 workers / 1 worker = {rates[2] / rates[1]:.2f}x", flush=True)
        if args.burst:
            burst(pg, redis, s3, root, 2, args.burst, image)


if __name__ == "__main__":
    main()
