"""Post-processing: option checks, face budgets, pure quads, texture re-bake, size and pivot."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from i23d.engine.asset import Asset, triangulate_quads
from i23d.engine.errors import InvalidOption
from i23d.engine.postprocess import FACE_BUDGETS, PostOptions, postprocess
from tests.engine.export.models import edge_use_counts, texture_colours, textured_blob


@pytest.fixture(scope="module")
def model() -> trimesh.Trimesh:
    return textured_blob()


@pytest.fixture(scope="module")
def low_poly(model: trimesh.Trimesh) -> Asset:
    return postprocess(model, PostOptions(resolution="low_poly", texture_resolution=256))


@pytest.fixture(scope="module")
def low_poly_quads(model: trimesh.Trimesh) -> Asset:
    options = PostOptions(resolution="low_poly", topology="quads", texture_resolution=512)
    return postprocess(model, options)


@pytest.mark.parametrize(
    ("kwargs", "field", "hint"),
    [
        ({"resolution": "mid_poly"}, "resolution", "low_poly, high_poly"),
        ({"topology": "ngons"}, "topology", "tris, quads"),
        ({"texture_resolution": 300}, "texture_resolution", "128, 256, 512, 1024, 2048"),
        ({"texture_resolution": True}, "texture_resolution", "128"),
        ({"texture_resolution": "512"}, "texture_resolution", "2048"),
        ({"scaled_bbox": (1.0, 2.0)}, "scaled_bbox", "three numbers"),
        ({"scaled_bbox": (1.0, 0.0, 1.0)}, "scaled_bbox", "positive"),
        ({"scaled_bbox": (1.0, float("nan"), 1.0)}, "scaled_bbox", "three numbers"),
        ({"scaled_bbox": "1 1 1"}, "scaled_bbox", "three numbers"),
        ({"pivot_point": (0.0, -0.6, 0.0)}, "pivot_point", "-0.5 to 0.5"),
        ({"pivot_point": None}, "pivot_point", "three numbers"),
    ],
)
def test_bad_options_name_the_field_and_the_allowed_values(
    kwargs: dict, field: str, hint: str
) -> None:
    with pytest.raises(InvalidOption) as caught:
        PostOptions(**kwargs)
    assert caught.value.field == field
    assert hint in caught.value.message


def test_options_normalise_sequences_to_float_tuples() -> None:
    options = PostOptions(scaled_bbox=[1, 2, 3], pivot_point=[0, -0.5, 0.5])
    assert options.scaled_bbox == (1.0, 2.0, 3.0)
    assert options.pivot_point == (0.0, -0.5, 0.5)


def test_defaults_keep_the_model_as_built(model: trimesh.Trimesh) -> None:
    asset = postprocess(model)
    assert asset.quads is None
    np.testing.assert_array_equal(asset.triangles, model.faces)
    np.testing.assert_allclose(asset.vertices, model.vertices)
    assert asset.texture.size == model.visual.material.baseColorTexture.size


@pytest.mark.parametrize(
    ("box", "pivot"),
    [
        ((0.3, 0.5, 0.2), (0.0, -0.5, 0.0)),
        ((2.0, 2.0, 2.0), (0.5, 0.5, 0.5)),
        ((1.2, 0.05, 0.7), (-0.5, 0.25, 0.1)),
    ],
)
def test_scaled_bbox_is_exact_and_the_pivot_is_the_origin(
    model: trimesh.Trimesh, box: tuple, pivot: tuple
) -> None:
    asset = postprocess(model, PostOptions(scaled_bbox=box, pivot_point=pivot))
    low, high = asset.vertices.min(axis=0), asset.vertices.max(axis=0)
    np.testing.assert_allclose(high - low, box, rtol=1e-9)
    # the pivot's box-relative point is now at the origin
    pivot_point = low + (np.asarray(pivot) + 0.5) * (high - low)
    np.testing.assert_allclose(pivot_point, 0.0, atol=1e-9)


def test_pivot_alone_keeps_the_unit_size(model: trimesh.Trimesh) -> None:
    asset = postprocess(model, PostOptions(pivot_point=(0.0, -0.5, 0.0)))
    assert asset.vertices.min(axis=0)[1] == pytest.approx(0.0, abs=1e-12)
    assert np.max(asset.vertices.max(axis=0) - asset.vertices.min(axis=0)) == pytest.approx(1.0)


def test_texture_resolution_alone_resamples_and_keeps_the_uvs(model: trimesh.Trimesh) -> None:
    asset = postprocess(model, PostOptions(texture_resolution=128))
    assert asset.texture.size == (128, 128)
    np.testing.assert_allclose(asset.uv, model.visual.uv)
    np.testing.assert_array_equal(asset.triangles, model.faces)


def test_high_poly_keeps_a_model_already_within_budget(model: trimesh.Trimesh) -> None:
    assert len(model.faces) <= FACE_BUDGETS["high_poly"]
    asset = postprocess(model, PostOptions(resolution="high_poly"))
    assert len(asset.triangles) == len(model.faces)


def test_low_poly_meets_the_budget_and_keeps_the_shape(
    model: trimesh.Trimesh, low_poly: Asset
) -> None:
    budget = FACE_BUDGETS["low_poly"]
    assert 0.8 * budget <= len(low_poly.triangles) <= budget
    assert low_poly.texture.size == (256, 256)
    # the silhouette survives: every vertex of the decimated mesh lies on the original surface
    _, distance, _ = trimesh.proximity.closest_point(model, low_poly.vertices)
    assert np.max(distance) < 0.01
    assert edge_use_counts(low_poly.solid.faces).tolist() == [2] * len(
        edge_use_counts(low_poly.solid.faces)
    )


def test_quads_are_pure_quads_within_budget(low_poly_quads: Asset) -> None:
    quads = low_poly_quads.quads
    assert quads is not None and quads.shape[1] == 4
    assert 2 * len(quads) <= FACE_BUDGETS["low_poly"]
    assert len(quads) >= 0.5 * FACE_BUDGETS["low_poly"] / 2
    np.testing.assert_array_equal(triangulate_quads(quads), low_poly_quads.triangles)
    # four distinct corners per quad, and the welded quad mesh is closed
    assert all(len(set(quad)) == 4 for quad in quads.tolist())
    _, welded = trimesh.grouping.unique_rows(low_poly_quads.vertices)
    assert set(edge_use_counts(welded[quads]).tolist()) == {2}
    assert low_poly_quads.texture.size == (512, 512)


def test_quad_remesh_keeps_the_shape(model: trimesh.Trimesh, low_poly_quads: Asset) -> None:
    _, distance, _ = trimesh.proximity.closest_point(model, low_poly_quads.vertices)
    assert np.percentile(distance, 99) < 0.01


@pytest.mark.parametrize("asset_name", ["low_poly", "low_poly_quads"])
def test_rebaked_texture_shows_the_source_colours(
    model: trimesh.Trimesh, asset_name: str, request: pytest.FixtureRequest
) -> None:
    asset: Asset = request.getfixturevalue(asset_name)
    points, _ = trimesh.sample.sample_surface(asset.mesh, 1500, seed=7)
    baked = texture_colours(asset.mesh, points)
    source = texture_colours(model, points)
    error = np.abs(baked - source).max(axis=1)
    assert np.median(error) < 6
    assert np.percentile(error, 95) < 20


def test_rebaked_uvs_do_not_overlap(low_poly_quads: Asset) -> None:
    corners = low_poly_quads.uv[low_poly_quads.triangles]
    edges = corners[:, 1:] - corners[:, :1]
    uv_area = np.abs(edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0]) / 2
    # charts are packed side by side in the unit square: their areas cannot exceed it
    assert uv_area.sum() < 1.0
    assert low_poly_quads.uv.min() >= 0.0 and low_poly_quads.uv.max() <= 1.0


def test_everything_at_once(model: trimesh.Trimesh) -> None:
    options = PostOptions(
        resolution="low_poly",
        topology="quads",
        texture_resolution=128,
        scaled_bbox=(0.5, 0.25, 0.125),
        pivot_point=(0.0, -0.5, 0.0),
    )
    stages: list[str] = []
    asset = postprocess(model, options, progress=lambda fraction, stage: stages.append(stage))
    low, high = asset.vertices.min(axis=0), asset.vertices.max(axis=0)
    np.testing.assert_allclose(high - low, (0.5, 0.25, 0.125), rtol=1e-9)
    assert low[1] == pytest.approx(0.0, abs=1e-12)
    assert asset.texture.size == (128, 128)
    assert asset.quads is not None and 2 * len(asset.quads) <= FACE_BUDGETS["low_poly"]
    assert stages[-1] == "post-processing done"


def test_an_untextured_model_is_refused() -> None:
    with pytest.raises(ValueError, match="TextureVisuals"):
        postprocess(trimesh.creation.box())


@pytest.mark.parametrize("asset_name", ["low_poly", "low_poly_quads"])
def test_uv_edges_follow_the_surface(asset_name: str, request: pytest.FixtureRequest) -> None:
    asset: Asset = request.getfixturevalue(asset_name)
    corners = asset.vertices[asset.triangles]
    corner_uv = asset.uv[asset.triangles]
    edge_3d = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2).ravel()
    edge_uv = np.linalg.norm(corner_uv - np.roll(corner_uv, 1, axis=1), axis=2).ravel()
    real = edge_3d > 1e-5
    ratio = edge_uv[real] / edge_3d[real]
    # one texel scale over the atlas, up to the box projection's 1.7x stretch: no edge
    # jumps across the atlas (a corner left where the packer dropped it)
    assert ratio.max() < 3.0 * np.median(ratio)


def test_rebake_from_a_source_with_uv_seams(model: trimesh.Trimesh, low_poly: Asset) -> None:
    # the low-poly asset's atlas has many charts: re-baking from it crosses its seams
    seamed_source = low_poly.mesh
    again = postprocess(seamed_source, PostOptions(topology="quads", texture_resolution=256))
    points, _ = trimesh.sample.sample_surface(again.mesh, 1500, seed=3)
    error = np.abs(texture_colours(again.mesh, points) - texture_colours(model, points)).max(axis=1)
    assert np.median(error) < 8
    assert np.percentile(error, 95) < 30
