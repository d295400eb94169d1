"""A webhook receiver on 127.0.0.1 for the tests: records every POST and answers with the next
status code of a script (then 200), and checks signatures as docs/api.md tells receivers to."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    """One POST as the receiver saw it."""

    headers: dict[str, str]
    body: bytes
    answered: int
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """The receiver's URL, what it received, and the status codes it will answer next."""

    url: str
    received: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """The first ``count`` POSTs, waiting up to ``timeout`` for them."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"{len(self.received)} of {count} POSTs arrived"
        return self.received[:count]


def verify(secret: str, received: Received, window_s: float = 300.0) -> bool:
    """The receiver side of docs/api.md: the HMAC of ``"{timestamp}.{body}"`` matches, and
    the timestamp is within the replay window."""
    timestamp = received.headers["x-i23d-timestamp"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    signed = hmac.compare_digest(received.headers["x-i23d-signature"], f"v1={expected}")
    return signed and abs(time.time() - int(timestamp)) <= window_s


@contextmanager
def receiver(script: list[int] | None = None) -> Iterator[Receiver]:
    """Run a receiver for the block."""
    state = Receiver(url="", script=list(script or []))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.script.pop(0) if state.script else 200
            state.received.append(
                Received({k.lower(): v for k, v in self.headers.items()}, body, status, time.time())
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Keep test output clean."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/i23d"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
