"""Ground-truth objects with procedural textures: procedural solids, and the real (scanned or
modelled) meshes of ``../shared/meshes/`` (relative to the repository root; never copied into
the repository).

Every case is deterministic (seeded by its name), normalised to unit size (largest bounding-box
extent 1, bounding-box centre at the origin), +Y up, front facing +Z, and labelled with its
subset (procedural or real), category, the shape priors whose assumption its true shape meets,
and the camera's azimuth and elevation. Procedural solids are closed; the real meshes are not
(the metrics use a generalised winding number for inside tests).
"""

from __future__ import annotations

import math
import os
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import manifold3d
import numpy as np
import trimesh
from PIL import Image
from skimage.color import hsv2rgb
from skimage.measure import marching_cubes

from i23d.engine.shapes.extrude import DEPTH_RATIO
from i23d.engine.shapes.relief import THICKNESS

MESH_DIR = Path(
    os.environ.get(
        "I23D_BENCH_MESHES", Path(__file__).resolve().parents[2].parent / "shared" / "meshes"
    )
)
"""Where the real meshes are read from (``I23D_BENCH_MESHES`` overrides)."""
TEXTURE_SIZE = 512
MAX_EDGE = 0.04
"""Rendered ground-truth surfaces are subdivided to this edge length (of the unit size) so that the
cylindrical texture mapping follows the surface rather than cutting across big faces."""


@dataclass(frozen=True)
class Case:
    """One ground-truth object: how to build it and how it is photographed."""

    name: str
    category: str
    priors: tuple[str, ...]
    """The engine's shape priors whose assumption this shape meets exactly (empty: none)."""
    build: Callable[[], trimesh.Trimesh]
    pattern: str
    elevation_deg: float = 0.0
    azimuth_deg: float = 0.0
    """The camera's azimuth: 0 sees the front, about 35-45 a three-quarter view."""
    subset: str = "procedural"
    """``procedural`` or ``real`` (a mesh from :data:`MESH_DIR`)."""

    @property
    def seed(self) -> int:
        """A stable seed derived from the name."""
        return zlib.crc32(self.name.encode())


@dataclass(frozen=True)
class GroundTruth:
    """A case's normalised surface ``solid`` (for geometry metrics; closed for procedural cases)
    and ``textured``, the same surface subdivided into a triangle soup (for rendering) whose
    cylindrical UVs never wrap across a face."""

    case: Case
    solid: trimesh.Trimesh
    textured: trimesh.Trimesh


def make_ground_truth(case: Case) -> GroundTruth:
    """Build, normalise, subdivide and texture a case."""
    solid = normalised(case.build())
    closed = solid.is_watertight and solid.is_winding_consistent and solid.volume > 0
    if case.subset == "procedural" and not closed:
        raise ValueError(f"ground truth {case.name!r} is not a closed, outward-wound solid")
    vertices, faces = trimesh.remesh.subdivide_to_size(solid.vertices, solid.faces, MAX_EDGE)
    fine = trimesh.Trimesh(vertices, faces, process=False)
    image = pattern_image(case.pattern, np.random.default_rng(case.seed))
    return GroundTruth(case=case, solid=solid, textured=cylinder_textured(fine, image))


def normalised(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """The mesh moved so its bounding-box centre is the origin and scaled to unit max extent."""
    mesh = mesh.copy()
    low, high = mesh.bounds
    mesh.apply_translation(-(low + high) / 2.0)
    mesh.apply_scale(1.0 / float(np.max(high - low)))
    return mesh


def cylinder_textured(surface: trimesh.Trimesh, image: Image.Image) -> trimesh.Trimesh:
    """A copy of ``surface`` with one vertex per face corner and cylindrical UVs about +Y:
    u is the angle round the axis (front, +Z, at u = 0.5), v the height. Each face's u values
    are unwrapped around the face's own angle, so faces crossing the back seam take u slightly
    outside [0, 1], which the renderer's repeating texture wraps."""
    corners = surface.vertices[surface.faces]  # (F, 3, 3)
    angle = np.arctan2(corners[..., 0], corners[..., 2]) / (2.0 * math.pi) + 0.5
    centre = corners.mean(axis=1)
    reference = np.arctan2(centre[:, 0], centre[:, 2]) / (2.0 * math.pi) + 0.5
    on_axis = np.hypot(corners[..., 0], corners[..., 2]) < 1e-9
    angle = np.where(on_axis, reference[:, None], angle)
    u = reference[:, None] + (angle - reference[:, None] + 0.5) % 1.0 - 0.5
    low, high = surface.bounds[:, 1]
    v = (corners[..., 1] - low) / (high - low)
    uv = np.stack([u, v], axis=-1).reshape(-1, 2)
    faces = np.arange(3 * len(surface.faces)).reshape(-1, 3)
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=image)
    visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return trimesh.Trimesh(corners.reshape(-1, 3), faces, visual=visual, process=False)


# -- textures -----------------------------------------------------------------------------------


def pattern_image(pattern: str, rng: np.random.Generator) -> Image.Image:
    """A procedural RGB texture: ``checker``, ``bands``, ``gradient`` or ``spots``, in seeded
    colours; u runs round the object, so each differs front (u = 0.5) to back."""
    side = TEXTURE_SIZE
    u, v = np.meshgrid((np.arange(side) + 0.5) / side, (np.arange(side) + 0.5) / side)
    hue0 = rng.uniform()
    if pattern == "checker":
        cells = (np.floor(u * 12) + np.floor(v * 8)) % 2
        hue = (hue0 + 0.5 * u) % 1.0
        sat, val = 0.75 - 0.45 * cells, 0.95 - 0.35 * cells
    elif pattern == "bands":
        band = np.floor(v * 7)
        hue = (hue0 + band * 0.37) % 1.0
        stripe = (np.floor(u * 24) % 2) * 0.15
        sat, val = np.full_like(u, 0.7), 0.9 - stripe
    elif pattern == "gradient":
        hue = (hue0 + u) % 1.0
        sat, val = 0.4 + 0.5 * v, 0.55 + 0.4 * v
    elif pattern == "spots":
        front = np.abs(u - 0.5) < 0.25
        hue = np.where(front, hue0, (hue0 + 0.45) % 1.0)
        cell_u, cell_v = (u * 16) % 1.0 - 0.5, (v * 10) % 1.0 - 0.5
        spot = np.hypot(cell_u, cell_v) < 0.28
        sat = np.where(spot, 0.15, 0.7)
        val = np.where(spot, 0.95, 0.75 - 0.2 * v)
    else:
        raise ValueError(f"unknown pattern {pattern!r}")
    rgb = hsv2rgb(np.stack([hue, sat, val], axis=-1))
    return Image.fromarray((rgb * 255.0 + 0.5).astype(np.uint8))


# -- geometry helpers ---------------------------------------------------------------------------

Y_UP = trimesh.transformations.rotation_matrix(-math.pi / 2.0, [1.0, 0.0, 0.0])
"""Turns +Z (trimesh's axis for cylinders, cones, revolutions) into +Y."""


def _y_up(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    return mesh.apply_transform(Y_UP)


def _lathe(profile: list[tuple[float, float]], sections: int = 72) -> trimesh.Trimesh:
    """Revolve a (radius, height) profile that starts and ends on the axis about +Y."""
    return _y_up(trimesh.creation.revolve(np.asarray(profile, dtype=float), sections=sections))


def _prism(polygon: list[tuple[float, float]], depth: float) -> trimesh.Trimesh:
    """Extrude an XY polygon (front face towards +Z) by ``depth``."""
    outline = manifold3d.CrossSection(
        [np.asarray(polygon, dtype=float)], fillrule=manifold3d.FillRule.NonZero
    )
    solid = outline.extrude(depth)
    return _from_manifold(solid)


def _extrusion_match(depth_ratio: float) -> tuple[str, ...]:
    """("extrude",) when a prism ``depth_ratio`` × its smaller side deep is exactly what the
    extrusion prior builds (its depth rule may change while the engine is tuned)."""
    return ("extrude",) if math.isclose(depth_ratio, DEPTH_RATIO) else ()


def _prism_at_prior_depth(polygon: list[tuple[float, float]], ratio: float) -> trimesh.Trimesh:
    """A prism whose depth is ``ratio`` × the polygon's smaller side."""
    points = np.asarray(polygon, dtype=float)
    side = float(np.min(points.max(axis=0) - points.min(axis=0)))
    return _prism(polygon, ratio * side)


def _from_manifold(solid: manifold3d.Manifold) -> trimesh.Trimesh:
    mesh = solid.to_mesh()
    return trimesh.Trimesh(np.asarray(mesh.vert_properties)[:, :3], np.asarray(mesh.tri_verts))


def _union(*meshes: trimesh.Trimesh) -> trimesh.Trimesh:
    return trimesh.boolean.union(list(meshes), engine="manifold")


def _sphere(radius: float, centre: tuple[float, float, float] = (0, 0, 0)) -> trimesh.Trimesh:
    return trimesh.creation.icosphere(subdivisions=4, radius=radius).apply_translation(centre)


def _cylinder(radius: float, y0: float, y1: float, x: float = 0.0, z: float = 0.0):
    mesh = _y_up(trimesh.creation.cylinder(radius=radius, height=y1 - y0, sections=64))
    return mesh.apply_translation([x, (y0 + y1) / 2.0, z])


def _box(extents: tuple[float, float, float], centre=(0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    return trimesh.creation.box(extents=extents).apply_translation(centre)


def _regular_polygon(sides: int, radius: float = 0.5, phase: float = 0.0):
    angles = phase + 2.0 * math.pi * np.arange(sides) / sides
    return [(radius * math.sin(a), radius * math.cos(a)) for a in angles]


def _star(points: int = 5, outer: float = 0.5, inner: float = 0.22):
    angles = math.pi * np.arange(2 * points) / points
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return [(r * math.sin(a), r * math.cos(a)) for r, a in zip(radii, angles, strict=True)]


ELL = [(0, 0), (0.7, 0), (0.7, 0.3), (0.3, 0.3), (0.3, 1.0), (0, 1.0)]
CROSS = [
    (-0.15, -0.5),
    (0.15, -0.5),
    (0.15, -0.15),
    (0.5, -0.15),
    (0.5, 0.15),
    (0.15, 0.15),
    (0.15, 0.5),
    (-0.15, 0.5),
    (-0.15, 0.15),
    (-0.5, 0.15),
    (-0.5, -0.15),
    (-0.15, -0.15),
]


def _smooth_field_solid(field: Callable[[np.ndarray], np.ndarray], n: int = 72) -> trimesh.Trimesh:
    """Marching cubes of ``field`` (positive inside) sampled on an n³ grid over [-1, 1]³."""
    axis = np.linspace(-1.0, 1.0, n)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1)
    values = np.pad(field(grid), 1, constant_values=-1.0)
    vertices, faces, _, _ = marching_cubes(values, level=0.0)
    vertices = (vertices - 1.0) * (axis[1] - axis[0]) - 1.0
    mesh = trimesh.Trimesh(vertices, faces[:, ::-1], process=True)
    if mesh.volume < 0:
        mesh.invert()
    return mesh


def _blob(seed: int, stretch: tuple[float, float, float]) -> trimesh.Trimesh:
    """A sphere with smooth seeded bumps (sum of random low-frequency sines)."""
    rng = np.random.default_rng(seed)
    waves = rng.normal(size=(6, 3)) * 2.2
    phases = rng.uniform(0, 2 * math.pi, 6)
    weights = rng.uniform(0.04, 0.09, 6)

    def field(p: np.ndarray) -> np.ndarray:
        q = p / np.asarray(stretch)
        bumps = sum(w * np.sin(q @ k + ph) for k, ph, w in zip(waves, phases, weights, strict=True))
        return 0.6 * (1.0 + bumps) - np.linalg.norm(q, axis=-1)

    return _smooth_field_solid(field)


def _metaballs(seed: int, count: int = 5) -> trimesh.Trimesh:
    """Seeded metaballs: the level set sum(r² / d²) = 1."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-0.35, 0.35, size=(count, 3)) * np.array([1.0, 1.0, 0.6])
    radii = rng.uniform(0.16, 0.26, count)

    def field(p: np.ndarray) -> np.ndarray:
        total = sum(
            r * r / (np.sum((p - c) ** 2, axis=-1) + 1e-9)
            for c, r in zip(centres, radii, strict=True)
        )
        return total - 1.0

    return _smooth_field_solid(field)


# -- the cases ----------------------------------------------------------------------------------


def _snowman() -> trimesh.Trimesh:
    nose = _y_up(trimesh.creation.cone(radius=0.04, height=0.18, sections=32))
    nose.apply_transform(trimesh.transformations.rotation_matrix(math.pi / 2, [1, 0, 0]))
    nose.apply_translation([0, 1.08, 0.13])
    return _union(
        _sphere(0.3, (0, 0.3, 0)), _sphere(0.22, (0, 0.75, 0)), _sphere(0.15, (0, 1.08, 0)), nose
    )


def _table() -> trimesh.Trimesh:
    legs = [_box((0.07, 0.7, 0.07), (x, 0.35, z)) for x in (-0.44, 0.44) for z in (-0.24, 0.24)]
    return _union(_box((1.0, 0.06, 0.6), (0, 0.73, 0)), *legs)


def _mushroom() -> trimesh.Trimesh:
    cap = [(0, 0.45), (0.5, 0.45), (0.48, 0.55), (0.38, 0.7), (0.2, 0.79), (0, 0.82)]
    stem = [(0, 0), (0.16, 0), (0.13, 0.25), (0.12, 0.5), (0, 0.5)]
    return _union(_lathe(cap), _lathe(stem))


def _lamp() -> trimesh.Trimesh:
    base = _cylinder(0.25, 0.0, 0.06)
    stem = _cylinder(0.03, 0.05, 0.62)
    shade = _lathe([(0, 0.55), (0.38, 0.55), (0.2, 0.95), (0, 0.95)])
    return _union(base, stem, shade)


CUP_PROFILE = [(0, 0), (0.3, 0), (0.34, 0.8), (0.31, 0.8), (0.27, 0.08), (0, 0.08)]


def _mug() -> trimesh.Trimesh:
    handle = trimesh.creation.torus(major_radius=0.2, minor_radius=0.045)
    handle.apply_translation([0.36, 0.42, 0])
    return _union(_lathe(CUP_PROFILE), handle)


def _cube_turned() -> trimesh.Trimesh:
    box = _box((0.8, 0.6, 0.5))
    return box.apply_transform(trimesh.transformations.rotation_matrix(math.radians(30), [0, 1, 0]))


def _scaled_sphere(scale: tuple[float, float, float]) -> trimesh.Trimesh:
    return _sphere(0.5).apply_scale(scale)


def _real_mesh(name: str) -> Callable[[], trimesh.Trimesh]:
    """A builder loading ``MESH_DIR/name.obj``, its faces flipped when wound inwards (negative
    signed volume; the meshes' README says beast's are, so each is checked, not assumed)."""

    def build() -> trimesh.Trimesh:
        path = MESH_DIR / f"{name}.obj"
        if not path.is_file():
            raise FileNotFoundError(f"real mesh {path} is missing (see bench/quality/cases.py)")
        mesh = trimesh.load(path, force="mesh", process=True)
        if mesh.volume < 0:
            mesh.invert()
        return mesh

    return build


def real_meshes_available() -> bool:
    """Whether :data:`MESH_DIR` holds the real meshes."""
    return all((MESH_DIR / f"{name}.obj").is_file() for name in REAL_MESHES)


REAL_MESHES = ("beast", "beetle", "ogre", "suzanne")


def _torus(flat: bool) -> trimesh.Trimesh:
    torus = trimesh.creation.torus(major_radius=0.35, minor_radius=0.12, major_sections=64)
    return _y_up(torus) if flat else torus


CASES: tuple[Case, ...] = (
    # Primitives.
    Case("sphere", "primitive", ("inflate", "revolve"), lambda: _sphere(0.5), "checker"),
    Case(
        "ellipsoid_tall",
        "primitive",
        ("revolve",),
        lambda: _scaled_sphere((0.6, 1.0, 0.6)),
        "bands",
    ),
    Case("ellipsoid_flat", "primitive", (), lambda: _scaled_sphere((1.0, 0.7, 0.4)), "gradient"),
    Case("cylinder", "primitive", ("revolve",), lambda: _cylinder(0.3, 0.0, 1.0), "bands"),
    Case(
        "cone", "primitive", ("revolve",), lambda: _lathe([(0, 0), (0.4, 0), (0, 0.9)]), "checker"
    ),
    Case("torus_front", "primitive", ("inflate",), lambda: _torus(flat=False), "gradient"),
    Case("torus_flat", "primitive", (), lambda: _torus(flat=True), "checker", 15.0),
    # Boxes: one at the extrusion prior's depth, one at the relief prior's; cubes match the
    # extrusion prior only while its depth rule is "as deep as the smaller side".
    Case(
        "box_prior_depth",
        "box",
        ("extrude",),
        lambda: _box((1.0, 0.6, DEPTH_RATIO * 0.6)),
        "checker",
    ),
    Case("plate", "box", ("relief",), lambda: _box((1.0, 0.7, THICKNESS)), "bands"),
    Case("cube", "box", _extrusion_match(1.0), lambda: _box((1.0, 1.0, 1.0)), "gradient"),
    Case("cube_high", "box", _extrusion_match(1.0), lambda: _box((1.0, 1.0, 1.0)), "checker", 15.0),
    Case("box_turned", "box", (), _cube_turned, "bands", 15.0),
    # Lathe shapes.
    Case(
        "vase",
        "lathe",
        ("revolve",),
        lambda: _lathe(
            [(0, 0), (0.22, 0), (0.34, 0.25), (0.3, 0.55), (0.15, 0.8), (0.17, 0.95), (0, 0.95)]
        ),
        "bands",
    ),
    Case(
        "bottle",
        "lathe",
        ("revolve",),
        lambda: _lathe(
            [(0, 0), (0.2, 0), (0.2, 0.6), (0.16, 0.7), (0.07, 0.78), (0.07, 1.0), (0, 1.0)]
        ),
        "gradient",
    ),
    Case(
        "wine_glass",
        "lathe",
        ("revolve",),
        lambda: _lathe(
            [
                (0, 0),
                (0.22, 0),
                (0.22, 0.02),
                (0.04, 0.04),
                (0.035, 0.45),
                (0.2, 0.55),
                (0.26, 0.75),
                (0.24, 1.0),
                (0, 1.0),
            ]
        ),
        "checker",
    ),
    Case(
        "goblet",
        "lathe",
        ("revolve",),
        lambda: _lathe(
            [
                (0, 0),
                (0.3, 0),
                (0.28, 0.05),
                (0.09, 0.12),
                (0.07, 0.35),
                (0.12, 0.42),
                (0.35, 0.55),
                (0.38, 0.8),
                (0, 0.8),
            ]
        ),
        "bands",
    ),
    Case("cup_hollow", "lathe", (), lambda: _lathe(CUP_PROFILE), "checker", 15.0),
    # Prisms at the extrusion prior's depth, one twice as deep, one thin.
    Case(
        "triangle",
        "prism",
        ("extrude",),
        lambda: _prism_at_prior_depth(_regular_polygon(3), DEPTH_RATIO),
        "gradient",
    ),
    Case(
        "hexagon",
        "prism",
        ("extrude",),
        lambda: _prism_at_prior_depth(_regular_polygon(6, phase=math.pi / 6), DEPTH_RATIO),
        "checker",
    ),
    Case(
        "star", "prism", ("extrude",), lambda: _prism_at_prior_depth(_star(), DEPTH_RATIO), "bands"
    ),
    Case("ell", "prism", ("extrude",), lambda: _prism_at_prior_depth(ELL, DEPTH_RATIO), "gradient"),
    Case(
        "cross", "prism", ("extrude",), lambda: _prism_at_prior_depth(CROSS, DEPTH_RATIO), "checker"
    ),
    Case(
        "hexagon_deep",
        "prism",
        (),
        lambda: _prism_at_prior_depth(_regular_polygon(6, phase=math.pi / 6), 2.0 * DEPTH_RATIO),
        "bands",
    ),
    Case("star_thin", "prism", (), lambda: _prism_at_prior_depth(_star(), 0.12), "gradient"),
    # Composites.
    Case("snowman", "composite", (), _snowman, "gradient"),
    Case("table", "composite", (), _table, "bands", 15.0),
    Case("mushroom", "composite", ("revolve",), _mushroom, "checker"),
    Case("lamp", "composite", ("revolve",), _lamp, "gradient"),
    Case("mug", "composite", (), _mug, "bands"),
    # Organic.
    Case("blob", "organic", (), lambda: _blob(1, (1.0, 1.0, 1.0)), "checker"),
    Case("blob_long", "organic", (), lambda: _blob(2, (0.7, 1.3, 0.8)), "bands"),
    Case("pebble", "organic", (), lambda: _blob(3, (1.2, 0.8, 0.6)), "gradient"),
    Case("metaballs", "organic", (), lambda: _metaballs(4), "checker"),
    # Three-quarter views.
    Case("table_3q", "composite", (), _table, "checker", 15.0, azimuth_deg=35.0),
    Case("mug_3q", "composite", (), _mug, "gradient", azimuth_deg=30.0),
    Case("snowman_3q", "composite", (), _snowman, "bands", azimuth_deg=40.0),
    # Real meshes (../shared/meshes): figures, a car body shell, a head.
    Case("beast", "figure", (), _real_mesh("beast"), "spots", subset="real"),
    Case("beast_3q", "figure", (), _real_mesh("beast"), "bands", azimuth_deg=40.0, subset="real"),
    Case("ogre", "figure", (), _real_mesh("ogre"), "checker", subset="real"),
    Case("ogre_high", "figure", (), _real_mesh("ogre"), "spots", 15.0, subset="real"),
    Case(
        "beetle_side", "vehicle", (), _real_mesh("beetle"), "bands", azimuth_deg=90.0, subset="real"
    ),
    Case(
        "beetle_3q",
        "vehicle",
        (),
        _real_mesh("beetle"),
        "spots",
        15.0,
        azimuth_deg=35.0,
        subset="real",
    ),
    Case("suzanne", "head", (), _real_mesh("suzanne"), "checker", subset="real"),
    Case("suzanne_3q", "head", (), _real_mesh("suzanne"), "spots", azimuth_deg=35.0, subset="real"),
)

QUICK = ("sphere", "cube", "vase", "star", "snowman", "blob", "table_3q", "suzanne")
"""One or so per category, for ``--quick``."""


def select_cases(names: list[str] | None = None, quick: bool = False) -> list[Case]:
    """The cases named (exact names), else the quick subset or all, less the real meshes when
    :data:`MESH_DIR` does not hold them (said on stderr)."""
    by_name = {case.name: case for case in CASES}
    unknown = [name for name in names or [] if name not in by_name]
    if unknown:
        raise ValueError(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    if names:
        return [by_name[name] for name in names]
    cases = [by_name[name] for name in QUICK] if quick else list(CASES)
    if not real_meshes_available():
        print(
            f"bench.quality: skipping the real-mesh cases: {MESH_DIR} does not hold "
            f"{', '.join(name + '.obj' for name in REAL_MESHES)}",
            file=sys.stderr,
        )
        cases = [case for case in cases if case.subset != "real"]
    return cases
