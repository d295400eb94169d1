"""Offscreen rendering of textured meshes: OpenGL via moderngl on EGL (Mesa llvmpipe on a CPU).

One :class:`Renderer` owns one GL context and its supersampled framebuffer; GL contexts are not
shareable between threads, so code running on worker threads uses :func:`thread_renderer`, which
keeps one renderer per thread and image size. Mesa's EGL does not survive ``fork``: a process
that has rendered must start worker processes with ``spawn`` (a forked child hangs in EGL).
Images follow :mod:`i23d.engine.camera`: pixel (0, 0) is the top-left corner, rows run downwards.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import moderngl
import numpy as np
import trimesh
from PIL import Image

from i23d.engine.camera import Camera, distance_to_fit

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]

SUPERSAMPLING = 2
"""Anti-aliasing: views are drawn at this many times the image side, then box-filtered down.

On llvmpipe, 2×2 supersampling costs about a quarter less CPU than 4× MSAA, and it also
anti-aliases texture detail."""

CREASE_ANGLE_DEG = 40.0
"""Corners whose smoothed normal strays further than this from their face's normal shade flat."""

PLAIN_GREY = (0.78, 0.78, 0.78)
"""Albedo of meshes that carry no texture and no colours."""

TURNTABLE_BACKGROUND: tuple[RGB, RGB] = ((242, 243, 245), (198, 202, 208))
"""Top and bottom colours of the turntable's soft vertical gradient."""

_VERTEX_SHADER = """
#version 330
uniform mat4 u_mvp;
uniform mat3 u_normal_to_camera;
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
in vec3 in_color;
out vec3 v_normal;
out vec2 v_uv;
out vec3 v_color;
void main() {
    gl_Position = u_mvp * vec4(in_position, 1.0);
    v_normal = u_normal_to_camera * in_normal;
    v_uv = in_uv;
    v_color = in_color;
}
"""

# Lights live in camera space (x right, y up, +z towards the viewer): a key light from the
# upper-left front, a weaker fill from the right and an ambient term; a front-facing surface
# receives about 0.95, no visible side falls below the ambient 0.30.
_FRAGMENT_SHADER = """
#version 330
uniform sampler2D u_texture;
uniform bool u_textured;
uniform bool u_lit;
in vec3 v_normal;
in vec2 v_uv;
in vec3 v_color;
out vec4 f_color;
const vec3 KEY = normalize(vec3(-0.40, 0.45, 0.80));
const vec3 FILL = normalize(vec3(0.60, 0.10, 0.50));
const float AMBIENT = 0.30;
const float KEY_STRENGTH = 0.70;
const float FILL_STRENGTH = 0.25;
void main() {
    // trimesh UVs have v up from the bottom; the texture was uploaded top row first.
    vec3 albedo = u_textured ? texture(u_texture, vec2(v_uv.x, 1.0 - v_uv.y)).rgb : v_color;
    if (!u_lit) {
        f_color = vec4(albedo, 1.0);
        return;
    }
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) {
        n = -n;
    }
    float light = AMBIENT + KEY_STRENGTH * max(dot(n, KEY), 0.0)
        + FILL_STRENGTH * max(dot(n, FILL), 0.0);
    f_color = vec4(min(albedo * light, vec3(1.0)), 1.0);
}
"""

_BACKGROUND_VERTEX_SHADER = """
#version 330
in vec2 in_corner;
out float v_height;
void main() {
    gl_Position = vec4(in_corner, 0.0, 1.0);
    v_height = in_corner.y * 0.5 + 0.5;
}
"""

_DOWNSAMPLE_FRAGMENT_SHADER = """
#version 330
uniform sampler2D u_scene;
uniform float u_size;
out vec4 f_color;
void main() {
    // An output pixel's centre falls on the corner shared by its 2×2 scene texels, where one
    // bilinear fetch is their exact average.
    f_color = texture(u_scene, gl_FragCoord.xy / u_size);
}
"""

_BACKGROUND_FRAGMENT_SHADER = """
#version 330
uniform vec3 u_top;
uniform vec3 u_bottom;
in float v_height;
out vec4 f_color;
void main() {
    f_color = vec4(mix(u_bottom, u_top, v_height), 1.0);
}
"""


@dataclass
class _GpuMesh:
    """A mesh uploaded to one renderer's context, plus its bounding sphere in world space.

    A mesh without faces has no vertex array: it draws nothing. ``orientation`` is
    :func:`closed_orientation`'s verdict.
    """

    vao: moderngl.VertexArray | None
    buffer: moderngl.Buffer | None
    index_buffer: moderngl.Buffer | None
    texture: moderngl.Texture | None
    centre: np.ndarray
    radius: float
    orientation: int

    def release(self) -> None:
        for resource in (self.vao, self.buffer, self.index_buffer, self.texture):
            if resource is not None:
                resource.release()


class Renderer:
    """Renders meshes into ``size``×``size`` RGBA images through one offscreen GL context.

    Both sides of every face are drawn (a back face lit by its flipped normal), except that a
    closed, consistently wound mesh seen from outside its bounding sphere skips the sides that
    cannot show. Not thread-safe: use one renderer per thread (see :func:`thread_renderer`).
    Call :meth:`release` to free the GL context early; it is not freed by garbage collection.
    """

    def __init__(self, size: int = 512) -> None:
        if size < 1:
            raise ValueError(f"size must be positive, got {size}")
        self.size = size
        self._ctx: moderngl.Context | None = None

    # -- GL resources -------------------------------------------------------------------------

    def _context(self) -> moderngl.Context:
        """The GL context and framebuffers, created on first use."""
        if self._ctx is not None:
            return self._ctx
        try:
            # moderngl's stub types **settings as dicts; the backend setting is a string.
            ctx = moderngl.create_standalone_context(backend="egl", require=330)  # type: ignore[arg-type]
        except Exception as exc:  # the message names what to install
            raise RuntimeError(
                "offscreen OpenGL through EGL is unavailable "
                "(apt packages libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri provide it): "
                f"{exc}"
            ) from exc
        with ctx:
            scene_shape = (self.size * SUPERSAMPLING,) * 2
            self._scene_texture = ctx.texture(scene_shape, 4)
            self._scene_texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            self._scene_texture.repeat_x = self._scene_texture.repeat_y = False
            self._scene = ctx.framebuffer(
                color_attachments=[self._scene_texture],
                depth_attachment=ctx.depth_renderbuffer(scene_shape),
            )
            self._resolved = ctx.framebuffer(
                color_attachments=[ctx.renderbuffer((self.size, self.size), 4)]
            )
            self._mesh_program = ctx.program(
                vertex_shader=_VERTEX_SHADER, fragment_shader=_FRAGMENT_SHADER
            )
            self._mesh_program["u_texture"] = 0
            background_program = ctx.program(
                vertex_shader=_BACKGROUND_VERTEX_SHADER,
                fragment_shader=_BACKGROUND_FRAGMENT_SHADER,
            )
            downsample_program = ctx.program(
                vertex_shader=_BACKGROUND_VERTEX_SHADER,
                fragment_shader=_DOWNSAMPLE_FRAGMENT_SHADER,
            )
            downsample_program["u_scene"] = 0
            downsample_program["u_size"] = float(self.size)
            quad = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4").tobytes())
            self._background_program = background_program
            self._background_quad = ctx.vertex_array(
                background_program, [(quad, "2f", "in_corner")]
            )
            self._downsample_quad = ctx.vertex_array(
                downsample_program, [(quad, "2f", "in_corner")]
            )
        self._ctx = ctx
        return ctx

    def release(self) -> None:
        """Free the GL context and everything in it; the renderer recreates them if used again."""
        if self._ctx is not None:
            self._ctx.release()
            self._ctx = None

    def _upload(self, mesh: trimesh.Trimesh) -> _GpuMesh:
        """Copy the mesh's per-corner vertex data and texture into this renderer's context."""
        if len(mesh.faces) == 0:
            return _GpuMesh(None, None, None, None, np.zeros(3), 0.0, 0)
        laid_out = surface(mesh)
        ctx = self._ctx
        assert ctx is not None
        buffer = ctx.buffer(laid_out.vertices.tobytes())
        index_buffer = ctx.buffer(laid_out.indices.tobytes())
        vao = ctx.vertex_array(
            self._mesh_program,
            [(buffer, "3f 3f 2f 3f", "in_position", "in_normal", "in_uv", "in_color")],
            index_buffer=index_buffer,
            index_element_size=4,
        )
        texture = None
        image = laid_out.texture
        if image is not None:
            texture = ctx.texture(image.size, 3, image.tobytes(), alignment=1)
            texture.build_mipmaps()
            texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        bounds = np.asarray(mesh.bounds, dtype=np.float64)
        centre = bounds.mean(axis=0)
        radius = float(np.linalg.norm(np.asarray(mesh.vertices) - centre, axis=1).max())
        orientation = closed_orientation(mesh)
        return _GpuMesh(vao, buffer, index_buffer, texture, centre, radius, orientation)

    # -- drawing ------------------------------------------------------------------------------

    def _draw(
        self,
        gpu: _GpuMesh,
        camera: Camera,
        *,
        lit: bool,
        offset: np.ndarray,
        gradient: tuple[RGB, RGB] | None,
    ) -> None:
        """Draw one view into the supersampled framebuffer and filter it down to the image.

        ``offset`` translates the mesh in world space before viewing; ``gradient`` (top and
        bottom colour) fills the background opaquely, otherwise it is cleared transparent.
        """
        if camera.size != self.size:
            raise ValueError(f"camera.size {camera.size} differs from the renderer's {self.size}")
        ctx = self._ctx
        assert ctx is not None
        view = camera.world_to_camera()
        model = np.eye(4)
        model[:3, 3] = offset
        model_view = view @ model
        centre_in_view = model_view[:3, :3] @ gpu.centre + model_view[:3, 3]
        depth = float(-centre_in_view[2])
        near = max(depth - 1.05 * gpu.radius, 1e-3 * max(depth, gpu.radius), 1e-4)
        far = max(depth + 1.05 * gpu.radius, near * 2.0)
        mvp = camera.projection(near, far) @ model_view

        self._scene.use()
        self._scene.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        if gradient is not None:
            ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
            top, bottom = (np.asarray(c, dtype=np.float64) / 255.0 for c in gradient)
            self._background_program["u_top"] = tuple(top)
            self._background_program["u_bottom"] = tuple(bottom)
            self._background_quad.render(moderngl.TRIANGLE_STRIP)
        if gpu.vao is not None:
            # Hidden sides of a closed surface seen from outside its bounding sphere can be
            # culled (a third less work); anything else is drawn two-sided.
            cull = gpu.orientation if depth > gpu.radius else 0
            self._draw_mesh(gpu, view, mvp, lit=lit, cull=cull)
        self._resolved.use()
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        self._scene_texture.use(0)
        self._downsample_quad.render(moderngl.TRIANGLE_STRIP)

    def _draw_mesh(
        self, gpu: _GpuMesh, view: np.ndarray, mvp: np.ndarray, *, lit: bool, cull: int
    ) -> None:
        """Draw the uploaded mesh, depth-tested, into the bound framebuffer.

        ``cull`` +1 skips back faces (a closed surface wound outwards), -1 front faces (wound
        inwards), 0 draws both sides.
        """
        ctx = self._ctx
        assert ctx is not None and gpu.vao is not None
        ctx.enable(moderngl.DEPTH_TEST)
        if cull:
            ctx.enable(moderngl.CULL_FACE)
            ctx.cull_face = "back" if cull > 0 else "front"
        else:
            ctx.disable(moderngl.CULL_FACE)
        program = self._mesh_program
        cast(moderngl.Uniform, program["u_mvp"]).write(mvp.T.astype("f4").tobytes())
        cast(moderngl.Uniform, program["u_normal_to_camera"]).write(
            view[:3, :3].T.astype("f4").tobytes()
        )
        program["u_lit"] = lit
        program["u_textured"] = gpu.texture is not None
        if gpu.texture is not None:
            gpu.texture.use(0)
        gpu.vao.render(moderngl.TRIANGLES)

    def _read(self, components: int) -> np.ndarray:
        """The resolved image, top row first."""
        data = self._resolved.read(components=components, alignment=1)
        return np.frombuffer(data, dtype=np.uint8).reshape(self.size, self.size, components)[::-1]

    def render(
        self,
        mesh: trimesh.Trimesh,
        camera: Camera,
        *,
        lit: bool = True,
        background: RGBA = (0, 0, 0, 0),
    ) -> np.ndarray:
        """Render ``mesh`` (world coordinates, as it is) seen from ``camera``.

        Returns a (size, size, 4) uint8 RGBA image with straight (not premultiplied) alpha: the
        mesh composited over ``background``; with the default transparent background, alpha is
        the mesh's anti-aliased coverage.
        """
        return self.render_many(mesh, [camera], lit=lit, background=background)[0]

    def render_many(
        self,
        mesh: trimesh.Trimesh,
        cameras: Sequence[Camera],
        *,
        lit: bool = True,
        background: RGBA = (0, 0, 0, 0),
    ) -> list[np.ndarray]:
        """Render ``mesh`` from each of ``cameras``, uploading it once; see :meth:`render`."""
        ctx = self._context()
        with ctx:
            gpu = self._upload(mesh)
            try:
                images = []
                for camera in cameras:
                    self._draw(gpu, camera, lit=lit, offset=np.zeros(3), gradient=None)
                    images.append(composite_over(self._read(4), background))
                return images
            finally:
                gpu.release()

    def turntable(
        self,
        mesh: trimesh.Trimesh,
        *,
        frames: int = 36,
        elevation_deg: float = 15.0,
        fov_deg: float = 40.0,
        fill: float = 0.8,
        background: RGB | tuple[RGB, RGB] = TURNTABLE_BACKGROUND,
    ) -> list[np.ndarray]:
        """Lit RGB frames of one full turn around the mesh about +Y; see :func:`turntable`."""
        if frames < 1:
            raise ValueError(f"frames must be positive, got {frames}")
        gradient = _gradient(background)
        ctx = self._context()
        with ctx:
            gpu = self._upload(mesh)
            try:
                distance = distance_to_fit(max(gpu.radius, 1e-9), fov_deg, fill)
                base = Camera(fov_deg, distance, self.size, 0.0, elevation_deg)
                images = []
                for index in range(frames):
                    camera = base.with_view(360.0 * index / frames)
                    self._draw(gpu, camera, lit=True, offset=-gpu.centre, gradient=gradient)
                    images.append(self._read(3).copy())
                return images
            finally:
                gpu.release()


class _ThreadRenderers(dict[int, Renderer]):
    """One thread's renderers by size. A thread's locals are dropped when it ends, and then
    these free their GL contexts (garbage collection alone would not): short-lived threads,
    such as a job's export pool, leave nothing behind."""

    def __del__(self) -> None:
        for renderer in self.values():
            renderer.release()


_per_thread = threading.local()


def thread_renderer(size: int = 512) -> Renderer:
    """This thread's renderer for ``size``×``size`` images, created on first use and kept
    until the thread ends."""
    renderers: _ThreadRenderers | None = getattr(_per_thread, "renderers", None)
    if renderers is None:
        renderers = _per_thread.renderers = _ThreadRenderers()
    if size not in renderers:
        renderers[size] = Renderer(size)
    return renderers[size]


def render(
    mesh: trimesh.Trimesh,
    camera: Camera,
    *,
    lit: bool = True,
    background: RGBA = (0, 0, 0, 0),
) -> np.ndarray:
    """Render ``mesh`` from ``camera`` with this thread's renderer; see :meth:`Renderer.render`."""
    return thread_renderer(camera.size).render(mesh, camera, lit=lit, background=background)


def turntable(
    mesh: trimesh.Trimesh,
    *,
    frames: int = 36,
    size: int = 512,
    elevation_deg: float = 15.0,
    fov_deg: float = 40.0,
    fill: float = 0.8,
    background: RGB | tuple[RGB, RGB] = TURNTABLE_BACKGROUND,
) -> list[np.ndarray]:
    """RGB uint8 frames (size, size, 3) of one full turn about +Y, lit, over a soft gradient.

    The mesh is centred on its bounding-box centre and framed so its bounding sphere spans
    ``fill`` of the image; frame 0 looks at the front (+Z), later frames move the camera
    towards +X. ``background`` is one colour or a (top, bottom) pair.
    """
    return thread_renderer(size).turntable(
        mesh,
        frames=frames,
        elevation_deg=elevation_deg,
        fov_deg=fov_deg,
        fill=fill,
        background=background,
    )


# -- preparing a mesh's surface for the GPU -----------------------------------------------------


@dataclass(frozen=True)
class Surface:
    """A mesh laid out for the GPU.

    ``vertices`` (V, 11) float32 rows of position, shading normal, uv and colour, one per
    distinct corner; ``indices`` (F*3,) int32 triangles into them; ``texture`` the RGB
    base-colour image when the mesh has UVs and one (else the colour column carries vertex or
    face colours, the material's main colour or plain grey).
    """

    vertices: np.ndarray
    indices: np.ndarray
    texture: Image.Image | None


def surface(mesh: trimesh.Trimesh) -> Surface:
    """Lay ``mesh`` out for the GPU, sharing a vertex between corners wherever they agree.

    Corners of one mesh vertex agree unless shading keeps a crease there (flat normals) or the
    colours are per face; sharing them spares the rasteriser's (serial) vertex stage.
    """
    faces = np.asarray(mesh.faces)
    corners = len(faces) * 3
    positions = np.asarray(mesh.vertices, dtype=np.float32)[faces].reshape(-1, 3)
    normals, smoothed = corner_normals(mesh)
    uv = np.zeros((corners, 2), dtype=np.float32)
    colors = np.broadcast_to(np.asarray(PLAIN_GREY, dtype=np.float32), (corners, 3))
    shared = smoothed.ravel()
    image = None
    visual = mesh.visual
    if isinstance(visual, trimesh.visual.TextureVisuals):
        image = _base_color_image(visual.material)
        if image is not None and visual.uv is not None and len(visual.uv) == len(mesh.vertices):
            uv = np.asarray(visual.uv, dtype=np.float32)[faces].reshape(-1, 2)
        else:
            image = None
            main = np.asarray(visual.material.main_color, dtype=np.float32)[:3] / 255.0
            colors = np.broadcast_to(main, (corners, 3))
    elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind == "vertex":
        colors = np.asarray(visual.vertex_colors, dtype=np.float32)[faces, :3].reshape(-1, 3)
        colors = colors / 255.0
    elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind == "face":
        face_colors = np.asarray(visual.face_colors, dtype=np.float32)[:, :3] / 255.0
        colors = np.repeat(face_colors, 3, axis=0)
        shared = np.zeros(corners, dtype=bool)
    data = np.concatenate([positions, normals.reshape(-1, 3), uv, colors], axis=1)
    # A shared corner is keyed by its mesh vertex, any other by a key of its own.
    keys = faces.ravel().astype(np.int64)
    keys[~shared] = len(mesh.vertices) + np.arange(np.count_nonzero(~shared))
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return Surface(
        vertices=np.ascontiguousarray(data[first], dtype=np.float32),
        indices=np.ascontiguousarray(inverse.ravel(), dtype=np.int32),
        texture=image,
    )


def _base_color_image(material: trimesh.visual.material.Material | None) -> Image.Image | None:
    """The material's base-colour image as RGB, if it has one."""
    if isinstance(material, trimesh.visual.material.PBRMaterial):
        image = material.baseColorTexture
    elif isinstance(material, trimesh.visual.material.SimpleMaterial):
        image = material.image
    else:
        image = None
    if image is None:
        return None
    return image if image.mode == "RGB" else image.convert("RGB")


def closed_orientation(mesh: trimesh.Trimesh) -> int:
    """+1 for a watertight, consistently wound surface facing outwards, -1 facing inwards, else 0.

    From outside such a surface, only its outward-facing side can be seen.
    """
    if not (mesh.is_watertight and mesh.is_winding_consistent):
        return 0
    # Signed volume by the divergence theorem (trimesh's mass properties cost ten times more).
    triangles = np.asarray(mesh.triangles, dtype=np.float64)
    volume = float(
        np.einsum("ij,ij->", triangles[:, 0], np.cross(triangles[:, 1], triangles[:, 2]))
    )
    return 1 if volume > 0 else -1 if volume < 0 else 0


def corner_normals(
    mesh: trimesh.Trimesh, crease_angle_deg: float = CREASE_ANGLE_DEG
) -> tuple[np.ndarray, np.ndarray]:
    """Unit shading normals (F, 3, 3) for each face corner, and which corners are smoothed (F, 3).

    Normals are smoothed across faces sharing a corner's position (so UV seams do not show),
    weighted by the corner angles (independent of how a flat region is triangulated); a corner
    whose smoothed normal strays more than ``crease_angle_deg`` from its face's normal uses the
    face normal, keeping sharp edges sharp.
    """
    faces = np.asarray(mesh.faces)
    face_normals = np.asarray(mesh.face_normals, dtype=np.float64)
    if len(faces) == 0:
        return np.zeros((0, 3, 3), dtype=np.float32), np.zeros((0, 3), dtype=bool)
    _, welded = trimesh.grouping.unique_rows(np.asarray(mesh.vertices))
    corners = welded[faces].ravel()
    angles = np.nan_to_num(np.asarray(mesh.face_angles, dtype=np.float64)).ravel()
    weighted = np.repeat(face_normals, 3, axis=0) * angles[:, None]
    count = int(welded.max()) + 1
    summed = np.stack(
        [np.bincount(corners, weights=weighted[:, k], minlength=count) for k in range(3)], axis=1
    )
    smooth = summed[corners].reshape(-1, 3, 3)
    length = np.linalg.norm(smooth, axis=2, keepdims=True)
    smooth = np.divide(smooth, length, out=np.zeros_like(smooth), where=length > 1e-12)
    agree = np.einsum("fck,fk->fc", smooth, face_normals) >= math.cos(
        math.radians(crease_angle_deg)
    )
    normals = np.where(agree[..., None], smooth, face_normals[:, None, :]).astype(np.float32)
    return normals, agree


# -- background handling ------------------------------------------------------------------------


def composite_over(premultiplied: np.ndarray, background: RGBA) -> np.ndarray:
    """Composite a premultiplied RGBA render over a flat RGBA colour; straight-alpha result."""
    bg = np.asarray(background, dtype=np.float32) / 255.0
    if bg[3] == 0.0:
        rgb = premultiplied[..., :3].astype(np.float32)
        alpha = premultiplied[..., 3:4].astype(np.float32)
        straight = np.divide(rgb * 255.0, alpha, out=np.zeros_like(rgb), where=alpha > 0)
        out = np.concatenate([np.minimum(straight + 0.5, 255.0), alpha], axis=2)
        return out.astype(np.uint8)
    src = premultiplied.astype(np.float32) / 255.0
    coverage = src[..., 3:4]
    alpha = coverage + bg[3] * (1.0 - coverage)
    rgb_premultiplied = src[..., :3] + bg[:3] * bg[3] * (1.0 - coverage)
    rgb = rgb_premultiplied / np.maximum(alpha, 1e-6)
    out = np.concatenate([rgb, alpha], axis=2) * 255.0 + 0.5
    return np.clip(out, 0.0, 255.0).astype(np.uint8)


def _gradient(background: RGB | tuple[RGB, RGB]) -> tuple[RGB, RGB]:
    """A (top, bottom) colour pair from one colour or a pair."""
    if len(background) == 2:
        top, bottom = background
        return tuple(top), tuple(bottom)  # type: ignore[return-value]
    colour = tuple(background)
    return colour, colour  # type: ignore[return-value]
