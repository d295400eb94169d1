"""The web page: upload a photo, watch the spins, pick one, turn the model in 3D, download.

The page is static HTML/CSS/JS (ES modules) that talks to the service only through its public
API with the ``x-api-key`` header. Its 3D viewer (``@google/model-viewer``) and three.js (used
to write STL in the browser) are vendored from the npm registry by ``scripts/setup.sh``
(``npm ci`` in this folder) and served from here, so the page works offline. Without
``node_modules`` the page still loads and says how to install them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
NODE_MODULES = WEB_DIR / "node_modules"
STATIC_PREFIX = "/web/static"
# URL prefix → folder inside node_modules, for each vendored npm package.
VENDORED: dict[str, str] = {
    "/web/vendor/model-viewer": "@google/model-viewer/dist",
    "/web/vendor/three": "three",
}
VIEWER_PREFIX = "/web/vendor/model-viewer"
VIEWER_SCRIPT = "model-viewer.min.js"

logger = logging.getLogger(__name__)


def viewer_installed() -> bool:
    """Whether ``npm ci`` has vendored the viewer's self-contained bundle."""
    return (NODE_MODULES / VENDORED[VIEWER_PREFIX] / VIEWER_SCRIPT).is_file()


def mount_web(app: FastAPI) -> None:
    """Serve the page at ``/``, its assets under ``/web/static`` and the vendored packages."""

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="web-static")
    for prefix, folder in VENDORED.items():
        directory = NODE_MODULES / folder
        if directory.is_dir():
            app.mount(prefix, StaticFiles(directory=directory), name=f"web{prefix}")
        else:
            logger.warning(
                "web page: %s is not installed; run scripts/setup.sh (it runs `npm ci` in %s)",
                directory,
                WEB_DIR,
            )
