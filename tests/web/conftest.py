"""Fixtures for the browser tests: a real ``i23d serve`` on 127.0.0.1 and Debian's Chromium.

Chromium runs headless with software WebGL (SwiftShader through ANGLE); Playwright drives it
through ``executable_path`` (``playwright install`` is never needed). Screenshots go to
``test-artifacts/web/``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("I23D_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@dataclass(frozen=True)
class Server:
    """A running ``i23d serve``: its base URL, data directory and first-run enterprise key."""

    url: str
    data_dir: Path
    key: str

    def new_key(self, tier: str) -> str:
        """A fresh key of ``tier`` from ``i23d keys create`` (the key alone on stdout)."""
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "i23d.cli",
                "keys",
                "create",
                "--tier",
                tier,
                "--data-dir",
                str(self.data_dir),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return done.stdout.strip()


def _read_startup(process: subprocess.Popen[str], deadline: float) -> tuple[str, str]:
    """Read serve's stdout until its listening line; return (base URL, first-run key)."""
    key, lines = "", []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        lines.append(line)
        found_key = re.match(r"^\s+(\S{20,})\s*$", line)
        if found_key and not key:
            key = found_key.group(1)
        listening = re.search(r"listening on (http://\S+)", line)
        if listening:
            return listening.group(1), key
    raise RuntimeError("i23d serve did not start:\n" + "".join(lines))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("i23d-web-data")
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
            "--allow-private-urls",
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    try:
        url, key = _read_startup(process, time.monotonic() + 60)
        assert key, "the first run printed an API key"
        # Keep draining the log into a file so the server never blocks on a full pipe.
        log = (data_dir / "serve.log").open("w")
        threading.Thread(target=lambda: log.writelines(process.stdout), daemon=True).start()
        yield Server(url=url, data_dir=data_dir, key=key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
