"""The dev views: the new objects of :mod:`bench.dev.objects`, the real meshes at azimuths and
elevations the bench does not use, and every reported case's object once more from a seeded
other view. Disjoint from the reported views by construction (:func:`check_disjoint`)."""

from __future__ import annotations

import sys

import numpy as np

from bench.dev import objects
from bench.quality.cases import CASES, REAL_MESHES, Case, _real_mesh, real_meshes_available

PATTERNS = ("checker", "bands", "gradient", "spots")
SHIFT_AZIMUTHS = (20.0, 60.0, -30.0)
"""Azimuth offsets (from a reported case's own) that its shifted dev view draws from."""
SHIFT_ELEVATIONS = (5.0, 10.0, 20.0, 25.0)
"""Elevations a shifted dev view draws from, less the reported case's own, so even a lathe
shape's silhouette differs from the reported one."""

FIGURE_VIEWS = (
    # (object, azimuth, elevation, pattern)
    ("pawn", 0, 0, "bands"),
    ("pawn", 0, 15, "checker"),
    ("toadstool", 0, 10, "spots"),
    ("floor_lamp", 0, 0, "gradient"),
    ("snowman_arms", 0, 0, "bands"),
    ("snowman_arms", 20, 15, "checker"),
    ("teapot", 0, 0, "spots"),
    ("teapot", 0, 15, "bands"),
    ("teapot", 35, 10, "checker"),
    ("teapot", 90, 0, "gradient"),
    ("quadruped", 0, 0, "spots"),
    ("quadruped", 30, 10, "bands"),
    ("cow", 0, 0, "checker"),
    ("cow", 0, 15, "spots"),
    ("dog", 0, 0, "gradient"),
    ("dog", 180, 5, "bands"),
    ("dog", 25, 0, "checker"),
    ("cow", 90, 0, "bands"),
    ("dog", -70, 5, "spots"),
    ("humanoid", 0, 0, "checker"),
    ("humanoid", 35, 5, "gradient"),
    ("bear", 0, 0, "bands"),
    ("bear", -30, 10, "spots"),
    ("bird", 0, 0, "gradient"),
    ("bird", 40, 10, "checker"),
)
REAL_VIEWS = (
    ("beast", 20, 10, "checker"),
    ("beast", -25, 5, "spots"),
    ("beast", 60, 0, "gradient"),
    ("beast", 150, 10, "bands"),
    ("beast", -10, 0, "checker"),
    ("beast", 180, 0, "spots"),
    ("ogre", 20, 10, "bands"),
    ("ogre", -25, 5, "gradient"),
    ("ogre", 60, 0, "spots"),
    ("ogre", 150, 10, "checker"),
    ("ogre", 10, 0, "gradient"),
    ("suzanne", 20, 10, "bands"),
    ("suzanne", -50, 5, "gradient"),
    ("suzanne", 0, 10, "spots"),
    ("suzanne", 180, 5, "checker"),
    ("suzanne", 8, 0, "gradient"),
    ("suzanne", -4, 0, "bands"),
    ("suzanne", 0, 5, "checker"),
    ("suzanne", 3, 15, "spots"),
    ("beetle", 20, 10, "spots"),
    ("beetle", -60, 5, "checker"),
)
BOX_VIEWS = (
    # (name, category, builder, elevation, pattern); the yaw is in the object, azimuth 0.
    ("crate_y20", "box", objects.crate((0.7, 0.5, 0.45), 20), 10, "checker"),
    ("cube_y45", "box", objects.crate((0.6, 0.6, 0.6), 45), 25, "bands"),
    ("slab_y60", "box", objects.crate((1.0, 0.3, 0.6), 60), 20, "gradient"),
    ("tall_y25", "box", objects.crate((0.4, 0.9, 0.3), 25), 30, "spots"),
    ("flat_y70", "box", objects.crate((0.9, 0.2, 0.5), 70), 35, "checker"),
    ("crate_y40", "box", objects.crate((0.8, 0.55, 0.4), 40), 5, "bands"),
    ("deep_y50", "box", objects.crate((0.4, 0.5, 1.0), 50), 20, "gradient"),
    ("front_y0", "box", objects.crate((0.8, 0.6, 0.5)), 20, "checker"),
    ("front_y8", "box", objects.crate((0.8, 0.6, 0.5), 8), 20, "spots"),
    ("crate_y80", "box", objects.crate((0.7, 0.5, 0.45), 80), 15, "gradient"),
    ("wide_y32", "box", objects.crate((0.85, 0.6, 0.5), 32), 13, "bands"),
    ("wide_y28", "box", objects.crate((0.75, 0.62, 0.48), 28), 17, "checker"),
    ("fcube", "box", objects.crate((0.7, 0.7, 0.7)), 10, "gradient"),
    ("fcrate_ym5", "box", objects.crate((0.9, 0.5, 0.7), -5), 30, "bands"),
    ("ftall_y3", "box", objects.crate((0.5, 1.0, 0.4), 3), 12, "checker"),
    ("table_y50", "composite", objects.turned(objects.small_table, 50), 20, "bands"),
    ("table_y30", "composite", objects.turned(objects.small_table, 30), 25, "checker"),
    ("bench_y65", "composite", objects.turned(objects.bench_seat, 65), 12, "gradient"),
    ("stool_y40", "composite", objects.turned(objects.stool, 40), 30, "spots"),
    ("table_y0", "composite", objects.small_table, 20, "spots"),
    ("table_ym6", "composite", objects.turned(objects.small_table, -6), 12, "gradient"),
    ("stool_y0", "composite", objects.stool, 15, "checker"),
    ("stool_y7", "composite", objects.turned(objects.stool, 7), 25, "bands"),
    ("chair_y0", "composite", objects.chair, 15, "bands"),
    ("chair_y30", "composite", objects.turned(objects.chair, 30), 20, "checker"),
    ("chair_ym60", "composite", objects.turned(objects.chair, -60), 10, "spots"),
    ("tall_chair_y40", "composite", objects.turned(objects.tall_chair, 40), 15, "checker"),
    ("lounge_ym35", "composite", objects.turned(objects.lounge_chair, -35), 20, "spots"),
    ("slat_chair_ym50", "composite", objects.turned(objects.slat_chair, -50), 25, "checker"),
    ("bar_chair_y40", "composite", objects.turned(objects.bar_chair, 40), 15, "gradient"),
    ("narrow_back_y30", "composite", objects.turned(objects.narrow_back_chair, 30), 20, "bands"),
    ("park_bench_y50", "composite", objects.turned(objects.park_bench, 50), 15, "bands"),
    ("sofa_y30", "composite", objects.turned(objects.sofa, 30), 15, "checker"),
    ("armchair_y35", "composite", objects.turned(objects.armchair, 35), 15, "spots"),
    ("bed_y30", "composite", objects.turned(objects.bed, 30), 20, "checker"),
    ("step_ym25", "composite", objects.turned(objects.step, -25), 10, "gradient"),
    ("house_y30", "composite", objects.turned(objects.house, 30), 15, "bands"),
    ("house_y0", "composite", objects.house, 0, "checker"),
    ("bowl", "lathe", objects.bowl, 20, "spots"),
    ("dumbbell_y20", "composite", objects.turned(objects.dumbbell, 20), 10, "gradient"),
    ("hex_prism", "prism", objects.hex_prism(0.7), 0, "checker"),
    ("hex_prism_thin", "prism", objects.hex_prism(0.5), 10, "bands"),
)


def _angle(value: float) -> str:
    return f"m{-value:g}" if value < 0 else f"{value:g}"


def view_name(obj: str, azimuth: float, elevation: float) -> str:
    """A dev case's name: ``dev_<object>_a<azimuth>_e<elevation>`` (m for minus)."""
    return f"dev_{obj}_a{_angle(azimuth)}_e{_angle(elevation)}"


def shape_key(case: Case) -> str:
    """Which ground-truth object a reported case shows: its name up to the first underscore
    (``table_3q`` and ``table``, ``cube_high`` and ``cube``, ``beast_3q`` and ``beast`` share
    one; it lumps some distinct shapes together, which only makes the disjointness check
    stricter)."""
    return case.name.split("_")[0]


def _shifted(case: Case) -> Case:
    """``case``'s object from a seeded other view: an azimuth offset from
    :data:`SHIFT_AZIMUTHS`, an elevation from :data:`SHIFT_ELEVATIONS` other than its own."""
    rng = np.random.default_rng(case.seed)
    azimuth = case.azimuth_deg + float(rng.choice(SHIFT_AZIMUTHS))
    elevation = float(rng.choice([e for e in SHIFT_ELEVATIONS if e != case.elevation_deg]))
    return Case(
        view_name(case.name, azimuth, elevation),
        case.category,
        (),  # a turned prism no longer meets the extrusion prior's front-facing assumption
        case.build,
        str(rng.choice(PATTERNS)),
        elevation,
        azimuth,
        case.subset,
    )


def _build_dev_cases() -> tuple[tuple[Case, str], ...]:
    """Every dev case with its shape key (``dev:`` prefixed for objects not in the bench)."""
    made: list[tuple[Case, str]] = []
    shapes = objects.FIGURES | objects.LATHE_COMPOSITES
    for obj, azimuth, elevation, pattern in FIGURE_VIEWS:
        category = "figure" if obj in objects.FIGURES else "composite"
        case = Case(
            view_name(obj, azimuth, elevation),
            category,
            (),
            shapes[obj],
            pattern,
            float(elevation),
            float(azimuth),
        )
        made.append((case, f"dev:{obj}"))
    for name, category, build, elevation, pattern in BOX_VIEWS:
        case = Case(view_name(name, 0, elevation), category, (), build, pattern, float(elevation))
        made.append((case, f"dev:{name}"))
    for mesh, azimuth, elevation, pattern in REAL_VIEWS:
        assert mesh in REAL_MESHES
        case = Case(
            view_name(mesh, azimuth, elevation),
            "figure",
            (),
            _real_mesh(mesh),
            pattern,
            float(elevation),
            float(azimuth),
            subset="real",
        )
        made.append((case, mesh))
    made += [(_shifted(case), shape_key(case)) for case in CASES]
    return tuple(made)


def view_key(shape: str, case: Case) -> tuple[str, float, float]:
    """(object, azimuth mod 360, elevation): what makes two views the same."""
    return shape, case.azimuth_deg % 360.0, case.elevation_deg


def check_disjoint(dev: tuple[tuple[Case, str], ...]) -> None:
    """Raise when a dev view repeats a reported one or another dev view, or a name repeats."""
    reported = {view_key(shape_key(case), case) for case in CASES}
    keys = [view_key(shape, case) for case, shape in dev]
    clashes = [case.name for (case, _), key in zip(dev, keys, strict=True) if key in reported]
    if clashes:
        raise AssertionError(f"dev views equal to reported ones: {', '.join(clashes)}")
    if len(set(keys)) != len(keys):
        raise AssertionError("a dev view is listed twice")
    names = [case.name for case, _ in dev] + [case.name for case in CASES]
    if len(set(names)) != len(names):
        raise AssertionError("a dev case name repeats (or equals a reported one)")


_DEV = _build_dev_cases()
check_disjoint(_DEV)
DEV_CASES: tuple[Case, ...] = tuple(case for case, _ in _DEV)
"""Every dev case: new procedural objects first, then the real meshes, then the reported
cases' objects from shifted views."""


def select_dev_cases(names: list[str] | None = None) -> list[Case]:
    """The dev cases named (exact names or prefixes, e.g. ``dev_beast``), else all; less the
    real meshes when :data:`~bench.quality.cases.MESH_DIR` does not hold them."""
    if names:
        by_name = {case.name: case for case in DEV_CASES}
        chosen = []
        for name in names:
            matches = (
                [by_name[name]]
                if name in by_name
                else [case for case in DEV_CASES if case.name.startswith(name)]
            )
            if not matches:
                raise ValueError(f"no dev case matches {name!r}")
            chosen += [case for case in matches if case not in chosen]
        return chosen
    if real_meshes_available():
        return list(DEV_CASES)
    print("bench.dev: skipping the real-mesh views (meshes missing)", file=sys.stderr)
    return [case for case in DEV_CASES if case.subset != "real"]
