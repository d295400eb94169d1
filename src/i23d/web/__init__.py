"""The web page: upload a photo, watch the spins, pick one, turn the model in 3D, download.

The page is static HTML/CSS/JS (ES modules) that talks to the service only through its public
API with the ``x-api-key`` header. Its 3D viewer (``@google/model-viewer``) is vendored from the
npm registry by ``scripts/setup.sh`` (``npm ci`` in this folder) and served from here, so the page
works offline. Without ``node_modules`` the page still loads and says how to install the viewer.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
VIEWER_DIST_DIR = WEB_DIR / "node_modules" / "@google" / "model-viewer" / "dist"
VIEWER_SCRIPT = "model-viewer.min.js"
STATIC_PREFIX = "/web/static"
VIEWER_PREFIX = "/web/vendor/model-viewer"

logger = logging.getLogger(__name__)


def viewer_installed() -> bool:
    """Whether ``npm ci`` has vendored the 3D viewer's self-contained bundle."""
    return (VIEWER_DIST_DIR / VIEWER_SCRIPT).is_file()


def mount_web(app: FastAPI) -> None:
    """Serve the page at ``/``, its assets under ``/web/static`` and the viewer bundle."""

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="web-static")
    if viewer_installed():
        app.mount(VIEWER_PREFIX, StaticFiles(directory=VIEWER_DIST_DIR), name="web-viewer")
    else:
        logger.warning(
            "web page: the 3D viewer is not installed (%s missing); run scripts/setup.sh, "
            "which runs `npm ci` in %s",
            VIEWER_DIST_DIR / VIEWER_SCRIPT,
            WEB_DIR,
        )
