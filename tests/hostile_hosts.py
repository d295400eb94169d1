"""Hostile surroundings for the tests and ``bench.api.hostile``: an image host that trickles,
a small tmpfs, and a file that fills it."""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


class Trickle(http.server.BaseHTTPRequestHandler):
    """Answers 200 with a 1 MB Content-Length, then one byte every ``interval_s`` seconds
    (``count`` bytes at most)."""

    interval_s = 2.0
    count = 1000

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(self.count):
                self.wfile.write(b"\x89")
                self.wfile.flush()
                time.sleep(self.interval_s)

    def log_message(self, *_: object) -> None:
        pass


@contextlib.contextmanager
def tmpfs(size_mb: int) -> Iterator[Path]:
    """A tmpfs of ``size_mb`` mounted on a temp directory; ``OSError`` (with mount's words)
    where it cannot be mounted (it needs root)."""
    mount = Path(tempfile.mkdtemp(prefix="i23d-tmpfs-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        mount.rmdir()
        raise OSError(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def fill(directory: Path) -> Path:
    """Write a filler file until the file system is full; returns it."""
    filler = directory / "filler.bin"
    with contextlib.suppress(OSError), filler.open("wb") as handle:
        while True:
            handle.write(b"\0" * (1 << 20))
            handle.flush()
    with contextlib.suppress(OSError), filler.open("ab") as handle:
        while True:
            handle.write(b"\0" * 4096)
            handle.flush()
    return filler
