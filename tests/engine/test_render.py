"""Offscreen rendering: colours, silhouettes, lighting, depth, turntables and threading."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import trimesh
from PIL import Image
from scipy.spatial import ConvexHull
from skimage.draw import polygon2mask
from trimesh.visual.material import PBRMaterial, SimpleMaterial

from i23d.engine.camera import Camera
from i23d.engine.render import (
    TURNTABLE_BACKGROUND,
    Renderer,
    closed_orientation,
    corner_normals,
    render,
    surface,
    thread_renderer,
    turntable,
)

RED, BLUE, GREEN = (220, 30, 30), (30, 40, 220), (30, 200, 40)
SIZE = 256


def two_colour_texture(side: int = 256) -> np.ndarray:
    """Left half (u < 0.5) red, right half blue, the top quarter (v > 3/4) green."""
    texture = np.zeros((side, side, 3), dtype=np.uint8)
    texture[:, : side // 2] = RED
    texture[:, side // 2 :] = BLUE
    texture[: side // 4] = GREEN  # image rows run top-down: the first rows are v near 1
    return texture


def texture_colour(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The colour :func:`two_colour_texture` gives at (u, v) in trimesh's convention."""
    colour = np.where((u % 1.0 < 0.5)[..., None], RED, BLUE)
    return np.where((v > 3 / 4)[..., None], GREEN, colour).astype(np.uint8)


def sphere_uv(points: np.ndarray) -> np.ndarray:
    """Spherical UVs with u = 0.5 facing +Z (u grows towards +X) and the seam at the back."""
    unit = points / np.linalg.norm(points, axis=-1, keepdims=True)
    u = 0.5 + np.arctan2(unit[..., 0], unit[..., 2]) / (2 * np.pi)
    v = 0.5 + np.arcsin(np.clip(unit[..., 1], -1.0, 1.0)) / np.pi
    return np.stack([u, v], axis=-1)


def textured_sphere(radius: float = 0.5, material: str = "pbr") -> trimesh.Trimesh:
    """A UV sphere textured with :func:`two_colour_texture`, its UV seam cut at the back."""
    sphere = trimesh.creation.uv_sphere(radius=radius, count=[48, 48])
    sphere = trimesh.Trimesh(
        sphere.vertices[sphere.faces].reshape(-1, 3),
        np.arange(len(sphere.faces) * 3).reshape(-1, 3),
        process=False,
    )
    uv = sphere_uv(sphere.vertices).reshape(-1, 3, 2)
    # Faces straddling the seam get u continued past 1 (the texture repeats).
    straddling = np.ptp(uv[:, :, 0], axis=1) > 0.5
    uv[:, :, 0] = np.where(straddling[:, None] & (uv[:, :, 0] < 0.5), uv[:, :, 0] + 1, uv[:, :, 0])
    image = Image.fromarray(two_colour_texture())
    if material == "pbr":
        chosen = PBRMaterial(baseColorTexture=image)
    else:
        chosen = SimpleMaterial(image=image)
    sphere.visual = trimesh.visual.TextureVisuals(uv=uv.reshape(-1, 2), material=chosen)
    return sphere


def coloured_box(extents, colour, centre=(0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    box = trimesh.creation.box(extents)
    box.apply_translation(centre)
    box.visual.face_colors = np.tile([*colour, 255], (len(box.faces), 1))
    return box


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(SIZE)


def sphere_hits(camera: Camera, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel: whether its centre ray hits the sphere at the origin, and the hit point."""
    j, i = np.mgrid[0:SIZE, 0:SIZE]
    pixels = np.stack([i.ravel() + 0.5, j.ravel() + 0.5], axis=1).astype(np.float64)
    far = camera.unproject(pixels, np.ones(len(pixels)))
    direction = far - camera.position
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    along = -(direction @ camera.position)
    closest = camera.position + along[:, None] * direction
    gap = radius**2 - np.sum(closest**2, axis=1)
    hit = gap > 0
    points = closest - np.sqrt(np.maximum(gap, 0))[:, None] * direction
    return hit.reshape(SIZE, SIZE), points.reshape(SIZE, SIZE, 3)


@pytest.mark.parametrize("material", ["pbr", "simple"])
def test_unlit_texture_colours_match_ray_cast_sphere(renderer: Renderer, material: str) -> None:
    camera = Camera(size=SIZE, azimuth_deg=20, elevation_deg=10)
    image = renderer.render(textured_sphere(material=material), camera, lit=False)
    hit, points = sphere_hits(camera, 0.5)
    uv = sphere_uv(points)
    expected = texture_colour(uv[..., 0], uv[..., 1])
    # The tessellated sphere differs from the true one by under a pixel; compare inner pixels.
    covered = image[..., 3] == 255
    inner = hit & covered
    assert inner.sum() > 0.4 * np.pi * (SIZE * 0.18) ** 2
    matching = np.all(np.abs(image[..., :3].astype(int) - expected) <= 6, axis=2)
    assert matching[inner].mean() >= 0.97
    # All three texture regions are in view: red (u < 0.5, towards -X) left of blue, green on top.
    where = {}
    for name, colour in (("red", RED), ("blue", BLUE), ("green", GREEN)):
        rows, cols = np.nonzero(inner & np.all(image[..., :3] == colour, axis=2))
        assert len(rows) > 0.05 * inner.sum()
        where[name] = (rows.mean(), cols.mean())
    assert where["red"][1] < SIZE / 2 - 20 < where["blue"][1]
    assert where["green"][0] < min(where["red"][0], where["blue"][0]) - 40


def test_alpha_silhouette_matches_projected_convex_hull(renderer: Renderer) -> None:
    box = trimesh.creation.box((0.7, 0.4, 0.5))
    box.apply_transform(trimesh.transformations.euler_matrix(0.4, 0.7, 0.2))
    box.apply_translation((0.1, -0.05, 0.08))
    camera = Camera(fov_deg=45, distance=1.8, size=SIZE, azimuth_deg=-35, elevation_deg=25)
    alpha = renderer.render(box, camera)[..., 3]
    px, depth = camera.project(np.asarray(box.vertices))
    assert np.all(depth > 0)
    hull = px[ConvexHull(px).vertices] - 0.5  # pixel centres sit at i + 0.5
    expected = polygon2mask((SIZE, SIZE), hull[:, ::-1])
    rendered = alpha >= 128
    iou = (rendered & expected).sum() / (rendered | expected).sum()
    assert iou >= 0.98
    # Anti-aliased edges: partial coverage exists only along the outline.
    partial = (alpha > 0) & (alpha < 255)
    assert partial.sum() > 0.5 * np.sqrt(expected.sum())


def test_lit_render_shades_sides_and_keeps_every_side_readable(renderer: Renderer) -> None:
    white = coloured_box((0.6, 0.6, 0.6), (255, 255, 255))
    camera = Camera(size=SIZE, azimuth_deg=-40, elevation_deg=30)  # sees front, left and top
    lit = renderer.render(white, camera)
    unlit = renderer.render(white, camera, lit=False)
    covered = lit[..., 3] == 255
    assert np.all(unlit[covered][:, :3] == 255)
    brightness = lit[..., :3].astype(float).mean(axis=2)
    assert brightness[covered].min() >= 0.28 * 255  # at least the ambient term
    assert brightness[covered].max() <= 255
    # Three visible faces, three distinct, flat brightness levels.
    levels = np.unique(np.round(brightness[covered & (lit[..., 3] == 255)]))
    counts = [(np.abs(brightness[covered] - level) < 1).sum() for level in levels]
    dominant = sorted(zip(counts, levels, strict=True), reverse=True)[:3]
    assert all(count > 0.1 * covered.sum() for count, _ in dominant)
    assert len({round(level / 10) for _, level in dominant}) == 3


def test_lit_front_of_sphere_is_lit_from_upper_left(renderer: Renderer) -> None:
    grey_sphere = trimesh.creation.icosphere(subdivisions=4, radius=0.5)
    image = renderer.render(grey_sphere, Camera(size=SIZE))
    brightness = image[..., :3].astype(float).mean(axis=2)
    quarter = SIZE // 4
    upper_left = brightness[quarter + 10, quarter + 20]
    lower_right = brightness[SIZE - quarter - 10, SIZE - quarter - 20]
    centre = brightness[SIZE // 2, SIZE // 2]
    assert upper_left > lower_right + 40
    assert centre > 0.8 * 0.78 * 255  # plain grey albedo, front well lit


def test_depth_test_keeps_the_nearest_surface_whatever_the_face_order(renderer: Renderer) -> None:
    near = coloured_box((0.3, 0.3, 0.3), RED, centre=(0, 0, 0.4))
    far = coloured_box((0.8, 0.8, 0.2), BLUE, centre=(0, 0, -0.3))
    camera = Camera(size=SIZE)
    for pair in ([near, far], [far, near]):
        image = renderer.render(trimesh.util.concatenate(pair), camera, lit=False)
        assert tuple(image[SIZE // 2, SIZE // 2, :3]) == RED
        assert tuple(image[SIZE // 2, SIZE // 2 - 50, :3]) == BLUE


def test_back_faces_are_drawn(renderer: Renderer) -> None:
    # A single square whose winding faces away from the camera.
    square = trimesh.Trimesh(
        vertices=[[-0.3, -0.3, 0], [0.3, -0.3, 0], [0.3, 0.3, 0], [-0.3, 0.3, 0]],
        faces=[[0, 2, 1], [0, 3, 2]],
    )
    assert square.face_normals[0][2] < 0
    image = renderer.render(square, Camera(size=SIZE))
    assert image[SIZE // 2, SIZE // 2, 3] == 255
    assert image[SIZE // 2, SIZE // 2, :3].mean() > 0.28 * 255


def test_closed_surfaces_render_the_same_whichever_way_they_are_wound(
    renderer: Renderer,
) -> None:
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.5)
    sphere.visual.vertex_colors = np.where(
        sphere.vertices[:, :1] > 0, [*RED, 255], [*BLUE, 255]
    ).astype(np.uint8)
    inverted = sphere.copy()
    inverted.invert()
    opened = trimesh.Trimesh(sphere.vertices, sphere.faces[1:], process=False)
    opened.visual.vertex_colors = sphere.visual.vertex_colors
    assert closed_orientation(sphere) == 1
    assert closed_orientation(inverted) == -1
    assert closed_orientation(opened) == 0
    camera = Camera(size=SIZE, azimuth_deg=25, elevation_deg=15)
    outward = renderer.render(sphere, camera)
    assert np.array_equal(renderer.render(inverted, camera), outward)
    # Two-sided drawing of the open copy shows the same outside wherever the face is present.
    same = np.all(renderer.render(opened, camera) == outward, axis=2)
    assert same.mean() > 0.99


def test_a_camera_inside_a_closed_surface_sees_its_inner_side(renderer: Renderer) -> None:
    room = coloured_box((4.0, 4.0, 4.0), GREEN)
    image = renderer.render(room, Camera(size=SIZE, distance=0.5), lit=False)
    assert np.all(image[..., 3] == 255)
    assert tuple(image[SIZE // 2, SIZE // 2, :3]) == GREEN


def test_colour_sources_vertex_face_material_and_grey(renderer: Renderer) -> None:
    camera = Camera(size=SIZE)
    centre = (SIZE // 2, SIZE // 2)
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.5)

    vertex = sphere.copy()
    vertex.visual.vertex_colors = np.tile([*GREEN, 255], (len(vertex.vertices), 1))
    assert tuple(renderer.render(vertex, camera, lit=False)[centre][:3]) == GREEN

    face = sphere.copy()
    face.visual.face_colors = np.tile([*BLUE, 255], (len(face.faces), 1))
    assert tuple(renderer.render(face, camera, lit=False)[centre][:3]) == BLUE

    untextured = sphere.copy()
    untextured.visual = trimesh.visual.TextureVisuals(
        material=PBRMaterial(baseColorFactor=[*RED, 255])
    )
    assert tuple(renderer.render(untextured, camera, lit=False)[centre][:3]) == RED

    plain = trimesh.Trimesh(sphere.vertices, sphere.faces)
    assert tuple(renderer.render(plain, camera, lit=False)[centre][:3]) == (199, 199, 199)


def test_background_is_composited_with_straight_alpha(renderer: Renderer) -> None:
    box = coloured_box((0.5, 0.5, 0.5), RED)
    camera = Camera(size=SIZE, azimuth_deg=30, elevation_deg=20)  # slanted edges
    transparent = renderer.render(box, camera, lit=False)
    assert tuple(transparent[0, 0]) == (0, 0, 0, 0)
    edge = (transparent[..., 3] > 0) & (transparent[..., 3] < 255)
    assert edge.any()
    # Straight alpha: partly covered pixels keep the surface's colour, not a darkened one.
    assert np.abs(transparent[edge][:, :3].astype(int) - RED).max() <= 2

    white = renderer.render(box, camera, lit=False, background=(255, 255, 255, 255))
    assert np.all(white[..., 3] == 255)
    assert tuple(white[0, 0, :3]) == (255, 255, 255)
    assert tuple(white[SIZE // 2, SIZE // 2, :3]) == RED


def test_render_many_equals_single_renders(renderer: Renderer) -> None:
    sphere = textured_sphere()
    cameras = [Camera(size=SIZE, azimuth_deg=a) for a in (0, 90, 200)]
    many = renderer.render_many(sphere, cameras)
    for camera, image in zip(cameras, many, strict=True):
        assert np.array_equal(image, renderer.render(sphere, camera))
    assert not np.array_equal(many[0], many[1])


def test_a_mesh_without_faces_renders_only_the_background(renderer: Renderer) -> None:
    empty = trimesh.Trimesh()
    assert not renderer.render(empty, Camera(size=SIZE)).any()
    frame = turntable(empty, frames=1, size=SIZE, background=(10, 20, 30))[0]
    assert np.all(frame == (10, 20, 30))


def test_camera_size_must_match_renderer(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="size"):
        renderer.render(trimesh.creation.box(), Camera(size=SIZE * 2))


def test_turntable_turns_about_y_starting_from_the_front() -> None:
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.3)
    sphere.apply_translation((5.0, 2.0, -1.0))  # framing centres the mesh whatever its position
    front = sphere.vertices[:, 2] > -1.0
    sphere.visual.vertex_colors = np.where(front[:, None], [*RED, 255], [*BLUE, 255])
    frames = turntable(sphere, frames=8, size=SIZE, elevation_deg=0.0)
    assert len(frames) == 8
    assert all(f.shape == (SIZE, SIZE, 3) and f.dtype == np.uint8 for f in frames)
    centre = (SIZE // 2, SIZE // 2)

    def dominant(frame: np.ndarray) -> str:
        r, _, b = frame[centre].astype(int)
        return "red" if r > b + 50 else "blue" if b > r + 50 else "mixed"

    assert dominant(frames[0]) == "red"
    assert dominant(frames[4]) == "blue"
    for a, b in zip(frames, frames[1:], strict=False):
        assert np.abs(a.astype(int) - b.astype(int)).sum() > 0
    # Quarter turn: the camera moved towards +X, so the red front appears on the left.
    left, right = frames[2][SIZE // 2, SIZE // 2 - 30], frames[2][SIZE // 2, SIZE // 2 + 30]
    assert left[0] > left[2] and right[2] > right[0]


def test_turntable_frames_the_object_over_the_gradient() -> None:
    box = coloured_box((2.0, 4.0, 1.0), RED, centre=(1.0, 1.0, 1.0))
    frames = turntable(box, frames=4, size=SIZE, fill=0.8)
    top, bottom = TURNTABLE_BACKGROUND
    first = frames[0].astype(int)
    assert np.abs(first[0, SIZE // 2] - top).max() <= 3
    assert np.abs(first[-1, SIZE // 2] - bottom).max() <= 3
    red = (first[..., 0] > first[..., 2] + 60) & (first[..., 1] < 120)
    rows, cols = np.nonzero(red)
    # Centred, and inside the fill circle: bounding sphere radius √(1+4+0.25) spans 80%.
    assert abs((rows.min() + rows.max()) / 2 - SIZE / 2) < 0.1 * SIZE
    assert abs((cols.min() + cols.max()) / 2 - SIZE / 2) < 0.1 * SIZE
    assert rows.min() > 0.05 * SIZE and rows.max() < 0.95 * SIZE
    assert rows.max() - rows.min() > 0.5 * SIZE


def test_corner_normals_smooth_curves_and_keep_creases() -> None:
    box = trimesh.creation.box()
    normals, smoothed = corner_normals(box)
    assert np.allclose(normals, box.face_normals[:, None, :])
    assert not smoothed.any()
    sphere = trimesh.creation.icosphere(subdivisions=3)
    # Unmerged vertices (as along UV seams) still shade smoothly.
    split = trimesh.Trimesh(
        sphere.vertices[sphere.faces].reshape(-1, 3),
        np.arange(len(sphere.faces) * 3).reshape(-1, 3),
        process=False,
    )
    normals, smoothed = corner_normals(split)
    assert smoothed.all()
    normals = normals.reshape(-1, 3)
    radial = split.vertices / np.linalg.norm(split.vertices, axis=1, keepdims=True)
    assert np.min(np.sum(normals * radial, axis=1)) > 0.999


def test_surface_shares_vertices_only_where_corners_agree() -> None:
    sphere = textured_sphere()  # every corner its own vertex, smoothly shaded
    laid_out = surface(sphere)
    assert len(laid_out.vertices) == len(sphere.vertices)
    merged = trimesh.creation.icosphere(subdivisions=3)
    merged_layout = surface(merged)
    assert len(merged_layout.vertices) == len(merged.vertices)
    # Each triangle's corners carry their own vertex's position.
    positions = merged_layout.vertices[merged_layout.indices, :3].reshape(-1, 3, 3)
    assert np.allclose(positions, merged.vertices[merged.faces])
    box = trimesh.creation.box()  # creases everywhere: no corner shared
    assert len(surface(box).vertices) == 36
    box.visual.face_colors = np.tile([*RED, 255], (12, 1))
    assert len(surface(box).vertices) == 36
    assert np.allclose(surface(box).vertices[:, 8:], np.array(RED) / 255, atol=1e-6)


def test_thread_renderer_is_per_thread_and_renders_identically() -> None:
    assert thread_renderer(SIZE) is thread_renderer(SIZE)
    sphere = textured_sphere()
    camera = Camera(size=SIZE, azimuth_deg=30)
    results: dict[str, object] = {}

    def work(name: str) -> None:
        results[name + "_renderer"] = thread_renderer(SIZE)
        results[name] = render(sphere, camera)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["a_renderer"] is not results["b_renderer"]
    assert results["a_renderer"] is not thread_renderer(SIZE)
    assert np.array_equal(results["a"], results["b"])
    assert np.array_equal(results["a"], render(sphere, camera))


def test_a_threads_renderers_free_their_gl_context_when_the_thread_ends() -> None:
    # A job's export pool renders on short-lived threads: each would otherwise keep a GL
    # context (several MB) for the life of the process.
    kept: list[Renderer] = []

    def work() -> None:
        renderer = thread_renderer(64)
        turntable(trimesh.creation.icosphere(subdivisions=1), frames=2, size=64)
        assert renderer._ctx is not None
        kept.append(renderer)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert kept[0]._ctx is None
