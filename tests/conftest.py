"""Shared fixtures: service settings in a temp dir, test images, a local image server."""

from __future__ import annotations

import functools
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from i23d.config import Settings
from i23d.migrations import upgrade_database
from i23d.runtime.services import migrate
from i23d.sessions.store import Database


def object_png(size: int = 256, alpha: bool = True) -> bytes:
    """A PNG of a shaded orange disc: transparent background if ``alpha``, else white."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    r = size * 0.35
    d = np.hypot(xx - size / 2, yy - size / 2)
    inside = d < r
    shade = np.clip(1.0 - 0.5 * (d / r) ** 2, 0, 1)
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[inside, 0] = (230 * shade[inside]).astype(np.uint8)
    rgba[inside, 1] = (120 * shade[inside]).astype(np.uint8)
    rgba[inside, 2] = (40 * shade[inside]).astype(np.uint8)
    rgba[..., 3] = np.where(inside, 255, 0 if alpha else 255)
    buffer = io.BytesIO()
    Image.fromarray(rgba if alpha else rgba[..., :3]).save(buffer, "PNG")
    return buffer.getvalue()


def migrated(settings: Settings) -> Settings:
    """``settings``, its database brought to the current schema (``i23d db upgrade``)."""
    migrate(settings)
    return settings


def migrated_database(url: str) -> Database:
    """A database at ``url``, brought to the current schema."""
    db = Database(url)
    upgrade_database(db)
    return db


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Service settings in a temp data dir, private URLs allowed (test images on 127.0.0.1),
    the database at the current schema."""
    return migrated(
        Settings(data_dir=tmp_path / "data", workers=1, allow_private_urls=True, lease_s=5.0)
    )


@pytest.fixture(scope="session")
def image_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving a folder: (base URL, folder). Holds ``object.png``
    (256², alpha) and ``object512.jpg`` (512², white background)."""
    root = tmp_path_factory.mktemp("images")
    (root / "object.png").write_bytes(object_png(256))
    Image.open(io.BytesIO(object_png(512, alpha=False))).convert("RGB").save(
        root / "object512.jpg", quality=92
    )
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Keep test output clean."""
