"""Post-processing a built model into an exportable :class:`~i23d.engine.asset.Asset`.

The service and the CLI call exactly::

    asset = postprocess(model, PostOptions(resolution="low_poly", topology="quads", ...))
    data = EXPORTERS["glb"](asset)

Steps, in order: ``resolution`` (decimate to the face budget) → ``topology`` (pure-quad
remesh) → new UVs and a texture re-baked from the source model at ``texture_resolution``
(after any remesh; with the topology untouched, the texture is just resampled to that size) →
``scaled_bbox`` → ``pivot_point``.

Face budgets (:data:`FACE_BUDGETS`), in triangles of the exported triangle mesh:

- ``low_poly``: at most 5,000 triangles (quads: at most 2,500 quads), a game-ready asset;
- ``high_poly``: at most 50,000 triangles (quads: at most 25,000 quads).

A model already within the budget keeps its faces. Without ``resolution``, ``tris`` keeps the
model's own faces and ``quads`` remeshes to half as many quads as the model has triangles,
capped at the ``high_poly`` budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from i23d.engine.asset import Asset
from i23d.engine.errors import InvalidOption
from i23d.engine.post.bake import bake_texture, resample_texture
from i23d.engine.post.placement import placement_matrix
from i23d.engine.post.remesh import decimate, quad_remesh, simplify
from i23d.engine.post.repair import weld
from i23d.engine.post.unwrap import unwrap

Progress = Callable[[float, str], None]

Resolution = Literal["low_poly", "high_poly"]
Topology = Literal["tris", "quads"]
TextureResolution = Literal[128, 256, 512, 1024, 2048]

FACE_BUDGETS: dict[Resolution, int] = {"low_poly": 5_000, "high_poly": 50_000}
"""Most triangles of the exported mesh per ``resolution``; a quad counts as two triangles."""

REMESH_INPUT_TRIANGLES_PER_QUAD = 4
"""Most input triangles per wanted quad handed to the quad remesher (denser input is decimated)."""

RESOLUTIONS: tuple[str, ...] = get_args(Resolution)
TOPOLOGIES: tuple[str, ...] = get_args(Topology)
TEXTURE_RESOLUTIONS: tuple[int, ...] = get_args(TextureResolution)
PIVOT_RANGE: tuple[float, float] = (-0.5, 0.5)


@dataclass(frozen=True)
class PostOptions:
    """What the caller asks of the exported model (the API's enterprise and preview options).

    - ``resolution``: ``None`` (as built), ``"low_poly"`` or ``"high_poly"``; see
      :data:`FACE_BUDGETS`.
    - ``topology``: ``"tris"`` or ``"quads"`` (pure quads; kept in OBJ and FBX).
    - ``texture_resolution``: ``None`` (as built) or one of :data:`TEXTURE_RESOLUTIONS`; the
      texture is then exactly that many texels square.
    - ``scaled_bbox``: ``None`` (unit size) or the bounding box's (x, y, z) extent in metres,
      each axis exactly (the aspect ratio is not preserved unless the request preserves it).
    - ``pivot_point``: the point of the bounding box, in [-0.5, 0.5] per axis, that becomes
      the origin; ``(0, -0.5, 0)`` puts the bottom centre at the origin.
    """

    resolution: Resolution | None = None
    topology: Topology = "tris"
    texture_resolution: int | None = None
    scaled_bbox: tuple[float, float, float] | None = None
    pivot_point: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        if self.resolution is not None and self.resolution not in RESOLUTIONS:
            raise InvalidOption(
                f"resolution must be one of {', '.join(RESOLUTIONS)}; got {self.resolution!r}",
                field="resolution",
            )
        if self.topology not in TOPOLOGIES:
            raise InvalidOption(
                f"topology must be one of {', '.join(TOPOLOGIES)}; got {self.topology!r}",
                field="topology",
            )
        size = self.texture_resolution
        if size is not None and (
            isinstance(size, bool) or not isinstance(size, int) or size not in TEXTURE_RESOLUTIONS
        ):
            allowed = ", ".join(str(value) for value in TEXTURE_RESOLUTIONS)
            raise InvalidOption(
                f"texture_resolution must be one of {allowed}; got {size!r}",
                field="texture_resolution",
            )
        if self.scaled_bbox is not None:
            box = _three_numbers(self.scaled_bbox, "scaled_bbox")
            if not all(value > 0 for value in box):
                raise InvalidOption(
                    f"scaled_bbox must be three positive sizes in metres [w, h, d]; got {box}",
                    field="scaled_bbox",
                )
            object.__setattr__(self, "scaled_bbox", box)
        pivot = _three_numbers(self.pivot_point, "pivot_point")
        low, high = PIVOT_RANGE
        if not all(low <= value <= high for value in pivot):
            raise InvalidOption(
                f"pivot_point must be three numbers from {low} to {high} [x, y, z]; got {pivot}",
                field="pivot_point",
            )
        object.__setattr__(self, "pivot_point", pivot)

    @property
    def face_budget(self) -> int | None:
        """Most triangles allowed by ``resolution``, or ``None`` when it is not set."""
        return FACE_BUDGETS[self.resolution] if self.resolution is not None else None


def postprocess(
    model: trimesh.Trimesh, options: PostOptions | None = None, progress: Progress | None = None
) -> Asset:
    """The exportable asset of ``model`` (a textured engine model) under ``options``."""
    options = options or PostOptions()
    report = progress or _ignore
    source = Asset(model)
    vertices, faces, uv = source.vertices, source.triangles, source.uv
    quads = None
    budget = options.face_budget
    if options.topology == "quads" or (budget is not None and len(faces) > budget):
        report(0.05, "remesh")
        welded_vertices, welded_faces = weld(vertices, faces)
        if options.topology == "quads":
            max_quads = (budget or min(len(welded_faces), FACE_BUDGETS["high_poly"])) // 2
            # Instant Meshes' time grows with its input; a few triangles per output quad is
            # detail enough for it, so a dense model is decimated first.
            welded_vertices, welded_faces = simplify(
                welded_vertices, welded_faces, REMESH_INPUT_TRIANGLES_PER_QUAD * max_quads
            )
            new_vertices, polygons = quad_remesh(welded_vertices, welded_faces, max_quads)
        else:
            new_vertices, polygons = decimate(welded_vertices, welded_faces, budget or 0)
        size = options.texture_resolution or max(source.texture.size)
        report(0.4, "unwrap")
        unwrapped = unwrap(new_vertices, polygons, size)
        vertices = new_vertices[unwrapped.source_vertex]
        faces, uv, quads = unwrapped.faces, np.clip(unwrapped.uv, 0.0, 1.0), unwrapped.quads
        report(0.6, "bake")
        texture = bake_texture(
            source.vertices, source.triangles, source.uv, source.texture, vertices, faces, uv, size
        )
    elif options.texture_resolution is not None:
        texture = resample_texture(source.texture, options.texture_resolution)
    else:
        texture = source.texture
    report(0.9, "place")
    bounds = np.array([vertices.min(axis=0), vertices.max(axis=0)])
    matrix = placement_matrix(bounds, options.scaled_bbox, options.pivot_point)
    placed = vertices @ matrix[:3, :3].T + matrix[:3, 3]
    mesh = trimesh.Trimesh(
        placed,
        faces,
        visual=trimesh.visual.TextureVisuals(uv=uv, material=_material(model, texture)),
        process=False,
    )
    report(1.0, "post-processing done")
    return Asset(mesh, quads)


def _material(model: trimesh.Trimesh, texture: Image.Image) -> PBRMaterial:
    """The model's PBR factors (or plain dielectric ones) with ``texture`` as base colour."""
    material = getattr(model.visual, "material", None)  # None for ColorVisuals
    metallic, roughness = 0.0, 0.9
    if isinstance(material, PBRMaterial):
        metallic = material.metallicFactor if material.metallicFactor is not None else metallic
        roughness = material.roughnessFactor if material.roughnessFactor is not None else roughness
    return PBRMaterial(
        name="i23d",
        baseColorTexture=texture,
        metallicFactor=float(metallic),
        roughnessFactor=float(roughness),
        doubleSided=False,
    )


def _three_numbers(value: object, field: str) -> tuple[float, float, float]:
    """``value`` as three finite floats, or an :class:`InvalidOption` naming ``field``."""
    items = list(value) if isinstance(value, Iterable) else []
    try:
        numbers = tuple(float(item) for item in items)
    except (TypeError, ValueError):
        numbers = ()
    if (
        len(numbers) != 3
        or not all(math.isfinite(item) for item in numbers)
        or any(isinstance(item, bool) for item in items)
    ):
        raise InvalidOption(f"{field} must be a list of three numbers; got {value!r}", field=field)
    return numbers


def _ignore(fraction: float, stage: str) -> None:
    """The progress callback used when the caller gives none."""
