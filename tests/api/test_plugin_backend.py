"""A third-party reconstructor, registered through the entry point group, behind the whole
session flow (spins with turntables, preview, every format) and ``i23d generate``."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from i23d.api.app import create_app
from i23d.cli import main
from i23d.config import Settings
from i23d.sessions.keys import create_key
from tests.api.conftest import assert_envelope
from tests.api.flows import check_fbx, check_glb, check_mp4, check_obj_zip, poll
from tests.conftest import migrated, object_png
from tests.engine.plugins import install_plugins

SESSIONS = "/image-to-3d-sessions"


@pytest.fixture
def toy_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, str]]:
    install_plugins(tmp_path / "site", monkeypatch)
    settings = migrated(Settings(data_dir=tmp_path / "data", workers=1, reconstructor="toy"))
    with TestClient(create_app(settings)) as client:
        yield client, create_key(client.app.state.ctx.db, "enterprise")  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_plugin_backend_serves_the_session_flow(toy_app: tuple[TestClient, str]) -> None:
    client, key = toy_app
    headers = {"x-api-key": key}

    def get(code: str) -> dict:
        return assert_envelope(client.get(f"{SESSIONS}/{code}", headers=headers), 200)

    image = "data:image/png;base64," + base64.b64encode(object_png()).decode()
    created = assert_envelope(
        client.post(SESSIONS, headers=headers, json={"image_url": image, "auto_gen_3d": False}),
        201,
    )
    code = created["session_code"]
    spun, _ = poll(get, code, field="status", until={"spin_generate_done"},
                   allowed={"spin_generate_processing"})  # fmt: skip
    assert [spin["prior"] for spin in spun["spins"]] == ["ball", "block"]
    assert spun["spins"][0]["reason"].startswith("seen from the photo's camera")
    assert spun["selected_spin_index"] == 0  # a disc: the ball matches the photo best
    check_mp4(client.get(spun["spins"][1]["image_url"]).content)

    too_far = client.post(
        f"{SESSIONS}/get-3d/preview/{code}", headers=headers, json={"selected_spin_index": 2}
    )
    body = too_far.json()
    assert too_far.status_code == 400 and "from 0 to 1" in body["message"], body

    assert_envelope(
        client.post(
            f"{SESSIONS}/get-3d/preview/{code}", headers=headers, json={"selected_spin_index": 1}
        ),
        200,
    )
    done, _ = poll(get, code, field="status", until={"preview_done"},
                   allowed={"training_preview"})  # fmt: skip
    assert done["session_status"] == "complete"
    check_glb(client.get(done["preview_mesh_url_glb"]).content)
    check_obj_zip(client.get(done["preview_mesh_url_zip"]).content)
    check_fbx(client.get(done["preview_mesh_url_fbx"]).content)
    assert done["mp4_url"].endswith("spin_1.mp4")


def test_generate_uses_the_plugin_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugins(tmp_path / "site", monkeypatch)
    photo = tmp_path / "disc.png"
    photo.write_bytes(object_png())
    output = tmp_path / "model.glb"
    code = main(["generate", str(photo), "-o", str(output), "--reconstructor", "toy",
                 "--spin", "1"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("spin 1 (block), as asked (the chooser's: 0)")
    check_glb(output.read_bytes())
    code = main(["generate", str(photo), "-o", str(output), "--reconstructor", "needy"])
    assert code == 1
    assert "'needy' cannot run here: expected /nowhere/model.ckpt" in capsys.readouterr().err


def test_serve_and_worker_refuse_an_unknown_or_unavailable_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugins(tmp_path / "site", monkeypatch)
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["worker", *data, "--reconstructor", "nope"]) == 2
    assert "unknown reconstructor 'nope'; registered: classical, toy" in capsys.readouterr().err
    assert main(["serve", "--port", "0", *data, "--reconstructor", "needy"]) == 2
    assert "'needy' cannot run here" in capsys.readouterr().err
    assert main(["reconstructors"]) == 0
    listed = capsys.readouterr().out
    assert "toy: runs here on cpu  [plugin i23d-test-plugins]" in listed
    assert "why not: reconstructor 'broken'" in listed
    monkeypatch.setenv("I23D_RECONSTRUCTOR", "needy")
    assert main(["reconstructors"]) == 1
    assert "'needy' (I23D_RECONSTRUCTOR) cannot run here" in capsys.readouterr().out
