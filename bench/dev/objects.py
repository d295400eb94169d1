"""Procedural dev objects that the reported bench does not hold: figures (animals, a humanoid,
a sitting bear, a bird), lathe and composite variants (pawn, toadstool, lamp, snowman with
arms), furniture and boxes (crates, a table, a bench seat, a stool, chairs of several
proportions, a park bench, a sofa, an armchair, a bed, a step, hexagonal prisms), and
household shapes (a house under a gabled roof, a bowl, a dumbbell). Each is a
closed solid, +Y up, front facing +Z; :func:`~bench.quality.cases.normalised` scales it to unit
size."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import trimesh

from bench.quality.cases import (
    _box,
    _cylinder,
    _lathe,
    _prism,
    _prism_at_prior_depth,
    _regular_polygon,
    _sphere,
    _union,
)


def _ellipsoid(
    scale: tuple[float, float, float], centre: tuple[float, float, float]
) -> trimesh.Trimesh:
    return _sphere(1.0).apply_scale(scale).apply_translation(centre)


def _capsule(
    start: tuple[float, float, float], end: tuple[float, float, float], radius: float
) -> trimesh.Trimesh:
    """A capsule of ``radius`` whose axis runs from ``start`` to ``end``."""
    p0, p1 = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    axis = p1 - p0
    length = float(np.linalg.norm(axis))
    capsule = trimesh.creation.capsule(height=length, radius=radius, count=[24, 24])
    capsule.apply_transform(trimesh.geometry.align_vectors([0, 0, 1], axis / length))
    return capsule.apply_translation((p0 + p1) / 2.0)


def _turned(mesh: trimesh.Trimesh, yaw_deg: float) -> trimesh.Trimesh:
    """``mesh`` turned ``yaw_deg`` about +Y."""
    turn = trimesh.transformations.rotation_matrix(math.radians(yaw_deg), [0, 1, 0])
    return mesh.apply_transform(turn)


def quadruped() -> trimesh.Trimesh:
    """A four-legged animal side-on along X: body, legs, neck, head, tail."""
    parts = [_ellipsoid((0.42, 0.17, 0.17), (0, 0.55, 0))]
    parts += [_capsule((x, 0.06, z), (x, 0.5, z), 0.06) for x in (-0.28, 0.28) for z in (-0.1, 0.1)]
    parts += [
        _capsule((0.38, 0.62, 0), (0.5, 0.85, 0), 0.08),
        _ellipsoid((0.16, 0.1, 0.1), (0.58, 0.9, 0)),
        _capsule((-0.4, 0.6, 0), (-0.6, 0.45, 0), 0.03),
    ]
    return _union(*parts)


def cow() -> trimesh.Trimesh:
    """A heavy four-legged animal side-on along X: a deep body on straight legs set in from
    its flanks, a head low in front, an udder and a hanging tail."""
    legs = [
        _capsule((x, 0.07, z), (x, 0.62, z), 0.07) for x in (-0.36, 0.34) for z in (-0.13, 0.13)
    ]
    return _union(
        _ellipsoid((0.5, 0.24, 0.22), (0, 0.72, 0)),
        *legs,
        _ellipsoid((0.2, 0.13, 0.11), (0.62, 0.85, 0)),
        _ellipsoid((0.05, 0.03, 0.07), (0.56, 0.97, 0.1)),
        _ellipsoid((0.05, 0.03, 0.07), (0.56, 0.97, -0.1)),
        _ellipsoid((0.1, 0.06, 0.08), (-0.15, 0.5, 0)),
        _capsule((-0.5, 0.8, 0), (-0.56, 0.4, 0), 0.025),
    )


def dog() -> trimesh.Trimesh:
    """A walking dog side-on along X: each pair of legs splayed, one forward, one back; a
    short neck, a round head with a snout, a raised tail."""
    legs = [
        _capsule((sign * 0.22, 0.4, z), (sign * 0.22 + reach, 0.03, z), 0.04)
        for sign in (-1.0, 1.0)
        for z, reach in ((0.06, 0.08), (-0.06, -0.08))
    ]
    return _union(
        _ellipsoid((0.32, 0.12, 0.11), (0, 0.45, 0)),
        *legs,
        _capsule((0.24, 0.48, 0), (0.36, 0.6, 0), 0.06),
        _sphere(0.1, (0.38, 0.62, 0)),
        _ellipsoid((0.08, 0.045, 0.05), (0.48, 0.58, 0)),
        _capsule((-0.3, 0.5, 0), (-0.45, 0.65, 0), 0.025),
    )


def humanoid() -> trimesh.Trimesh:
    """A standing figure: torso, head, legs, arms slightly forward, feet."""
    return _union(
        _ellipsoid((0.2, 0.28, 0.13), (0, 1.05, 0)),
        _sphere(0.12, (0, 1.48, 0.02)),
        _capsule((-0.1, 0.08, 0.03), (-0.1, 0.78, 0), 0.07),
        _capsule((0.1, 0.08, 0.03), (0.1, 0.78, 0), 0.07),
        _capsule((-0.26, 1.25, 0), (-0.34, 0.8, 0.08), 0.055),
        _capsule((0.26, 1.25, 0), (0.34, 0.8, 0.08), 0.055),
        _ellipsoid((0.07, 0.04, 0.13), (-0.1, 0.04, 0.08)),
        _ellipsoid((0.07, 0.04, 0.13), (0.1, 0.04, 0.08)),
    )


def bear() -> trimesh.Trimesh:
    """A sitting teddy: round body, head, ears, stubby arms and legs pointing forward."""
    return _union(
        _ellipsoid((0.3, 0.33, 0.27), (0, 0.35, 0)),
        _sphere(0.22, (0, 0.85, 0.03)),
        _sphere(0.08, (-0.17, 1.02, 0)),
        _sphere(0.08, (0.17, 1.02, 0)),
        _capsule((-0.26, 0.5, 0.05), (-0.38, 0.3, 0.2), 0.09),
        _capsule((0.26, 0.5, 0.05), (0.38, 0.3, 0.2), 0.09),
        _capsule((-0.15, 0.1, 0.1), (-0.2, 0.1, 0.4), 0.1),
        _capsule((0.15, 0.1, 0.1), (0.2, 0.1, 0.4), 0.1),
    )


def bird() -> trimesh.Trimesh:
    """A perched bird side-on along X: body, head, beak, tail, thin legs."""
    return _union(
        _ellipsoid((0.3, 0.2, 0.18), (0, 0.45, 0)),
        _sphere(0.13, (0.3, 0.68, 0)),
        _capsule((-0.25, 0.48, 0), (-0.5, 0.6, 0), 0.06),
        _capsule((0.05, 0.28, 0), (0.05, 0.03, 0), 0.025),
        _capsule((-0.08, 0.28, 0), (-0.08, 0.03, 0), 0.025),
        _ellipsoid((0.08, 0.03, 0.03), (0.47, 0.67, 0)),
    )


def pawn() -> trimesh.Trimesh:
    """A chess pawn (a lathe shape)."""
    return _lathe(
        [
            (0, 0),
            (0.3, 0),
            (0.3, 0.08),
            (0.22, 0.14),
            (0.14, 0.35),
            (0.2, 0.42),
            (0.2, 0.46),
            (0.1, 0.5),
            (0.16, 0.62),
            (0.15, 0.72),
            (0.08, 0.78),
            (0, 0.8),
        ]
    )


def toadstool() -> trimesh.Trimesh:
    """A flatter mushroom than the bench's: wide thin cap on a stem."""
    cap = [(0, 0.5), (0.45, 0.5), (0.42, 0.6), (0.3, 0.7), (0, 0.75)]
    stem = [(0, 0), (0.12, 0), (0.1, 0.3), (0.11, 0.55), (0, 0.55)]
    return _union(_lathe(cap), _lathe(stem))


def floor_lamp() -> trimesh.Trimesh:
    """A lamp with a thinner, taller stem and a straighter shade than the bench's."""
    return _union(
        _cylinder(0.2, 0.0, 0.05),
        _cylinder(0.025, 0.04, 0.7),
        _lathe([(0, 0.6), (0.3, 0.6), (0.25, 1.0), (0, 1.0)]),
    )


def snowman_arms() -> trimesh.Trimesh:
    """Three balls with two thin stick arms."""
    return _union(
        _sphere(0.28, (0, 0.28, 0)),
        _sphere(0.2, (0, 0.7, 0)),
        _sphere(0.14, (0, 1.0, 0)),
        _capsule((-0.17, 0.72, 0), (-0.5, 0.85, 0), 0.02),
        _capsule((0.17, 0.72, 0), (0.5, 0.85, 0), 0.02),
    )


def teapot() -> trimesh.Trimesh:
    """A teapot side-on: a round body with a lid and knob, a spout rising to +X, a handle at -X."""
    body = _lathe([(0, 0), (0.26, 0), (0.4, 0.1), (0.44, 0.24), (0.4, 0.4), (0.28, 0.5), (0, 0.5)])
    lid = _lathe([(0, 0.48), (0.26, 0.48), (0.2, 0.56), (0.06, 0.6), (0, 0.6)])
    handle = trimesh.creation.torus(major_radius=0.16, minor_radius=0.035)
    handle.apply_translation([-0.44, 0.27, 0])
    return _union(
        body,
        lid,
        _sphere(0.05, (0, 0.63, 0)),
        _capsule((0.3, 0.15, 0), (0.55, 0.36, 0), 0.07),
        _capsule((0.55, 0.36, 0), (0.7, 0.52, 0), 0.045),
        handle,
    )


def small_table() -> trimesh.Trimesh:
    """A table with a deeper top and shorter legs than the bench's."""
    legs = [_box((0.06, 0.5, 0.06), (x, 0.25, z)) for x in (-0.3, 0.3) for z in (-0.2, 0.2)]
    return _union(_box((0.7, 0.05, 0.5), (0, 0.52, 0)), *legs)


def bench_seat() -> trimesh.Trimesh:
    """A bench: a long seat on two slab legs."""
    legs = [_box((0.08, 0.3, 0.3), (x, 0.15, 0)) for x in (-0.4, 0.4)]
    return _union(_box((1.0, 0.08, 0.32), (0, 0.34, 0)), *legs)


def stool() -> trimesh.Trimesh:
    """A square stool on four thin legs."""
    legs = [_box((0.05, 0.6, 0.05), (x, 0.3, z)) for x in (-0.15, 0.15) for z in (-0.15, 0.15)]
    return _union(_box((0.4, 0.06, 0.4), (0, 0.63, 0)), *legs)


def chair(
    seat: tuple[float, float] = (0.45, 0.45),
    height: float = 0.45,
    leg: float = 0.05,
    back: tuple[float, float, float] = (0.45, 0.5, 0.05),
    slats: bool = False,
) -> trimesh.Trimesh:
    """A chair: a ``seat`` (width, depth) 0.05 thick on four square legs ``height`` high and
    ``leg`` wide, and a ``back`` (width, height, thickness) rising from its back edge: a
    board, or with ``slats`` two posts over the back legs under a top rail 0.12 high."""
    width, depth = seat
    back_width, back_height, thick = back
    legs = [
        _box((leg, height, leg), (x, height / 2, z))
        for x in (-(width - leg) / 2, (width - leg) / 2)
        for z in (-(depth - leg) / 2, (depth - leg) / 2)
    ]
    behind, above = -(depth - thick) / 2, height + 0.05
    if slats:
        backrest = [
            _box((leg, back_height, thick), (x, above + back_height / 2, behind))
            for x in (-(width - leg) / 2, (width - leg) / 2)
        ]
        backrest.append(_box((back_width, 0.12, thick), (0, above + back_height - 0.06, behind)))
    else:
        backrest = [_box((back_width, back_height, thick), (0, above + back_height / 2, behind))]
    return _union(_box((width, 0.05, depth), (0, height + 0.025, 0)), *backrest, *legs)


def tall_chair() -> trimesh.Trimesh:
    """A chair with a small seat and a tall backrest."""
    return chair((0.4, 0.4), 0.45, 0.04, (0.4, 0.7, 0.04))


def lounge_chair() -> trimesh.Trimesh:
    """A low, wide chair with a short, thick backrest."""
    return chair((0.6, 0.55), 0.3, 0.06, (0.6, 0.35, 0.08))


def slat_chair() -> trimesh.Trimesh:
    """A chair whose back is two posts under a top rail (open in the middle)."""
    return chair((0.45, 0.42), 0.45, 0.04, (0.45, 0.5, 0.04), slats=True)


def bar_chair() -> trimesh.Trimesh:
    """A tall, narrow chair with a low backrest."""
    return chair((0.35, 0.35), 0.65, 0.035, (0.35, 0.25, 0.04))


def narrow_back_chair() -> trimesh.Trimesh:
    """A chair whose backrest is narrower than its seat."""
    return chair((0.45, 0.45), 0.45, 0.04, (0.3, 0.55, 0.04))


def park_bench() -> trimesh.Trimesh:
    """A long bench on two slab legs with a backrest along its back edge."""
    legs = [_box((0.08, 0.4, 0.35), (x, 0.2, 0)) for x in (-0.45, 0.45)]
    return _union(
        _box((1.0, 0.06, 0.38), (0, 0.43, 0)), _box((1.0, 0.3, 0.05), (0, 0.61, -0.165)), *legs
    )


def sofa() -> trimesh.Trimesh:
    """A sofa: a solid base under a thick back (no legs, no arms)."""
    return _union(_box((0.8, 0.4, 0.6), (0, 0.2, 0)), _box((0.8, 0.35, 0.14), (0, 0.575, -0.23)))


def armchair() -> trimesh.Trimesh:
    """An armchair: a solid base, a back and two arms."""
    arms = [_box((0.1, 0.2, 0.6), (x, 0.45, 0)) for x in (-0.3, 0.3)]
    return _union(
        _box((0.7, 0.35, 0.6), (0, 0.175, 0)), _box((0.7, 0.45, 0.12), (0, 0.575, -0.24)), *arms
    )


def bed() -> trimesh.Trimesh:
    """A bed: a long low box under a headboard at its far end."""
    return _union(_box((1.0, 0.3, 1.6), (0, 0.15, 0)), _box((1.0, 0.5, 0.08), (0, 0.55, -0.76)))


def step() -> trimesh.Trimesh:
    """A step: a low block with a higher one behind it (an L seen from the side)."""
    return _union(_box((0.6, 0.3, 0.6), (0, 0.15, 0)), _box((0.6, 0.4, 0.2), (0, 0.5, -0.2)))


def house() -> trimesh.Trimesh:
    """A house: a box under a gabled roof (a triangular prism running front to back)."""
    roof = _prism([(-0.42, 0.0), (0.42, 0.0), (0.0, 0.3)], 0.7).apply_translation([0, 0.5, -0.35])
    return _union(_box((0.8, 0.5, 0.66), (0, 0.25, 0)), roof)


def bowl() -> trimesh.Trimesh:
    """A bowl: a thick hollow half shell on a low foot (a lathe shape)."""
    return _lathe(
        [
            (0, 0),
            (0.2, 0),
            (0.2, 0.04),
            (0.45, 0.2),
            (0.5, 0.35),
            (0.45, 0.35),
            (0.4, 0.22),
            (0.2, 0.1),
            (0, 0.1),
        ]
    )


def dumbbell() -> trimesh.Trimesh:
    """A dumbbell lying along x: two hexagonal weights on a round bar."""
    weight = [(0.2 * math.cos(a), 0.2 * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 7)[:-1]]
    bar = _cylinder(0.04, -0.5, 0.5).apply_transform(
        trimesh.transformations.rotation_matrix(math.pi / 2, [0, 0, 1])
    )
    ends = [
        _prism(weight, 0.16)
        .apply_transform(trimesh.transformations.rotation_matrix(math.pi / 2, [0, 1, 0]))
        .apply_translation([x, 0, 0])
        for x in (-0.45, 0.29)  # each 0.16 thick, ending 0.05 inside the bar's ends
    ]
    return _union(bar, *ends)


def crate(
    extents: tuple[float, float, float], yaw_deg: float = 0.0
) -> Callable[[], trimesh.Trimesh]:
    """A builder of a box of ``extents`` turned ``yaw_deg`` about +Y."""
    return lambda: _turned(_box(extents), yaw_deg)


def turned(build: Callable[[], trimesh.Trimesh], yaw_deg: float) -> Callable[[], trimesh.Trimesh]:
    """A builder of ``build``'s object turned ``yaw_deg`` about +Y."""
    return lambda: _turned(build(), yaw_deg)


def hex_prism(depth_ratio: float) -> Callable[[], trimesh.Trimesh]:
    """A builder of a hexagonal prism ``depth_ratio`` × its smaller side deep."""
    return lambda: _prism_at_prior_depth(
        _regular_polygon(6, radius=0.45, phase=math.pi / 6), depth_ratio
    )


FIGURES: dict[str, Callable[[], trimesh.Trimesh]] = {
    "quadruped": quadruped,
    "cow": cow,
    "dog": dog,
    "humanoid": humanoid,
    "bear": bear,
    "bird": bird,
}
"""Figure-like objects (the inflation prior's territory)."""
LATHE_COMPOSITES: dict[str, Callable[[], trimesh.Trimesh]] = {
    "pawn": pawn,
    "toadstool": toadstool,
    "floor_lamp": floor_lamp,
    "snowman_arms": snowman_arms,
    "teapot": teapot,
}
"""Lathe shapes and composites near, but not equal to, the bench's."""
