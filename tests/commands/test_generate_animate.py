"""``i23d generate --animate``: a photographed figure comes out rigged, one file per clip."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from i23d.cli import main
from i23d.engine.export.fbx import BLENDER_PYTHON_ENV
from tests.engine.animate.figures import biped
from tests.engine.animate.gltf_skin import read_glb
from tests.engine.photos import photograph, striped, vase


@pytest.fixture(scope="module")
def figure_photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("figure") / "figure.png"
    Image.fromarray(photograph(striped(biped()))).save(path)
    return path


def test_animate_writes_each_clip_as_glb_and_fbx(
    figure_photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "generate",
            str(figure_photo),
            "--output",
            str(tmp_path),
            "--formats",
            "glb",
            "--animate",
            "walk,jump",
        ]
    )
    assert code == 0, capsys.readouterr().err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "animated_jump.fbx",
        "animated_jump.glb",
        "animated_walk.fbx",
        "animated_walk.glb",
        "mesh.glb",
    ]
    walk = read_glb((tmp_path / "animated_walk.glb").read_bytes())
    assert [a.name for a in walk.gltf.animations] == ["walk"]
    assert "thigh.L" in walk.joint_names()  # detected as a biped
    assert "animated_walk.fbx" in capsys.readouterr().out


def test_animate_refuses_walking_for_a_vase_and_bad_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = tmp_path / "vase.png"
    Image.fromarray(photograph(vase())).save(photo)
    out = tmp_path / "out"
    assert (
        main(
            ["generate", str(photo), "--output", str(out), "--formats", "obj", "--animate", "walk"]
        )
        == 1
    )
    error = capsys.readouterr().err.strip()
    assert error.startswith("i23d generate: --animate: cannot walk") and "\n" not in error
    assert not out.exists()  # refused before anything was written
    assert (
        main(["generate", str(photo), "--output", str(tmp_path / "m.glb"), "--animate", "jump"])
        == 1
    )
    assert "--output must be a directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["generate", str(photo), "--output", str(out), "--animate", "walk,fly"])
    assert exited.value.code == 2
    assert "walk, run, jump" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["generate", str(photo), "--output", str(out), "--rig", "snake"])


def test_animate_without_blender_is_refused_before_any_work(
    figure_photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BLENDER_PYTHON_ENV, str(tmp_path / "no-blender" / "python"))
    out = tmp_path / "out"
    code = main(["generate", str(figure_photo), "--output", str(out), "--animate", "jump"])
    error = capsys.readouterr().err.strip().splitlines()[-1]  # after the warning about FBX
    assert code == 1
    assert error.startswith("i23d generate: --animate: animation is not available here")
    assert "bpy" in error and not out.exists()
