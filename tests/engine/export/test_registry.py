"""The export registry: one record per format, offered only where its requirement is met."""

from __future__ import annotations

from pathlib import Path

import pytest

from i23d.engine.export import FORMATS, available_formats, format_of_suffix, missing_formats
from i23d.engine.export.fbx import BLENDER_PYTHON_ENV


def test_every_format_is_one_record_with_a_file_name_and_a_media_type() -> None:
    assert set(FORMATS) == {"glb", "obj", "zip", "fbx", "usdz", "3mf", "stl", "mp4", "gif", "png"}
    for name, fmt in FORMATS.items():
        assert fmt.name == name and fmt.suffix == "." + name, fmt
        assert "/" in fmt.media_type and callable(fmt.write)
        assert format_of_suffix(fmt.suffix.upper()) is fmt
    assert {fmt.file_name for fmt in FORMATS.values() if fmt.kind == "mesh"} == {
        "mesh.glb", "mesh.obj", "mesh.zip", "mesh.fbx", "mesh.usdz", "mesh.3mf", "mesh.stl",
    }  # fmt: skip
    assert format_of_suffix(".jpg") is None


def test_each_csm_field_belongs_to_one_format() -> None:
    fields = [field for fmt in FORMATS.values() for field in fmt.fields]
    assert len(fields) == len(set(fields))
    assert FORMATS["obj"].preview_field == "preview_mesh_url"
    assert FORMATS["obj"].model_fields[0] == "mesh_url_obj"
    assert FORMATS["gif"].model_fields == ("session_gif",)


def test_without_blender_fbx_is_not_offered_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BLENDER_PYTHON_ENV, str(tmp_path / "no-python"))
    assert "fbx" not in available_formats()
    assert set(available_formats()) == set(FORMATS) - {"fbx"}
    assert "bpy" in missing_formats()["fbx"]
    assert set(available_formats("media")) == {"mp4", "gif", "png"}
