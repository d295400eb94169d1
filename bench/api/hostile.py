"""A hostile day against a real ``i23d serve`` on loopback; prints what it measured.

    python -m bench.api.hostile bodies   # RSS and answer time: 4 concurrent 200 MiB bodies, no key
    python -m bench.api.hostile slow     # /healthz latency during 45 creates from trickling hosts
    python -m bench.api.hostile diskfull # time from space freed to the queue drained (root, tmpfs)
    python -m bench.api.hostile memory   # RSS after each round of creates (does it level off?)

Every server and image host is on 127.0.0.1 with a free port; data lives in a temp directory.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.server
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.api.serve_util import object_jpeg
from tests.hostile_hosts import Trickle, fill, tmpfs
from tests.serve_process import ServeProcess, start_serve

SESSIONS = "/image-to-3d-sessions"


def rss_mb(pid: int) -> float:
    """Resident memory of one process, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakRss:
    """Samples a process's RSS every 20 ms in a thread; ``peak`` is the highest seen."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb(self.pid))

    def __enter__(self) -> PeakRss:
        self.peak = rss_mb(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb(self.pid))


@contextlib.contextmanager
def serving(
    *flags: str, data_dir: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[ServeProcess]:
    with tempfile.TemporaryDirectory(prefix="i23d-hostile-") as tmp:
        server = start_serve(data_dir or Path(tmp) / "data", *flags, env=env)
        try:
            yield server
        finally:
            server.stop()


def new_key(server: ServeProcess, data_dir: Path, tier: str = "standard") -> str:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "i23d.cli",
            "keys",
            "create",
            "--tier",
            tier,
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return next(w for w in out.split() if w.startswith("i23d_"))


# ---- 1: four 200 MiB bodies without a key ----------------------------------------------------


def _send_body(url: str, size: int, key: str = "") -> tuple[float, str]:
    """POST ``size`` bytes (with ``key``, if given) over a raw socket; seconds until the
    status line."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    key_header = f"x-api-key: {key}\r\n" if key else ""
    sock.sendall(
        f"POST {SESSIONS} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json"
        f"\r\n{key_header}Content-Length: {size}\r\n\r\n".encode()
    )
    start = time.perf_counter()
    answer: list[bytes] = []

    def read() -> None:
        with contextlib.suppress(OSError):
            answer.append(sock.recv(65536))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    chunk = b"[" * (1 << 20)
    sent = 0
    with contextlib.suppress(OSError):
        while sent < size and reader.is_alive():
            sock.sendall(chunk)
            sent += len(chunk)
    reader.join(30)
    elapsed = time.perf_counter() - start
    sock.close()
    status = answer[0].split(b"\r\n", 1)[0].decode() if answer and answer[0] else "no answer"
    return elapsed, f"{status} after {sent / 2**20:.0f} MiB sent"


def bench_bodies(_: argparse.Namespace) -> None:
    with serving("--workers", "0") as server:
        pid = server.process.pid
        time.sleep(1)
        for label, key in (("no key", ""), ("a valid key", server.key)):
            before = rss_mb(pid)
            with PeakRss(pid) as peak, ThreadPoolExecutor(4) as pool:
                results = list(
                    pool.map(lambda _, k=key: _send_body(server.url, 200 * 2**20, k), range(4))
                )
            print(
                f"4 x 200 MiB bodies with {label}: RSS before {before:.0f} MB, peak "
                f"{peak.peak:.0f} MB (+{peak.peak - before:.0f} MB), after {rss_mb(pid):.0f} MB"
            )
            for seconds, what in results:
                print(f"  answered in {seconds:.3f} s: {what}")


# ---- 3: slow image hosts -----------------------------------------------------------------------


def bench_slow(args: argparse.Namespace) -> None:
    host = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    host.daemon_threads = True
    threading.Thread(target=host.serve_forever, daemon=True).start()
    slow_url = f"http://127.0.0.1:{host.server_address[1]}/slow.png"
    with tempfile.TemporaryDirectory(prefix="i23d-hostile-") as tmp:
        data = Path(tmp) / "data"
        with serving("--workers", "0", data_dir=data) as server:
            keys = [server.key] + [new_key(server, data) for _ in range(args.keys - 1)]
            statuses: list[int] = []

            def create(i: int) -> None:
                response = httpx.post(
                    server.url + SESSIONS,
                    json={"image_url": slow_url},
                    headers={"x-api-key": keys[i % len(keys)]},
                    timeout=120,
                )
                statuses.append(response.status_code)

            start = time.perf_counter()
            httpx.get(server.url + "/healthz", timeout=60)  # the process's first, cold call
            cold = (time.perf_counter() - start) * 1000
            print(f"/healthz before any fetch (cold): {cold:.0f} ms")
            pool = ThreadPoolExecutor(args.fetches)
            for i in range(args.fetches):
                pool.submit(create, i)
            time.sleep(3)  # let every create reach its fetch
            health, reads = [], []
            with httpx.Client(timeout=60) as client:
                for _ in range(args.samples):
                    start = time.perf_counter()
                    try:
                        client.get(server.url + "/healthz")
                    except httpx.TimeoutException:
                        print("/healthz: no answer within 60 s")
                    health.append((time.perf_counter() - start) * 1000)
                    start = time.perf_counter()
                    client.get(f"{server.url}{SESSIONS}?limit=1", headers={"x-api-key": keys[0]})
                    reads.append((time.perf_counter() - start) * 1000)
                    time.sleep(0.2)
            answered_early = sorted(statuses)
            print(
                f"{args.fetches} creates of a trickling image_url from {len(keys)} keys; "
                f"answered while the samples ran: "
                f"{ {s: answered_early.count(s) for s in set(answered_early)} }"
            )
            print("/healthz samples (ms):", " ".join(f"{h:.0f}" for h in health))
            print(
                f"/healthz: p50 {statistics.median(health):.1f} ms, max {max(health):.1f} ms "
                f"({len(health)} samples)"
            )
            print(f"GET list: p50 {statistics.median(reads):.1f} ms, max {max(reads):.1f} ms")
            pool.shutdown(wait=True, cancel_futures=True)
            final = sorted(statuses)
            print(f"all creates answered: { {s: final.count(s) for s in set(final)} }")
    host.shutdown()


# ---- 1: disk full ---------------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def bench_diskfull(args: argparse.Namespace) -> None:
    image = "data:image/jpeg;base64," + base64.b64encode(object_jpeg(256)).decode()
    with tmpfs(args.tmpfs_mb) as mount:
        data = mount / "data"
        env = {"I23D_MIN_FREE_BYTES": str(4 * 2**20)}
        with serving("--workers", "1", data_dir=data, env=env) as server:
            headers = {"x-api-key": server.key}
            client = httpx.Client(base_url=server.url, headers=headers, timeout=60)
            codes = [
                client.post(SESSIONS, json={"image_url": image}).json()["data"]["session_code"]
                for _ in range(args.jobs)
            ]
            filler = fill(mount)
            print(f"disk filled ({shutil.disk_usage(mount).free} bytes free)")
            try:
                refused = client.post(SESSIONS, json={"image_url": image})
                print(
                    f"create while full: {refused.status_code} "
                    f"Retry-After={refused.headers.get('Retry-After')} "
                    f"{refused.text[:160]!r}"
                )
            except httpx.HTTPError as exc:
                print(f"create while full: no answer ({exc!r})")
            health = httpx.get(server.url + "/healthz", timeout=60)
            print(f"/healthz while full: {health.status_code} {health.text[:160]!r}")
            time.sleep(args.full_s)
            queued = client.get("/healthz").json()["data"]["queued_jobs"]
            filler.unlink()
            freed = time.perf_counter()
            print(f"space freed with {queued} jobs queued")
            late = client.post(SESSIONS, json={"image_url": image})
            if late.status_code == 201:
                codes.append(late.json()["data"]["session_code"])
            else:
                print(f"create after space was freed: {late.status_code} {late.text[:160]!r}")

            def drained() -> bool:
                statuses = [
                    client.get(f"{SESSIONS}/{c}").json()["data"]["session_status"] for c in codes
                ]
                return all(s not in ("queued", "in_progress") for s in statuses)

            done = wait_for(drained, args.timeout_s, 0.5)
            elapsed = time.perf_counter() - freed
            final = [client.get(f"{SESSIONS}/{c}").json()["data"]["status"] for c in codes]
            print(
                f"queue drained: {done} in {elapsed:.1f} s after space was freed "
                f"({len(codes)} sessions: {final})"
            )
            after = client.get("/healthz")
            print(f"/healthz after: {after.status_code} {after.json()['message'][:200]!r}")
            errors = [line for line in server.lines if "Traceback" in line or "rror" in line]
            print(f"server log lines with errors: {len(errors)}; first: {errors[:3]}")


# ---- 9: memory over rounds of creates --------------------------------------------------------


def bench_memory(args: argparse.Namespace) -> None:
    image = "data:image/jpeg;base64," + base64.b64encode(object_jpeg(args.size)).decode()
    env = {"I23D_QUEUE_LIMIT": "100000", "I23D_KEY_QUEUE_LIMIT_ENTERPRISE": "100000"}
    if args.arenas is not None:
        env["I23D_MALLOC_ARENA_MAX"] = str(args.arenas)
    with serving("--workers", str(args.workers), env=env) as server:
        pid = server.process.pid
        client = httpx.Client(base_url=server.url, headers={"x-api-key": server.key}, timeout=120)
        print(f"start: RSS {rss_mb(pid):.0f} MB", flush=True)
        for round_no in range(1, args.rounds + 1):
            with ThreadPoolExecutor(8) as pool:
                answers = list(
                    pool.map(
                        lambda _: client.post(SESSIONS, json={"image_url": image}).status_code,
                        range(args.creates),
                    )
                )
            if args.workers:
                wait_for(
                    lambda: (
                        client.get("/healthz").json()["data"]["queued_jobs"] == 0
                        and _none_running(client)
                    ),
                    args.timeout_s,
                    1.0,
                )
            print(
                f"round {round_no}: {answers.count(201)}/{len(answers)} created, "
                f"RSS {rss_mb(pid):.0f} MB",
                flush=True,
            )


def _none_running(client: httpx.Client) -> bool:
    sessions = client.get(SESSIONS, params={"limit": 100}).json()["data"]
    return all(s["session_status"] not in ("queued", "in_progress") for s in sessions)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("bodies")
    slow = sub.add_parser("slow")
    slow.add_argument("--fetches", type=int, default=45)
    slow.add_argument("--keys", type=int, default=12)
    slow.add_argument("--samples", type=int, default=40)
    disk = sub.add_parser("diskfull")
    disk.add_argument("--tmpfs-mb", type=int, default=64)
    disk.add_argument("--jobs", type=int, default=2)
    disk.add_argument("--full-s", type=float, default=10.0)
    disk.add_argument("--timeout-s", type=float, default=900.0)
    memory = sub.add_parser("memory")
    memory.add_argument("--rounds", type=int, default=3)
    memory.add_argument("--creates", type=int, default=200)
    memory.add_argument(
        "--workers",
        type=int,
        default=0,
        help="engine threads (0: creates only, the jobs stay queued)",
    )
    memory.add_argument("--size", type=int, default=1024, help="side of the test JPEG")
    memory.add_argument("--arenas", type=int, default=None, help="I23D_MALLOC_ARENA_MAX")
    memory.add_argument("--timeout-s", type=float, default=3600.0)
    args = parser.parse_args()
    {
        "bodies": bench_bodies,
        "slow": bench_slow,
        "diskfull": bench_diskfull,
        "memory": bench_memory,
    }[args.what](args)


if __name__ == "__main__":
    main()
