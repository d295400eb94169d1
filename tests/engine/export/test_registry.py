"""The export registry: one exporter, file name and media type per format."""

from __future__ import annotations

from i23d.engine.export import EXPORTERS, FILE_NAMES, MEDIA_FORMATS, MEDIA_TYPES, MESH_FORMATS


def test_every_format_has_an_exporter_a_file_name_and_a_media_type() -> None:
    formats = set(MESH_FORMATS) | set(MEDIA_FORMATS)
    assert set(EXPORTERS) == formats == set(FILE_NAMES) == set(MEDIA_TYPES)
    assert not set(MESH_FORMATS) & set(MEDIA_FORMATS)


def test_file_names_end_in_their_format() -> None:
    for fmt, name in FILE_NAMES.items():
        assert name.endswith("." + fmt), (fmt, name)
    assert {FILE_NAMES[fmt] for fmt in MESH_FORMATS} == {
        "mesh.glb", "mesh.obj", "mesh.zip", "mesh.fbx", "mesh.usdz", "mesh.3mf", "mesh.stl",
    }  # fmt: skip
