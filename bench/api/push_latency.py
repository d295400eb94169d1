"""How fast pushed changes arrive, and what an idle event stream costs, against a real
``i23d serve --workers 0``.

This process plays an ``i23d worker`` on the same database (claim, progress, finish), so every
change is committed by another process than the one that pushes it, as in a scaled-out setup.
Measured per change: commit → the webhook at a loopback receiver (the server's deliverer thread,
0.25 s idle poll) and commit → the ``event: session`` on an open stream (0.25 s row poll).
Then the server's CPU time while ``--streams`` idle streams are open, against none open.

    .venv/bin/python bench/api/push_latency.py [--sessions 10] [--streams 16]
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a plain script
from bench.api.serve_util import object_jpeg, tree_cpu_seconds  # noqa: E402
from i23d.config import Settings  # noqa: E402
from i23d.runtime.services import Runtime  # noqa: E402
from i23d.sessions.store import Database  # noqa: E402
from tests.api.live_server import sse_events  # noqa: E402
from tests.serve_process import start_serve  # noqa: E402
from tests.webhooks.receiver import receiver  # noqa: E402

SESSIONS = "/image-to-3d-sessions"
SPINS = [
    {"index": i, "prior": "inflate", "score": 0.5, "reason": "", "video_key": "", "still_key": ""}
    for i in range(4)
]


def _stream(
    base: str,
    key: str,
    code: str,
    arrivals: list[tuple[float, str, float]],
    opened: threading.Event,
) -> None:
    """Read one session's stream to its end, noting (arrival, status pair, percent)."""
    with httpx.stream(
        "GET", f"{base}{SESSIONS}/{code}/events", headers={"x-api-key": key}, timeout=120
    ) as response:
        opened.set()
        for name, data in sse_events(response):
            if name == "session":
                arrivals.append(
                    (
                        time.time(),
                        f"{data['status']}/{data['session_status']}",
                        data["percent_done"],
                    )
                )


def latencies(base: str, key: str, data_dir: Path, sessions: int) -> None:
    runtime = Runtime.open(Settings(data_dir=data_dir, workers=0))
    worker = runtime.service
    image = "data:image/jpeg;base64," + base64.b64encode(object_jpeg(256)).decode()
    hook_ms: list[float] = []
    event_ms: list[float] = []
    with (
        receiver() as hook,
        httpx.Client(base_url=base, headers={"x-api-key": key}, timeout=60) as client,
    ):
        client.post("/webhook/secret")
        for _ in range(sessions):
            sent = len(hook.received)
            created = client.post(
                SESSIONS,
                json={"image_url": image, "preview_mesh": "turbo", "webhook_url": hook.url},
            )
            committed = {"spin_generate_processing/queued": time.time()}
            code = created.json()["data"]["session_code"]
            arrivals: list[tuple[float, str, float]] = []
            opened = threading.Event()
            reader = threading.Thread(target=_stream, args=(base, key, code, arrivals, opened))
            reader.start()
            opened.wait(30)
            time.sleep(0.3)
            ticket = worker.claim("bench-worker")
            assert ticket is not None
            committed["spin_generate_processing/in_progress"] = time.time()
            progress = {}
            for percent in (25.0, 50.0, 75.0):
                time.sleep(0.3)
                worker.report_progress(ticket, percent)
                progress[percent] = time.time()
            time.sleep(0.3)
            worker.finish(ticket, artifacts={}, spins=SPINS, chosen=0)
            committed["spin_generate_done/incomplete"] = time.time()
            reader.join(60)
            posts = hook.wait_for(sent + 3, timeout=60)[sent:]
            for post in posts:
                data = post.json["data"]
                pair = f"{data['status']}/{data['session_status']}"
                hook_ms.append((post.at - committed[pair]) * 1000)
            for at, pair, percent in arrivals[1:]:  # the first is the state at opening
                moment = progress.get(percent) if pair.endswith("in_progress") else None
                start = moment or committed[pair]
                event_ms.append((at - start) * 1000)
    runtime.close()
    for name, values in (
        ("commit -> webhook received", hook_ms),
        ("commit -> stream event", event_ms),
    ):
        values.sort()
        print(
            f"{name:28s} n={len(values):3d}  p50 {statistics.median(values):7.1f} ms  "
            f"p95 {values[int(0.95 * (len(values) - 1))]:7.1f} ms  max {values[-1]:7.1f} ms"
        )


def stream_cost(base: str, data_dir: Path, pid: int, streams: int, seconds: float) -> None:
    image = "data:image/jpeg;base64," + base64.b64encode(object_jpeg(256)).decode()
    keys = [start_key(data_dir) for _ in range(-(-streams // 4))]
    codes = []
    for number in range(streams):
        key = keys[number // 4]
        created = httpx.post(
            base + SESSIONS, headers={"x-api-key": key}, timeout=60, json={"image_url": image}
        )
        codes.append((key, created.json()["data"]["session_code"]))
    idle = _cpu_over(pid, seconds)
    stop = threading.Event()
    opened = []

    def hold(key: str, code: str) -> None:
        try:
            with httpx.stream(
                "GET", f"{base}{SESSIONS}/{code}/events", headers={"x-api-key": key}, timeout=None
            ) as response:
                opened.append(response.status_code)
                for _ in response.iter_lines():
                    if stop.is_set():
                        return
        except httpx.HTTPError:  # the server stopped first
            return

    threads = [threading.Thread(target=hold, args=pair, daemon=True) for pair in codes]
    for thread in threads:
        thread.start()
    while len(opened) < streams:
        time.sleep(0.05)
    busy = _cpu_over(pid, seconds)
    stop.set()
    print(f"server CPU, no streams:        {idle * 1000:6.1f} ms/s")
    print(
        f"server CPU, {streams:3d} idle streams: {busy * 1000:6.1f} ms/s "
        f"({(busy - idle) / streams * 1000:.2f} ms/s per stream; statuses {set(opened)})"
    )


def start_key(data_dir: Path) -> str:
    from i23d.sessions.keys import create_key

    db = Database(Settings(data_dir=data_dir).resolved_database_url)
    try:
        return create_key(db, "standard")
    finally:
        db.dispose()


def _cpu_over(pid: int, seconds: float) -> float:
    """The server's CPU seconds per wall second over ``seconds``."""
    before, start = tree_cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (tree_cpu_seconds(pid) - before) / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--streams", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    data_dir = Path(tempfile.mkdtemp(prefix="i23d-push-"))
    server = start_serve(data_dir, "--workers", "0")
    try:
        latencies(server.url, server.key, data_dir, args.sessions)
        stream_cost(server.url, data_dir, server.process.pid, args.streams, args.seconds)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
