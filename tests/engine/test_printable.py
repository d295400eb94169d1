"""Every output setting of engine-built models is a closed, manifold, outward, one-piece solid.

The models are built by the engine from 512² RGBA photos of the printability bench's shapes
(``bench.printable``: a vase, a snowman, a torus, an animal). Each ``resolution`` ×
``topology`` (with a texture resolution cycling through the allowed ones) is exported and read
back by an independent reader: lib3mf for 3MF (its manifold-and-oriented check), numpy-stl for
STL, ufbx for the quads in FBX and OBJ.
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import lib3mf
import numpy as np
import pytest
import trimesh
from stl import mesh as stl_mesh

from bench.printable import SHAPES, photo_png
from bench.quality.cases import select_cases
from i23d.engine import Engine, EngineOptions
from i23d.engine.asset import Asset
from i23d.engine.export import FORMATS
from i23d.engine.post.repair import DEBRIS_VOLUME_FRACTION
from i23d.engine.postprocess import FACE_BUDGETS, TEXTURE_RESOLUTIONS, PostOptions, postprocess
from tests.engine.export.models import edge_use_counts
from tests.engine.export.ufbx_read import read_with_ufbx

SETTINGS = list(itertools.product((None, "low_poly", "high_poly"), ("tris", "quads")))
FAST = [("torus", "low_poly", "tris"), ("snowman", "low_poly", "quads")]
SLOW = [
    (shape, resolution, topology)
    for shape in SHAPES
    for resolution, topology in SETTINGS
    if (shape, resolution, topology) not in FAST
]


@cache
def built_model(shape: str) -> trimesh.Trimesh:
    """The engine's model of the shape's photo, at the chooser's spin and default options."""
    engine, options = Engine(), EngineOptions()
    image = photo_png(SHAPES[shape])
    return engine.build(image, engine.choose(image, options).chosen, options)


def read_3mf(data: bytes, path: Path) -> tuple[bool, np.ndarray, np.ndarray]:
    """lib3mf's manifold-and-oriented verdict, vertices and triangles of a 3MF's one object."""
    path.write_bytes(data)
    model = lib3mf.get_wrapper().CreateModel()
    model.QueryReader("3mf").ReadFromFile(str(path))
    objects = model.GetMeshObjects()
    assert objects.MoveNext()
    mesh = objects.GetCurrentMeshObject()
    assert not objects.MoveNext()
    vertices = np.array([vertex.Coordinates[0:3] for vertex in mesh.GetVertices()])
    triangles = np.array([triangle.Indices[0:3] for triangle in mesh.GetTriangleIndices()])
    return bool(mesh.IsManifoldAndOriented()), vertices, triangles


def pieces(vertices: np.ndarray, triangles: np.ndarray) -> int:
    """Edge-connected parts of a triangle mesh."""
    return len(trimesh.Trimesh(vertices, triangles, process=False).split(only_watertight=False))


def check_printable(asset: Asset, topology: str, tmp_path: Path) -> None:
    """3MF and STL read back as one closed, manifold, outward solid; quads stay quads."""
    manifold, vertices, triangles = read_3mf(FORMATS["3mf"].write(asset), tmp_path / "mesh.3mf")
    assert manifold
    assert set(edge_use_counts(triangles).tolist()) == {2}
    read = trimesh.Trimesh(vertices, triangles, process=False)
    assert read.is_watertight and read.is_winding_consistent and read.volume > 0
    assert pieces(vertices, triangles) == 1

    (tmp_path / "mesh.stl").write_bytes(FORMATS["stl"].write(asset))
    stl = stl_mesh.Mesh.from_file(str(tmp_path / "mesh.stl"))
    corners = stl.vectors.reshape(-1, 3)
    _, welded = np.unique(corners, axis=0, return_inverse=True)
    assert set(edge_use_counts(welded.reshape(-1, 3)).tolist()) == {2}
    assert stl.get_mass_properties()[0] > 0
    assert pieces(corners, welded.reshape(-1, 3)) == 1

    if topology == "quads":
        (tmp_path / "mesh.obj").write_bytes(FORMATS["obj"].write(asset))
        read_obj = read_with_ufbx(tmp_path / "mesh.obj", tmp_path / "texture.png")
        assert read_obj["face_sizes"] == [4]
        assert read_obj["face_count"] == len(asset.quads)
        _, welded_quads = trimesh.grouping.unique_rows(asset.vertices)
        assert set(edge_use_counts(welded_quads[asset.quads]).tolist()) == {2}


def post_options(resolution: str | None, topology: str) -> PostOptions:
    """The setting with a texture resolution that differs from setting to setting."""
    index = SETTINGS.index((resolution, topology)) % len(TEXTURE_RESOLUTIONS)
    return PostOptions(resolution, topology, texture_resolution=TEXTURE_RESOLUTIONS[index])


def run_setting(shape: str, resolution: str | None, topology: str, tmp_path: Path) -> None:
    model = built_model(shape)
    asset = postprocess(model, post_options(resolution, topology))
    # the face budgets: tris at most the budget; quads at most half of it (without a
    # resolution, half the model's triangles up to high_poly's) and at least half that
    budget = FACE_BUDGETS[resolution] if resolution else len(model.faces)
    if topology == "tris":
        assert len(asset.triangles) <= budget
    else:
        most = min(budget, FACE_BUDGETS["high_poly"]) // 2
        assert asset.quads is not None and 0.5 * most <= len(asset.quads) <= most
    check_printable(asset, topology, tmp_path)


@pytest.mark.parametrize(("shape", "resolution", "topology"), FAST)
def test_setting_is_one_closed_manifold_solid(
    shape: str, resolution: str | None, topology: str, tmp_path: Path
) -> None:
    run_setting(shape, resolution, topology, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("shape", "resolution", "topology"), SLOW)
def test_every_setting_of_every_shape_is_one_closed_manifold_solid(
    shape: str, resolution: str | None, topology: str, tmp_path: Path
) -> None:
    run_setting(shape, resolution, topology, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["vase", "animal"])
def test_fbx_keeps_closed_quads(shape: str, tmp_path: Path) -> None:
    asset = postprocess(built_model(shape), PostOptions("low_poly", "quads"))
    (tmp_path / "mesh.fbx").write_bytes(FORMATS["fbx"].write(asset))
    read = read_with_ufbx(tmp_path / "mesh.fbx", tmp_path / "texture.png")
    assert read["face_sizes"] == [4]
    assert read["face_count"] == len(asset.quads)
    # the FBX's quads over its control points, welded by position: every edge used twice
    _, welded = trimesh.grouping.unique_rows(np.asarray(read["world_metres"]))
    quads = welded[np.asarray(read["polygons"])]
    assert set(edge_use_counts(quads).tolist()) == {2}


def test_spins_carry_no_debris() -> None:
    # a mug read as a solid of revolution used to come with loose rings and slivers
    image = photo_png(select_cases(["mug"])[0])
    spins = Engine().spins(image, EngineOptions(), videos=False)
    for spin in spins.spins:
        volumes = [abs(part.volume) for part in spin.mesh.split(only_watertight=False)]
        assert min(volumes) >= DEBRIS_VOLUME_FRACTION * max(volumes), spin.label
