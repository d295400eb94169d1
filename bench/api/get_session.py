"""Throughput and latency of ``GET /image-to-3d-sessions/{code}`` under ``wrk``.

Starts ``i23d serve`` (real uvicorn on 127.0.0.1), runs one session to ``preview_done`` so the
answer carries its full set of signed URLs, then points ``wrk`` at it (64 connections by
default) and prints requests/s, p50 and p99. Targets on the 2-core machine: p99 <= 20 ms,
>= 2,000 requests/s.

    .venv/bin/python bench/api/get_session.py [--connections 64] [--seconds 10] [--http-workers 2]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a plain script
from bench.api.serve_util import (  # noqa: E402
    object_jpeg,
    tree_cpu_seconds,
)
from tests.serve_process import start_serve  # noqa: E402

HERE = Path(__file__).resolve().parent


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, key: str, connections: int, seconds: int, threads: int) -> dict[str, float]:
    """Run wrk once; requests/s, p50 and p99 in ms, and the non-2xx count."""
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(HERE / "wrk_key.lua"),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "I23D_API_KEY": key},
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0,
        "requests": float(total.group(1)) if total else 0.0,
    }


def finished_session(base: str, key: str) -> str:
    """Create a straight-through session from a 512² photo-like image and wait for it."""
    image = base64.b64encode(object_jpeg(512)).decode()
    headers = {"x-api-key": key}
    created = httpx.post(
        f"{base}/image-to-3d-sessions",
        headers=headers,
        timeout=60,
        json={"image_url": f"data:image/jpeg;base64,{image}"},
    ).json()
    code = created["data"]["session_code"]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        data = httpx.get(f"{base}/image-to-3d-sessions/{code}", headers=headers).json()["data"]
        if data["session_status"] in ("complete", "failed"):
            print(f"session {code}: {data['status']} {data['failure_reason']}")
            return code
        time.sleep(0.2)
    raise RuntimeError("the session did not finish")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--http-workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 1
    data_dir = Path(tempfile.mkdtemp(prefix="i23d-bench-"))
    server = start_serve(
        data_dir, "--workers", "1", "--http-workers", str(args.http_workers), timeout=120
    )
    base, key = server.url, server.key
    try:
        code = finished_session(base, key)
        url = f"{base}/image-to-3d-sessions/{code}"
        run_wrk(url, key, args.connections, 2, args.threads)  # warm-up
        cpu_before = tree_cpu_seconds(server.process.pid)
        result = run_wrk(url, key, args.connections, args.seconds, args.threads)
        server_cpu = tree_cpu_seconds(server.process.pid) - cpu_before
    finally:
        server.stop(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(
        f"GET session, {args.connections} connections, {args.http_workers} HTTP workers, "
        f"{args.seconds} s: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.2f} ms, "
        f"p99 {result['p99_ms']:.2f} ms, non-2xx {result['non_2xx']:.0f}"
    )
    cpu_ms = 1000 * server_cpu / max(1.0, result["requests"])
    print(
        f"server CPU per request: {cpu_ms:.3f} ms (all server processes; the load on this "
        f"machine while measuring: {os.getloadavg()[0]:.1f})"
    )
    print(
        f"targets: >= 2000 req/s {'met' if result['rps'] >= 2000 else 'MISSED'}; "
        f"p99 <= 20 ms {'met' if result['p99_ms'] <= 20 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
