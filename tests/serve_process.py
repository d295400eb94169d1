"""A real ``i23d serve`` on 127.0.0.1 (any free port), for the tests that need one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ServeProcess:
    """A started server: its process, base URL and first-run key ("" if the data directory
    already had keys); ``lines`` keeps everything it printed (a thread drains its output)."""

    process: subprocess.Popen[str]
    url: str
    key: str
    lines: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 30.0) -> None:
        """Terminate the server and wait for it; kill it if it does not stop in time."""
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)


def start_serve(
    data_dir: Path, *flags: str, env: dict[str, str] | None = None, timeout: float = 90.0
) -> ServeProcess:
    """Start ``i23d serve --allow-private-urls`` on ``data_dir`` with extra ``flags`` and wait
    for its ``listening on`` line."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "i23d.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--allow-private-urls",
            *flags,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    key, lines, deadline = "", [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if match := re.match(r"^\s+(i23d_\S+)\s*$", line):
            key = match.group(1)
        if match := re.search(r"i23d listening on (http://\S+)", line):
            # Keep draining, so the server never blocks on a full pipe.
            threading.Thread(target=lines.extend, args=(process.stdout,), daemon=True).start()
            return ServeProcess(process, match.group(1), key, lines)
    process.kill()
    raise AssertionError("i23d serve did not start:\n" + "".join(lines))
