"""Rigging and clips, checked by readers other than the writer: the Khronos validator, a numpy
skinning of the GLB's own joints, weights, inverse bind matrices and samplers, and ufbx."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from i23d.engine.animate import (
    AnimatedModel,
    AnimationUnavailable,
    NotACharacter,
    animate,
    animation_missing,
    check_character,
    check_request,
)
from i23d.engine.animate.skeleton import detect_kind, find_rig
from i23d.engine.asset import Asset
from i23d.engine.errors import InvalidOption
from i23d.engine.export import fbx
from tests.engine.animate.figures import animal, as_asset, biped, capsule, union, vase
from tests.engine.animate.gltf_skin import SkinnedGlb, read_glb
from tests.engine.animate.ufbx_skin import read_skin_with_ufbx
from tests.engine.export.test_glb import _validate

FIGURES = {"biped": biped, "animal": animal, "vase": vase}
EXPECTED = {"biped": "biped", "animal": "quadruped", "vase": "simple"}
CLIPS = {"biped": ["walk", "run", "jump"], "animal": ["walk", "run", "jump"], "vase": ["jump"]}


@pytest.fixture(scope="module")
def assets() -> dict[str, Asset]:
    return {name: as_asset(build()) for name, build in FIGURES.items()}


@pytest.fixture(scope="module")
def animated(assets: dict[str, Asset]) -> dict[str, AnimatedModel]:
    try:
        fbx.blender_python()
    except fbx.BlenderUnavailable as missing:
        pytest.skip(str(missing))
    return {name: animate(assets[name], CLIPS[name]) for name in FIGURES}


def _samples(glb: SkinnedGlb, count: int = 24) -> list[np.ndarray]:
    return [glb.pose(t) for t in np.linspace(0.0, glb.duration, count)]


ALL_CLIPS = [(name, clip) for name in FIGURES for clip in CLIPS[name]]


@pytest.mark.parametrize("name", list(FIGURES))
def test_detects_the_body_from_the_mesh(assets: dict[str, Asset], name: str) -> None:
    asset = assets[name]
    assert detect_kind(asset.vertices, asset.triangles) == EXPECTED[name]


def test_a_tail_is_found_only_where_there_is_one(assets: dict[str, Asset]) -> None:
    tailed = find_rig(assets["animal"].vertices, assets["animal"].triangles)
    assert tailed.tail == ("tail", "tail.001") and tailed.forward[0] == 1.0  # head at +x
    # Four legs seen apart, no tail, facing -x: the body's rounded rear is not a tail.
    parts = [
        capsule([-0.6, 0.8, 0], [0.55, 0.82, 0], 0.24),
        capsule([-0.5, 0.9, 0], [-0.8, 1.25, 0], 0.11),
    ]
    parts += [capsule([x, 0.75, 0], [x, 0.06, 0], 0.06) for x in (-0.5, -0.25, 0.25, 0.5)]
    plain = as_asset(union(parts))
    rig = find_rig(plain.vertices, plain.triangles)
    assert rig.kind == "quadruped" and rig.tail == () and rig.forward[0] == -1.0
    feet = {upper: rig.bone(lower).tail[0] for upper, lower in rig.legs}
    assert max(feet["front_leg.L"], feet["front_leg.R"]) < min(
        feet["hind_leg.L"], feet["hind_leg.R"]
    )


def test_joints_lie_inside_the_mesh(assets: dict[str, Asset]) -> None:
    for name in ("biped", "animal"):
        solid = assets[name].solid
        rig = find_rig(assets[name].vertices, assets[name].triangles)
        heads = np.array([bone.head for bone in rig.bones if bone.parent is not None])
        inside = solid.contains(heads)
        assert inside.mean() >= 0.9, (
            name,
            [b.name for b, i in zip(rig.bones[1:], inside, strict=True) if not i],
        )


def test_each_file_holds_its_one_named_clip(animated: dict[str, AnimatedModel]) -> None:
    for name, result in animated.items():
        assert result.rig == EXPECTED[name]
        assert sorted(result.glb) == sorted(CLIPS[name]) == sorted(result.fbx)
        for clip, data in result.glb.items():
            glb = read_glb(data)
            assert [a.name for a in glb.gltf.animations] == [clip]


@pytest.mark.parametrize(("name", "clip"), ALL_CLIPS)
def test_khronos_validator_reports_no_errors(
    animated: dict[str, AnimatedModel], name: str, clip: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{clip}.glb"
    path.write_bytes(animated[name].glb[clip])
    report = _validate(path)
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]
    assert report["issues"]["numWarnings"] == 0, report["issues"]["messages"]
    assert report["info"]["hasTextures"] is True
    assert report["info"]["animationCount"] == 1 and report["info"]["hasSkins"] is True


@pytest.mark.parametrize(("name", "clip"), ALL_CLIPS)
def test_rest_pose_is_the_static_model(
    animated: dict[str, AnimatedModel], assets: dict[str, Asset], name: str, clip: str
) -> None:
    glb = read_glb(animated[name].glb[clip])
    rest = glb.pose(None)
    static = assets[name].vertices
    to_static, _ = cKDTree(static).query(rest)
    to_rest, _ = cKDTree(rest).query(static)
    assert to_static.max() < 1e-5 and to_rest.max() < 1e-5
    np.testing.assert_allclose(np.sort(glb.weights.sum(axis=1)), 1.0, atol=2e-3)


@pytest.mark.parametrize(("name", "clip"), ALL_CLIPS)
def test_the_clip_moves_without_exploding_or_sinking(
    animated: dict[str, AnimatedModel], assets: dict[str, Asset], name: str, clip: str
) -> None:
    glb = read_glb(animated[name].glb[clip])
    rest = glb.pose(None)
    height = float(np.ptp(rest[:, 1]))
    ground = float(rest[:, 1].min())
    poses = _samples(glb)
    travel = np.stack([np.linalg.norm(p - rest, axis=1) for p in poses])
    assert travel.max() > 0.05 * height  # it moves
    assert travel.max() < height  # nothing flies off
    assert min(p[:, 1].min() for p in poses) > ground - 0.015 * height  # nothing sinks
    if clip != "jump":  # loops: the last frame is the first
        np.testing.assert_allclose(poses[-1], poses[0], atol=1e-4 * height)
        centre_x = [p[:, [0, 2]].mean(axis=0) for p in poses]
        assert np.ptp(np.array(centre_x), axis=0).max() < 0.1 * height  # in place


def test_walking_feet_take_turns(animated: dict[str, AnimatedModel]) -> None:
    glb = read_glb(animated["biped"].glb["walk"])
    rest = glb.pose(None)
    height = float(np.ptp(rest[:, 1]))
    low = rest[:, 1] < rest[:, 1].min() + 0.08 * height
    left, right = low & (rest[:, 0] > 0), low & (rest[:, 0] < 0)
    lift = np.array([[p[left, 1].mean(), p[right, 1].mean()] for p in _samples(glb, 48)])
    difference = lift[:, 0] - lift[:, 1]
    assert difference.max() > 0.03 * height and difference.min() < -0.03 * height


def test_quadruped_legs_move_in_diagonal_pairs(animated: dict[str, AnimatedModel]) -> None:
    glb = read_glb(animated["animal"].glb["walk"])
    rest = glb.pose(None)
    height = float(np.ptp(rest[:, 1]))
    low = rest[:, 1] < rest[:, 1].min() + 0.1 * height
    front, hind = rest[:, 0] > 0, rest[:, 0] < 0
    near, far = rest[:, 2] > 0, rest[:, 2] < 0  # facing +x: the right side is towards +z
    poses = _samples(glb, 48)
    forward = {
        name: np.array([p[mask, 0].mean() for p in poses])
        for name, mask in {
            "front_right": low & front & near,
            "front_left": low & front & far,
            "hind_right": low & hind & near,
            "hind_left": low & hind & far,
        }.items()
    }
    swing = {name: values - values.mean() for name, values in forward.items()}
    assert np.corrcoef(swing["front_left"], swing["hind_right"])[0, 1] > 0.5
    assert np.corrcoef(swing["front_right"], swing["hind_left"])[0, 1] > 0.5
    assert np.corrcoef(swing["front_left"], swing["front_right"])[0, 1] < -0.5


def test_legs_merged_into_one_volume_move_as_one() -> None:
    # One view's reconstruction of an animal: each leg run is one thick volume holding a pair.
    parts = [
        capsule([-0.6, 0.8, 0], [0.55, 0.82, 0], 0.24),
        capsule([0.5, 0.9, 0], [0.8, 1.25, 0], 0.11),
    ]
    parts += [capsule([x, 0.75, 0], [x, 0.06, 0], 0.1) for x in (-0.45, 0.42)]
    asset = as_asset(union(parts))
    rig = find_rig(asset.vertices, asset.triangles)
    assert rig.phase["hind_leg.L"] == rig.phase["hind_leg.R"] != rig.phase["front_leg.L"]
    try:
        fbx.blender_python()
    except fbx.BlenderUnavailable as missing:
        pytest.skip(str(missing))
    glb = read_glb(animate(asset, ["walk"], fbx=False).glb["walk"])
    rest = glb.pose(None)
    low = rest[:, 1] < rest[:, 1].min() + 0.1 * np.ptp(rest[:, 1])
    poses = _samples(glb, 48)
    swing = {}
    for end, is_end in (("front", rest[:, 0] > 0), ("hind", rest[:, 0] < 0)):
        for half, is_half in (("near", rest[:, 2] > 0.02), ("far", rest[:, 2] < -0.02)):
            mask = low & is_end & is_half
            swing[end, half] = np.array([p[mask, 0].mean() for p in poses])
    assert np.corrcoef(swing["front", "near"], swing["front", "far"])[0, 1] > 0.95  # no shear
    assert np.corrcoef(swing["front", "near"], swing["hind", "near"])[0, 1] < -0.5


@pytest.mark.parametrize("name", list(FIGURES))
def test_the_jump_leaves_the_ground_and_lands(
    animated: dict[str, AnimatedModel], name: str
) -> None:
    glb = read_glb(animated[name].glb["jump"])
    rest = glb.pose(None)
    height = float(np.ptp(rest[:, 1]))
    lowest = np.array([p[:, 1].min() for p in _samples(glb, 40)]) - rest[:, 1].min()
    assert lowest.max() > 0.2 * height
    assert abs(lowest[-1]) < 0.01 * height and abs(lowest[0]) < 0.01 * height


def test_the_simple_rig_squashes_and_stretches(animated: dict[str, AnimatedModel]) -> None:
    glb = read_glb(animated["vase"].glb["jump"])
    heights = [np.ptp(p[:, 1]) for p in _samples(glb, 40)]
    rest = np.ptp(glb.pose(None)[:, 1])
    assert min(heights) < 0.85 * rest and max(heights) > 1.1 * rest


def test_ufbx_reads_the_skin_and_the_animation_stack(
    animated: dict[str, AnimatedModel], tmp_path: Path
) -> None:
    path = tmp_path / "walk.fbx"
    path.write_bytes(animated["biped"].fbx["walk"])
    report = read_skin_with_ufbx(path)
    assert report["stacks"] == ["walk"]
    assert report["duration"] > 0.5
    assert report["clusters"] == 13 and report["weighted_vertices"] > 0.99
    assert report["bone_motion"] > 0.05  # a leg bone turns during the clip


def test_legless_shapes_refuse_walk_and_run_unless_a_rig_is_forced(
    assets: dict[str, Asset],
) -> None:
    with pytest.raises(NotACharacter, match="no legs") as refused:
        check_character(assets["vase"], ["walk", "jump"])
    assert refused.value.field == "animations"
    assert check_character(assets["vase"], ["jump"]) == "simple"
    assert check_character(assets["vase"], ["walk"], rig="biped") == "biped"


def test_a_forced_rig_overrides_detection(assets: dict[str, Asset]) -> None:
    try:
        fbx.blender_python()
    except fbx.BlenderUnavailable as missing:
        pytest.skip(str(missing))
    result = animate(assets["vase"], ["walk"], rig="quadruped", fbx=False)
    assert result.rig == "quadruped" and list(result.glb) == ["walk"] and result.fbx == {}
    glb = read_glb(result.glb["walk"])
    assert len(glb.joint_names()) >= 12


def test_bad_requests_name_the_field() -> None:
    with pytest.raises(InvalidOption) as bad:
        check_request(["walk", "fly"], "auto")
    assert bad.value.field == "animations" and "walk, run, jump" in bad.value.message
    with pytest.raises(InvalidOption) as bad:
        check_request([], "auto")
    assert bad.value.field == "animations"
    with pytest.raises(InvalidOption) as bad:
        check_request(["jump"], "snake")
    assert bad.value.field == "rig" and "auto, biped, quadruped" in bad.value.message
    assert check_request(["jump", "walk", "jump"], "auto") == ("walk", "jump")


def test_without_blender_animate_says_why_naming_animations(
    assets: dict[str, Asset], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fbx.BLENDER_PYTHON_ENV, str(tmp_path / "no-blender" / "python"))
    assert "bpy" in (animation_missing() or "")
    with pytest.raises(AnimationUnavailable) as refused:
        animate(assets["vase"], ["jump"])
    assert refused.value.field == "animations" and "bpy" in refused.value.message
