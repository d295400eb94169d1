"""A box turned and seen from above: elevation, yaw and sides read from its hexagon, built as
that box, offered among the four most plausible spins."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from i23d.engine import Engine, EngineOptions
from i23d.engine.boxview import OPEN_OUTLINE_FIT, _with_skipped_corner, read_box
from i23d.engine.cues import read_cues
from i23d.engine.cutout import CutOut
from i23d.engine.elevation import estimate_elevation
from tests.engine import photos
from tests.engine.test_pipeline import input_view, iou

ENGINE = Engine()
SIDES = (0.9, 0.5, 0.6)  # width (x), height (y), depth (z) before turning


def turned_box(yaw_deg: float, sides: tuple[float, float, float] = SIDES) -> trimesh.Trimesh:
    """A striped box turned ``yaw_deg`` about +Y."""
    box = trimesh.creation.box(extents=sides)
    box.apply_transform(trimesh.transformations.rotation_matrix(math.radians(yaw_deg), [0, 1, 0]))
    return photos.striped(box)


@pytest.mark.parametrize(("yaw", "elevation"), [(35.0, 20.0), (55.0, 12.0), (25.0, 28.0)])
def test_elevation_and_yaw_are_read_from_a_turned_box(yaw, elevation):
    cutout = ENGINE.load(photos.photograph(turned_box(yaw), elevation_deg=elevation))
    assert estimate_elevation(cutout) == pytest.approx(elevation, abs=5.0)
    box = read_cues(cutout).box
    assert box is not None and box.yaw_deg == pytest.approx(yaw, abs=5.0)
    ratios = box.half / box.half.max()
    assert ratios == pytest.approx(np.array(SIDES) / max(SIDES), abs=0.1)


def test_a_box_facing_the_camera_from_above_is_read_and_built():
    truth = turned_box(0.0)
    cutout = ENGINE.load(photos.photograph(truth, elevation_deg=22.0))
    assert estimate_elevation(cutout) == pytest.approx(22.0, abs=5.0)
    assert ENGINE.choose(cutout, EngineOptions()).chosen == "cuboid"
    model = ENGINE.build(cutout, "cuboid", EngineOptions())
    assert model.extents == pytest.approx(truth.extents / truth.extents.max(), rel=0.15)


def test_a_box_facing_a_camera_below_its_top_is_read_from_its_front_face():
    """Close up, a camera 12° above a tall box's middle is below its top face: the outline is
    the front face alone, a quadrilateral whose sides converge downwards. Extruded straight
    back from the camera, it would be a slab leaning back; read, it is the upright box."""
    truth = turned_box(0.0, (0.5, 1.0, 0.5))
    cutout = ENGINE.load(photos.photograph(truth, elevation_deg=12.0))
    assert estimate_elevation(cutout) == pytest.approx(12.0, abs=3.0)
    box = read_cues(cutout).box
    assert box is not None and not box.depth_seen and abs(box.yaw_deg) < 3.0
    verdict = ENGINE.choose(cutout, EngineOptions())
    assert verdict.chosen == "cuboid" and "front face only" in verdict.reasons["cuboid"]
    model = ENGINE.build(cutout, "cuboid", EngineOptions())
    assert model.extents == pytest.approx(truth.extents / truth.extents.max(), rel=0.1)
    y, z = model.vertices[:, 1], model.vertices[:, 2]
    top, bottom = z[y > y.max() - 0.1], z[y < y.min() + 0.1]
    assert top.mean() == pytest.approx(bottom.mean(), abs=0.03)  # upright, not leaning


@pytest.mark.parametrize(("yaw", "elevation"), [(20.0, 6.0), (65.0, 6.0)])
def test_a_turned_box_whose_top_face_is_level_with_the_camera_is_read(yaw, elevation):
    """Its two top edges run in one straight line: the hull has five corners, not six."""
    cutout = ENGINE.load(photos.photograph(turned_box(yaw), elevation_deg=elevation))
    box = read_box(cutout.mask, cutout.fov_deg)
    assert box is not None and box.depth_seen
    assert box.yaw_deg == pytest.approx(yaw, abs=3.0)
    assert box.elevation_deg == pytest.approx(elevation, abs=3.0)
    assert box.half / box.half.max() == pytest.approx(np.array(SIDES) / max(SIDES), abs=0.1)


def test_an_outline_is_read_once():
    """A photo's spins and its build read one outline: a copy of it gives back the same
    reading without fitting again; another camera is read afresh."""
    cutout = ENGINE.load(photos.photograph(turned_box(35.0), elevation_deg=20.0))
    box = read_box(cutout.mask, cutout.fov_deg)
    assert box is not None
    assert read_box(cutout.mask.copy(), cutout.fov_deg) is box
    again = read_box(cutout.mask, cutout.fov_deg + 5.0)
    assert again is not None and again is not box


def test_a_cube_barely_turned_reads_no_stick_pointing_at_the_camera():
    """Its five-cornered outline also fits a box 0.03 × 0.03 × 1 whose near end is at the lens
    (before the sides were bounded)."""
    cutout = ENGINE.load(photos.photograph(turned_box(10.0, (0.6, 0.6, 0.6)), elevation_deg=3.0))
    box = read_box(cutout.mask, cutout.fov_deg)
    assert box is None or box.half.min() > 0.5 * box.half.max()


@pytest.mark.parametrize(("yaw", "elevation"), [(35.0, 20.0), (60.0, 4.0)])
def test_a_turned_box_is_built_as_that_box(yaw, elevation):
    truth = turned_box(yaw)
    cutout = ENGINE.load(photos.photograph(truth, elevation_deg=elevation))
    verdict = ENGINE.choose(cutout, EngineOptions())
    assert verdict.chosen == "cuboid" and "cuboid" in verdict.offered
    assert "a box seen from" in verdict.reasons["cuboid"]
    model = ENGINE.build(cutout, "cuboid", EngineOptions())
    assert model.is_watertight and model.volume > 0
    # Upright and as deep as the truth (both normalised to their longest side).
    expected = truth.extents / truth.extents.max()
    assert model.extents == pytest.approx(expected, rel=0.15)
    seen = input_view(model, cutout.size)[..., 3] > 127
    assert iou(seen, cutout.mask) >= 0.97


def test_a_box_read_from_a_ragged_cutout_is_built_whole():
    """Bites out of a closed box's cut-out along its edges (as a busy background leaves
    them) do not notch the model: it is built as the box read, its own outline too."""
    clean = ENGINE.load(photos.photograph(turned_box(35.0), elevation_deg=20.0))
    alpha = clean.alpha.copy()
    rows, cols = np.nonzero(clean.mask ^ np.roll(clean.mask, 1, axis=0))  # top and bottom edges
    bitten = np.zeros_like(clean.mask)
    for row, col in list(zip(rows, cols, strict=True))[::97]:
        bitten[max(row - 4, 0) : row + 4, max(col - 4, 0) : col + 4] = True
    alpha[bitten] = 0.0
    ragged = replace(
        clean, alpha=alpha, rgba=np.dstack([clean.rgba[..., :3], (alpha * 255).astype(np.uint8)])
    )
    verdict = ENGINE.choose(ragged, EngineOptions())
    assert verdict.chosen == "cuboid"
    model = ENGINE.build(ragged, "cuboid", EngineOptions())
    seen = input_view(model, ragged.size)[..., 3] > 127
    lost = bitten & clean.mask
    assert lost.sum() > 100
    assert seen[lost].mean() > 0.75  # as built from the clean cut-out: 0.84
    assert iou(seen, clean.mask) >= 0.97


def table(yaw_deg: float, width: float = 0.9, depth: float = 0.6) -> trimesh.Trimesh:
    """A striped table (a top on four square legs 0.6 high at its corners) turned
    ``yaw_deg``."""
    top = trimesh.creation.box(extents=(width, 0.05, depth))
    top.apply_translation((0.0, 0.6, 0.0))
    legs = []
    for x in (-0.5 * width + 0.05, 0.5 * width - 0.05):
        for z in (-0.5 * depth + 0.05, 0.5 * depth - 0.05):
            leg = trimesh.creation.box(extents=(0.06, 0.6, 0.06))
            leg.apply_translation((x, 0.3, z))
            legs.append(leg)
    mesh = trimesh.util.concatenate([top, *legs])
    turn = trimesh.transformations.rotation_matrix(math.radians(yaw_deg), [0, 1, 0])
    return photos.striped(mesh.apply_transform(turn))


@pytest.mark.parametrize(
    ("yaw", "elevation", "sides"),
    [(35.0, 15.0, (0.9, 0.6)), (0.0, 18.0, (0.9, 0.6)), (40.0, 30.0, (0.4, 0.4))],
)
def test_a_table_stands_on_four_legs_seen_from_the_side(yaw, elevation, sides):
    """An open box is built as a top on a leg at each vertical edge: cut level halfway up
    its legs, the model is four legs' squares, each about as deep as it is wide (built as the
    box carved by the outline, a table seen from the front stood on two walls). A square
    stool turned 40° mirrors about its axis; its top is a box's, not a turned object's rim
    (it was revolved)."""
    cutout = ENGINE.load(photos.photograph(table(yaw, *sides), elevation_deg=elevation))
    verdict = ENGINE.choose(cutout, EngineOptions())
    assert verdict.chosen == "cuboid" and "open box" in verdict.reasons["cuboid"]
    model = ENGINE.build(cutout, "cuboid", EngineOptions())
    section = model.section(
        plane_origin=(0.0, model.bounds[0][1] + 0.25, 0.0), plane_normal=(0, 1, 0)
    )
    assert section is not None
    legs = section.discrete  # closed outlines, (K, 3) each
    assert len(legs) == 4
    leg_side = 0.06 / max(*sides, 0.625)  # the truth's, normalised as the model is
    for leg in legs:
        width, _, depth = np.ptp(leg, axis=0)
        assert max(width, depth) < 2.0 * leg_side
    seen = input_view(model, cutout.size)[..., 3] > 127
    assert iou(seen, cutout.mask) >= 0.9


def built_on_four_legs(cutout: CutOut) -> trimesh.Trimesh:
    """The cut-out's model, asserted chosen as an open box and, cut level a quarter up, four
    legs."""
    verdict = ENGINE.choose(cutout, EngineOptions())
    assert verdict.chosen == "cuboid" and "open box" in verdict.reasons["cuboid"]
    model = ENGINE.build(cutout, "cuboid", EngineOptions())
    section = model.section(
        plane_origin=(0.0, model.bounds[0][1] + 0.25, 0.0), plane_normal=(0, 1, 0)
    )
    assert section is not None and len(section.discrete) == 4
    return model


@pytest.mark.parametrize(("yaw", "elevation"), [(0.0, 0.0), (10.0, 5.0), (-8.0, 2.0)])
def test_a_table_facing_a_level_camera_is_read_from_its_legs(yaw, elevation):
    """Seen level its top shows no hexagon: the outline is a front face on legs (four runs,
    or three where a back leg hides behind a front one). Perspective sets the back legs in
    from the front ones: the turn and depth that place four legs so are read, and the
    camera's elevation from how far the back feet stand above the front ones. (Before, the
    table facing the camera was extruded, two walls, and the turned ones inflated.)"""
    cutout = ENGINE.load(photos.photograph(table(yaw), elevation_deg=elevation))
    box = read_cues(cutout).box
    assert box is not None and box.depth_seen
    assert box.yaw_deg == pytest.approx(yaw, abs=4.0)
    assert box.elevation_deg == pytest.approx(elevation, abs=3.0)
    assert box.half[2] / box.half[0] == pytest.approx(0.6 / 0.9, abs=0.15)
    model = built_on_four_legs(cutout)
    seen = input_view(model, cutout.size)[..., 3] > 127
    assert iou(seen, cutout.mask) >= 0.9


@pytest.mark.parametrize(
    ("yaw", "elevation", "sides"),
    [(0.0, 12.0, (0.9, 0.6)), (-6.0, 12.0, (0.9, 0.6)), (0.0, 12.0, (0.6, 0.6))],
)
def test_a_table_facing_a_camera_a_little_above_is_read_from_its_legs(yaw, elevation, sides):
    """Each back leg stands just inside its front one, their columns one run: the runs part
    where the feet step up, the elevation is read from how the front legs lean in towards
    their feet and the depth from how far the back feet stand above the front ones. (Before,
    no box was read and the table was inflated, a sheet seen from the side.)"""
    cutout = ENGINE.load(photos.photograph(table(yaw, *sides), elevation_deg=elevation))
    box = read_cues(cutout).box
    assert box is not None and box.depth_seen
    assert box.elevation_deg == pytest.approx(elevation, abs=3.0)
    assert box.half[2] / box.half[0] == pytest.approx(sides[1] / sides[0], abs=0.15)
    built_on_four_legs(cutout)


def chair(yaw_deg: float, back_height: float, back_width: float = 0.5) -> trimesh.Trimesh:
    """A striped chair (a seat 0.5 × 0.5 on four legs 0.5 high, a backrest ``back_width``
    wide, 0.05 thick and ``back_height`` above the seat, centred on its back edge) turned
    ``yaw_deg``."""
    parts = [trimesh.creation.box(extents=(0.5, 0.05, 0.5))]
    parts[0].apply_translation((0.0, 0.525, 0.0))
    for x in (-0.22, 0.22):
        for z in (-0.22, 0.22):
            parts.append(trimesh.creation.box(extents=(0.06, 0.5, 0.06)))
            parts[-1].apply_translation((x, 0.25, z))
    parts.append(trimesh.creation.box(extents=(back_width, back_height, 0.05)))
    parts[-1].apply_translation((0.0, 0.55 + back_height / 2.0, -0.225))
    mesh = trimesh.util.concatenate(parts)
    turn = trimesh.transformations.rotation_matrix(math.radians(yaw_deg), [0, 1, 0])
    return photos.striped(mesh.apply_transform(turn))


def backrest_plate(cutout: CutOut, below: float = 0.1) -> tuple[trimesh.Trimesh, np.ndarray]:
    """The model of ``cutout`` chosen and built as a box under a backrest, and its one plate
    (x, z points) cut level ``below`` its top."""
    verdict = ENGINE.choose(cutout, EngineOptions())
    assert verdict.chosen == "cuboid" and "backrest" in verdict.reasons["cuboid"]
    model = ENGINE.build(cutout, "cuboid", EngineOptions())
    top = model.bounds[1][1]
    section = model.section(plane_origin=(0.0, top - below, 0.0), plane_normal=(0, 1, 0))
    assert section is not None and len(section.discrete) == 1
    return model, section.discrete[0][:, [0, 2]]


@pytest.mark.parametrize(
    ("yaw", "elevation", "back"),
    [(35.0, 20.0, 0.6), (-50.0, 15.0, 0.4), (0.0, 15.0, 0.5), (8.0, 12.0, 0.45)],
)
def test_a_chair_is_read_as_a_box_under_a_backrest(yaw, elevation, back):
    """A chair's hull is a box's hexagon whose two top corners on its back face stand higher
    (turned: the top face's far corner and a side's; facing the camera: the top face's two far
    corners): read as the seat's box (its turn, the camera's elevation) and the backrest's
    height, and built with the backrest a thin slab along the back edge: cut level above the
    seat, the model is one thin plate as wide as the seat. (Before, no box was read and the
    chair was inflated into a blob.)"""
    cutout = ENGINE.load(photos.photograph(chair(yaw, back), elevation_deg=elevation))
    box = read_cues(cutout).box
    assert box is not None and box.back is not None
    assert box.elevation_deg == pytest.approx(elevation, abs=4.0)
    assert box.back_height / (2.0 * box.half[1]) == pytest.approx(back / 0.55, abs=0.15)
    model, plate = backrest_plate(cutout)
    spread = np.linalg.svd(plate - plate.mean(axis=0), compute_uv=False)
    assert spread[1] < 0.3 * spread[0]  # thin across, long along the back edge
    seen = input_view(model, cutout.size)[..., 3] > 127
    assert iou(seen, cutout.mask) >= 0.9


@pytest.mark.parametrize(("yaw", "width"), [(30.0, 0.35), (40.0, 0.3)])
def test_a_backrest_narrower_than_its_seat_is_read_and_built_narrower(yaw, width):
    """A chair turned ``yaw`` and seen from 20° above whose backrest is ``width`` of its seat's
    0.5 wide. At 0.35 its hull is still a hexagon, but the backrest's top corners stand in
    from the seat's sides, so the raised corners alone missed them (RMS 0.016); at 0.3 the
    seat's back corner stays on the hull beside the backrest's (seven corners, no hexagon).
    Either way the chair was inflated. Read with the backrest's sides in from the seat's, it
    is built as narrow: cut level above the seat, the plate spans about ``width`` / 0.5 of
    the model's width along it."""
    photo = photos.photograph(chair(yaw, 0.5, back_width=width), elevation_deg=20.0)
    cutout = ENGINE.load(photo)
    box = read_cues(cutout).box
    assert box is not None and box.back is not None
    assert box.elevation_deg == pytest.approx(20.0, abs=4.0)
    half_width = box.half[0 if box.back[0] == 0.0 else 2]  # along the back edge
    assert 1.0 - box.back_inset / half_width == pytest.approx(width / 0.5, abs=0.1)
    assert "of its width" in box.describe()
    model, plate = backrest_plate(cutout)
    along = np.linalg.svd(plate - plate.mean(axis=0))[2][0]
    span = np.ptp(plate @ along) / np.ptp(model.vertices[:, [0, 2]] @ along)
    assert span == pytest.approx(width / 0.5, abs=0.12)


def test_a_bed_under_a_headboard_is_read_as_a_closed_box_with_its_back():
    """A bed (a box 1.0 × 0.3 × 1.6) under a headboard 0.5 high along its far end, turned 30°
    and seen from 20° above: its outline is a flat-faced polygon and was extruded, a slab
    straight back from the camera. Read as a box under a backrest whose outline (box and
    backrest together) fills the silhouette as a box's does (no open box's gaps), it is built
    solid, the headboard a plate."""
    mattress = trimesh.creation.box(extents=(1.0, 0.3, 1.6))
    mattress.apply_translation((0.0, 0.15, 0.0))
    headboard = trimesh.creation.box(extents=(1.0, 0.5, 0.08))
    headboard.apply_translation((0.0, 0.55, -0.76))
    turn = trimesh.transformations.rotation_matrix(math.radians(30.0), [0, 1, 0])
    bed = photos.striped(trimesh.util.concatenate([mattress, headboard]).apply_transform(turn))
    cutout = ENGINE.load(photos.photograph(bed, elevation_deg=20.0))
    box = read_cues(cutout).box
    assert box is not None and box.back is not None and box.iou >= OPEN_OUTLINE_FIT
    assert box.elevation_deg == pytest.approx(20.0, abs=5.0)
    model, plate = backrest_plate(cutout, below=0.05)
    assert model.is_watertight
    spread = np.linalg.svd(plate - plate.mean(axis=0), compute_uv=False)
    assert spread[1] < 0.3 * spread[0]


def test_a_ragged_outline_with_a_shallow_top_corner_reads_the_same_box():
    """A box turned far (its top's far corner barely breaks the top edge) whose mask gained a
    few pixels along its top and bottom, as a cut-out over a busy background leaves it: read
    as the clean mask's box (the far corner's place along the edge used to swing the fit past
    its limit, and no box was read)."""
    cutout = ENGINE.load(photos.photograph(turned_box(62.0, (1.0, 0.7, 0.5)), elevation_deg=15.0))
    clean = read_box(cutout.mask, cutout.fov_deg)
    assert clean is not None
    ragged = cutout.mask.copy()
    rows, cols = np.nonzero(ragged ^ np.roll(ragged, 1, axis=0))  # top and bottom edges
    for row, col in list(zip(rows, cols, strict=True))[::53]:
        ragged[max(row - 2, 0) : row + 1, max(col - 1, 0) : col + 2] = True
    box = read_box(ragged, cutout.fov_deg)
    assert box is not None
    assert box.yaw_deg == pytest.approx(clean.yaw_deg, abs=4.0)
    assert box.elevation_deg == pytest.approx(clean.elevation_deg, abs=3.0)


def test_a_box_whose_far_top_corner_the_cutout_shaved_reads_the_same_box():
    """The guided cut-out's mask of a cube seen from 10° above over the blurred room (the dev
    view ``dev_cube_high_am30_e10``): its thin top face lost a pixel at the far corner and a
    shadow-like rim joined its bottom, so the hull's finest simplification to at most six
    corners has five. The skipped corner is put back; no box was read before. The clean
    render reads yaw 30.5°, elevation 12.7°."""
    mask = np.asarray(Image.open(Path(__file__).parent / "data" / "cube_cut_over_blurred_room.png"))
    box = read_box(mask.astype(bool), 40.0)
    assert box is not None
    assert box.yaw_deg == pytest.approx(30.5, abs=3.0)
    assert box.elevation_deg == pytest.approx(12.7, abs=3.0)


def test_a_thin_plate_whose_top_face_corners_swapped_heights_reads_the_same_box():
    """The guided cut-out's mask of a thin plate seen from 25° above over the brick wall (the
    dev view ``dev_plate_a60_e25``): its top face is a pixel or two thick, so its two corners
    stand within three pixels of each other's height, and the cut-out put the other one on
    top: the hexagon started at the wrong corner and no box was read. The clean render reads
    yaw 30.4°, elevation 27.1°."""
    mask = np.asarray(Image.open(Path(__file__).parent / "data" / "plate_cut_over_brick_wall.png"))
    box = read_box(mask.astype(bool), 40.0)
    assert box is not None
    assert box.yaw_deg == pytest.approx(30.4, abs=3.0)
    assert box.elevation_deg == pytest.approx(27.1, abs=3.0)
    assert sorted(box.half / box.half.max()) == pytest.approx([0.06, 0.67, 1.0], abs=0.05)


def test_a_pentagon_keeps_its_five_corners():
    corners = np.array(
        [(128.0, 20.0), (230.0, 100.0), (190.0, 230.0), (66.0, 230.0), (26.0, 100.0)]
    )
    edges = np.roll(corners, -1, axis=0) - corners
    hull = np.concatenate([corners + t * edges for t in np.linspace(0.0, 0.9, 10)])
    assert np.array_equal(_with_skipped_corner(corners, hull), corners)


def test_outlines_that_are_no_turned_box_read_no_box():
    for mesh, elevation in [
        (turned_box(0.0), 0.0),  # a rectangle
        (photos.star_prism(), 0.0),
        (photos.vase(), 0.0),
        (photos.cylinder(), 0.0),  # seen level, a box fits its hull at 0.0188 (> MAX_RMS)
        (photos.cylinder(), 15.0),
    ]:
        cutout = ENGINE.load(photos.photograph(mesh, elevation_deg=elevation))
        assert read_box(cutout.mask, cutout.fov_deg) is None


def test_four_spins_are_the_most_plausible_readings():
    cutout = ENGINE.load(photos.photograph(turned_box(40.0), elevation_deg=18.0))
    spin_set = ENGINE.spins(cutout, EngineOptions(), videos=False)
    labels = [spin.label for spin in spin_set.spins]
    assert len(labels) == ENGINE.spin_count == 4
    scores = ENGINE.choose(cutout, EngineOptions()).scores
    assert (
        sorted(labels, key=lambda label: -scores[label])
        == sorted(scores, key=lambda k: -scores[k])[:4]
    )
    assert spin_set.spins[spin_set.chosen].label == "cuboid"
    vase = ENGINE.spins(
        ENGINE.load(photos.photograph(photos.vase())), EngineOptions(), videos=False
    )
    assert "cuboid" not in [spin.label for spin in vase.spins]
