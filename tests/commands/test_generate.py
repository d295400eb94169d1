"""``i23d generate``: real runs from a photo to files, and one-line reasons for bad input."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pygltflib
import pytest
from PIL import Image
from stl import mesh as stl_mesh

from i23d.cli import main
from i23d.engine.export.fbx import BLENDER_PYTHON_ENV
from tests.conftest import object_png


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photo") / "object.png"
    path.write_bytes(object_png(256))
    return path


def _glb_extent(path: Path) -> np.ndarray:
    gltf = pygltflib.GLTF2().load(str(path))
    accessor = gltf.accessors[gltf.meshes[0].primitives[0].attributes.POSITION]
    return np.asarray(accessor.max) - np.asarray(accessor.min)


def test_one_file_output_writes_just_that_file(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "chair.glb"
    code = main(["generate", str(photo), "--output", str(output), "--spin", "0",
                 "--scaled-bbox", "0.4", "0.8", "0.4", "--pivot", "0", "-0.5", "0",
                 "--texture-resolution", "256"])  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in output.parent.iterdir()) == ["chair.glb"]
    np.testing.assert_allclose(_glb_extent(output), (0.4, 0.8, 0.4), rtol=0.005)
    choice, summary = capsys.readouterr().out.split("\n", 1)
    assert re.fullmatch(
        r"spin 0 \(\w+\), (the chooser's pick|as asked \(the chooser's: \d\)): .+", choice
    )
    assert summary.startswith("wrote 1 file (")
    assert re.search(r"chair\.glb\s+[\d.]+ (B|kB|MB)\n", summary)


def test_it_says_which_spin_it_chose_and_why(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", str(photo), "--output", str(tmp_path / "m.stl")]) == 0
    choice = capsys.readouterr().out.splitlines()[0]
    # The orange disc is round and symmetric: a rounded or turned reading, with its cues.
    assert re.fullmatch(r"spin \d \((inflate|revolve)\), the chooser's pick: .*\d.*", choice)


def test_directory_output_writes_the_chosen_formats(photo: Path, tmp_path: Path) -> None:
    code = main(["generate", str(photo), "--output", str(tmp_path), "--formats", "obj,stl,png",
                 "--resolution", "low_poly", "--topology", "quads",
                 "--scaled-bbox", "0.1", "0.2", "0.1"])  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mesh.obj", "mesh.stl", "thumbnail.png"]
    faces = [line for line in (tmp_path / "mesh.obj").read_text().splitlines() if line[:2] == "f "]
    assert faces and all(len(line.split()) == 5 for line in faces)  # "f" + four corners
    assert 2 * len(faces) <= 5_000
    solid = stl_mesh.Mesh.from_file(str(tmp_path / "mesh.stl"))
    extent = np.ptp(solid.vectors.reshape(-1, 3), axis=0)
    np.testing.assert_allclose(extent, (100.0, 200.0, 100.0), rtol=0.005)  # millimetres
    thumbnail = Image.open(io.BytesIO((tmp_path / "thumbnail.png").read_bytes()))
    assert thumbnail.size == (512, 512)


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (
            ["--texture-resolution", "300"],
            "--texture-resolution: texture_resolution must be one of",
        ),
        (["--pivot", "0", "0.7", "0"], "--pivot: pivot_point must be three numbers from -0.5"),
        (["--scaled-bbox", "1", "0", "1"], "--scaled-bbox: scaled_bbox must be three positive"),
        (["--diffusion-time-steps", "5"], "--diffusion-time-steps: diffusion_time_steps must be"),
        (["--formats", "glb"], "--formats needs a directory output"),
        (["--spin", "7"], "--spin: must be auto or 0-3 for the classical reconstructor"),
        (["--reconstructor", "nope"], "unknown reconstructor 'nope'; registered: classical"),
    ],
)
def test_bad_values_exit_non_zero_with_a_one_line_reason(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], reason: str
) -> None:
    code = main(["generate", str(photo), "--output", str(tmp_path / "m.fbx"), *flags])
    assert code == 1
    error = capsys.readouterr().err.strip()
    assert reason in error and "\n" not in error
    assert not (tmp_path / "m.fbx").exists()


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--spin", "x"], "must be auto or a spin index"),
        (["--formats", "glb,dwg"], "unknown format dwg"),
        (["--topology", "ngons"], "invalid choice: 'ngons'"),
        (["--scaled-bbox", "1", "x", "1"], "invalid float value: 'x'"),
    ],
)
def test_malformed_flags_are_rejected_by_the_parser(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], reason: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["generate", str(photo), "--output", str(tmp_path), *flags])
    assert exited.value.code == 2
    assert reason in capsys.readouterr().err.strip().splitlines()[-1]


def test_unknown_extension_and_missing_image(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", str(photo), "--output", str(tmp_path / "m.dwg")]) == 1
    assert "cannot tell the format of m.dwg" in capsys.readouterr().err
    assert main(["generate", str(tmp_path / "none.png"), "--output", str(tmp_path)]) == 1
    assert "IMAGE: no such image file" in capsys.readouterr().err


def test_an_image_without_an_object_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.png"
    Image.new("RGBA", (128, 128), (0, 0, 0, 0)).save(empty)
    assert main(["generate", str(empty), "--output", str(tmp_path / "m.glb")]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("i23d generate: IMAGE:") and "\n" not in error


@pytest.mark.slow
def test_spins_dir_gets_four_turntables_and_stills(photo: Path, tmp_path: Path) -> None:
    spins = tmp_path / "spins"
    code = main(["generate", str(photo), "--output", str(tmp_path / "m.stl"),
                 "--spins-dir", str(spins)])  # fmt: skip
    assert code == 0
    names = sorted(p.name for p in spins.iterdir())
    assert names == [f"spin_{i}.{ext}" for i in range(4) for ext in ("mp4", "png")]
    for index in range(4):
        assert (spins / f"spin_{index}.mp4").read_bytes()[4:8] == b"ftyp"
        assert Image.open(spins / f"spin_{index}.png").size == (512, 512)


@pytest.mark.parametrize(("output", "flags"), [("m.fbx", []), ("out", ["--formats", "glb,fbx"])])
def test_fbx_without_blender_is_refused_with_the_reason(
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    output: str,
    flags: list[str],
) -> None:
    monkeypatch.setenv(BLENDER_PYTHON_ENV, str(tmp_path / "no-python"))
    code = main(["generate", str(photo), "--output", str(tmp_path / output), *flags])
    assert code == 1
    error = capsys.readouterr().err.strip()
    assert "cannot write fbx here" in error and "bpy" in error and "\n" not in error
    assert not (tmp_path / output).exists()
