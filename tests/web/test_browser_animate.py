"""The page animates a model: in Chromium against a real ``i23d serve``, a figure's preview is
animated from the page, each clip plays in the 3D view (its frames differ over time), and the
clips' downloads are skinned GLBs with their clip. Screenshots go to ``test-artifacts/web/``."""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.engine.animate.figures import biped
from tests.engine.animate.gltf_skin import read_glb
from tests.engine.photos import photograph, striped

pytestmark = pytest.mark.slow
MODEL_SHOWN_JS = """
(model) => {
  const viewer = document.getElementById("viewer");
  return viewer.loaded && viewer.dataset.loaded === model;
}
"""
STILL_SHOWN_JS = """
(code) => {
  const viewer = document.getElementById("viewer");
  return viewer.loaded && [`${code}:preview`, `${code}:refined`].includes(viewer.dataset.loaded);
}
"""


def _previewed_figure(server) -> str:  # noqa: ANN001 - the conftest's Server
    """A session with a preview of a photographed standing figure, made through the API."""
    buffer = io.BytesIO()
    Image.fromarray(photograph(striped(biped()))).save(buffer, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    headers = {"x-api-key": server.key}
    created = httpx.post(
        f"{server.url}/image-to-3d-sessions",
        headers=headers,
        timeout=30,
        json={"image_url": uri, "generate_preview_mesh": True},
    )
    created.raise_for_status()
    code = created.json()["data"]["session_code"]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        data = httpx.get(
            f"{server.url}/image-to-3d-sessions/{code}", headers=headers, timeout=10
        ).json()["data"]
        if data["status"] == "preview_done":
            return code
        assert data["status"] == "training_preview", data["failure_reason"]
        time.sleep(0.3)
    raise AssertionError("no preview in 180 s")


def _image(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float32)


def test_animate_plays_each_clip_and_offers_downloads(
    browser,
    server,
    artifacts: Path,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    code = _previewed_figure(server)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    page.evaluate("(key) => localStorage.setItem('i23d.apiKey', key)", server.key)
    page.reload()
    page.click(f".history-item[data-code='{code}'] button:has-text('Open')")
    page.wait_for_function(MODEL_SHOWN_JS, arg=f"{code}:preview", timeout=60_000)

    page.locator("#animate-form").scroll_into_view_if_needed()
    page.uncheck("#clip-run")
    started = time.monotonic()
    page.click("#animate-button")
    page.wait_for_function(
        "() => document.getElementById('progress-text').textContent === 'Animated clips ready'",
        timeout=180_000,
    )
    to_clips = time.monotonic() - started
    page.screenshot(path=artifacts / "animate-01-ready.png", full_page=True)
    assert page.locator("#clips li.clip").count() == 2  # walk and jump, not run
    assert page.locator("#clips button.play[data-clip=run]").count() == 0

    viewer = page.locator("#viewer")
    for clip in ("walk", "jump"):
        page.click(f"#clips button.play[data-clip={clip}]")
        page.wait_for_function(MODEL_SHOWN_JS, arg=f"{code}:{clip}", timeout=60_000)
        assert page.get_attribute("#viewer", "animation-name") == clip
        first = _image(viewer.screenshot(path=artifacts / f"animate-02-{clip}-a.png"))
        changed = 0.0
        for _ in range(8):  # the camera stays put; the figure moves
            page.wait_for_timeout(250)
            frame = _image(viewer.screenshot())
            changed = max(changed, float(np.mean(np.abs(frame - first).max(axis=2) > 12)))
            if changed > 0.01:
                break
        viewer.screenshot(path=artifacts / f"animate-03-{clip}-b.png")
        assert changed > 0.005, f"the {clip} clip does not play ({changed:.4f} changed)"
        assert page.evaluate("() => !document.getElementById('viewer').paused")

    link = page.locator("#clips a[data-clip=walk][data-format=glb]")
    with page.expect_download(timeout=60_000) as info:
        link.click()
    path = tmp_path / "walk.glb"
    info.value.save_as(path)
    assert [a.name for a in read_glb(path.read_bytes()).gltf.animations] == ["walk"]
    assert page.locator("#clips a[data-clip=jump][data-format=fbx]").count() == 1

    page.click("#still-button")  # the straight-through preview also answers mesh_url_glb
    page.wait_for_function(STILL_SHOWN_JS, arg=code, timeout=60_000)
    assert page.get_attribute("#viewer", "animation-name") is None
    assert not errors, errors
    page.close()
    print(f"\nweb animate: click → clips ready {to_clips:.2f} s")
