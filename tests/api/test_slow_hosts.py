"""Image hosts that trickle bytes cannot starve the API: fetches run on their own bounded pool,
each key has a cap on concurrent fetches, and /healthz and GET answer meanwhile."""

from __future__ import annotations

import http.server
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from i23d.sessions.keys import create_key
from i23d.sessions.store import Database
from tests.hostile_hosts import Trickle
from tests.serve_process import start_serve

SESSIONS = "/image-to-3d-sessions"


class _Trickle(Trickle):
    """A byte every second."""

    interval_s = 1.0
    count = 600


@pytest.fixture
def trickle_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slow.png"
    server.shutdown()


@pytest.mark.slow
def test_slow_image_hosts_do_not_starve_the_api(tmp_path: Path, trickle_url: str) -> None:
    data = tmp_path / "data"
    server = start_serve(data, "--workers", "0", env={"I23D_FETCH_DEADLINE_S": "20"})
    pool = ThreadPoolExecutor(45)
    try:
        db = Database(f"sqlite:///{(data / 'i23d.sqlite3').resolve()}")
        keys = [server.key] + [create_key(db, "standard") for _ in range(11)]
        db.dispose()
        answers: Counter[int] = Counter()

        def create(i: int) -> None:
            response = httpx.post(
                server.url + SESSIONS,
                json={"image_url": trickle_url},
                headers={"x-api-key": keys[i % len(keys)]},
                timeout=90,
            )
            answers[response.status_code] += 1

        futures = [pool.submit(create, i * len(keys)) for i in range(4)]  # keys[0]'s four
        time.sleep(2)
        with httpx.Client(timeout=10) as client:  # before: no answer for the whole fetch
            fifth = client.post(
                server.url + SESSIONS,
                json={"image_url": trickle_url},
                headers={"x-api-key": keys[0]},
            )
            assert fifth.status_code == 429 and fifth.json()["data"]["field"] == "image_url"
            assert "per key" in fifth.json()["message"]
            futures += [pool.submit(create, i) for i in range(45) if i % len(keys)]
            time.sleep(3)  # every create is now fetching, waiting, or refused
            for _ in range(5):
                health = client.get(server.url + "/healthz")
                assert health.status_code == 200
                listing = client.get(server.url + SESSIONS, headers={"x-api-key": keys[0]})
                assert listing.status_code == 200
        for future in futures:
            future.result()
        assert answers[503] > 0 and sum(answers.values()) == 45  # the pool is bounded
        assert set(answers) <= {422, 503}, answers  # fetches ended at their deadline
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        server.stop()
