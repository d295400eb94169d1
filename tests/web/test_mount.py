"""mount_web serves the page, its modules and the vendored viewer from a FastAPI app."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import i23d.web as web


def _client() -> TestClient:
    app = FastAPI()
    web.mount_web(app)
    return TestClient(app)


def test_index_is_served_at_root() -> None:
    response = _client().get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/web/static/app.js">' in response.text
    assert 'id="api-key"' in response.text


def test_every_asset_the_page_references_is_served() -> None:
    client = _client()
    page = client.get("/").text
    local = re.findall(r'(?:src|href)="(/web/[^"]+)"', page)
    assert local, "the page references its stylesheet and script"
    for path in local:
        assert client.get(path).status_code == 200, path


def test_module_imports_resolve_to_served_files() -> None:
    client = _client()
    pending, seen = ["/web/static/app.js"], set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, path
        assert "javascript" in response.headers["content-type"], path
        for target in re.findall(r'from "\./([\w.-]+\.js)"', response.text):
            pending.append(f"/web/static/{target}")
    assert {"/web/static/api.js", "/web/static/options.js", "/web/static/spins.js"} <= seen


def test_page_loads_nothing_from_other_hosts() -> None:
    client = _client()
    for path in ["/", *(f"/web/static/{name}" for name in ("app.js", "result.js", "style.css"))]:
        text = client.get(path).text
        assert not re.search(r'(?:src|href|import\()\s*=?\s*["\']https?://', text), path


@pytest.mark.skipif(not web.viewer_installed(), reason="npm ci has not run in src/i23d/web")
def test_vendored_viewer_is_served() -> None:
    response = _client().get(f"{web.VIEWER_PREFIX}/{web.VIEWER_SCRIPT}")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert "customElements.define" in response.text or "model-viewer" in response.text


def test_page_still_serves_without_the_viewer(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(web, "NODE_MODULES", tmp_path / "absent")
    client = _client()
    assert client.get("/").status_code == 200
    assert client.get("/web/static/app.js").status_code == 200
    assert client.get(f"{web.VIEWER_PREFIX}/{web.VIEWER_SCRIPT}").status_code == 404
    result_js = client.get("/web/static/result.js").text
    assert "scripts/setup.sh" in result_js, "the page says how to install the viewer"


@pytest.mark.skipif(not web.viewer_installed(), reason="npm ci has not run in src/i23d/web")
def test_import_map_targets_are_served() -> None:
    client = _client()
    page = client.get("/").text
    for target in re.findall(r'"(/web/vendor/three/[^"]+)"', page):
        probe = target + ("loaders/GLTFLoader.js" if target.endswith("/") else "")
        assert client.get(probe).status_code == 200, probe
    assert client.get("/web/vendor/three/examples/jsm/exporters/STLExporter.js").status_code == 200
