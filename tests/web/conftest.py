"""Fixtures for the browser tests: a real ``i23d serve`` on 127.0.0.1 and Debian's Chromium.

Chromium runs headless with software WebGL (SwiftShader through ANGLE); Playwright drives it
through ``executable_path`` (``playwright install`` is never needed). Screenshots go to
``test-artifacts/web/``. Every test that uses the ``browser`` fixture is marked ``browser`` and
skips, saying what is missing, without Chromium or Playwright (CI installs both).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.serve_process import start_serve

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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("i23d-web-data")
    serve = start_serve(data_dir, timeout=60)
    try:
        assert serve.key, "the first run printed an API key"
        yield Server(url=serve.url, data_dir=data_dir, key=serve.key)
    finally:
        serve.stop(timeout=15)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``browser`` every test that drives Chromium."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (the dev extra has it)"
    )
    sync_playwright = sync_api.sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
