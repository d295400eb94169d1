"""The options a session's jobs run with: one typed object from the request to the engine.

The API picks a :class:`JobOptions` out of the request body; the session row keeps each field
in the column of the same name (GET echoes them, later requests change them); a claimed job
carries it to the worker, which asks it for the engine's :class:`EngineOptions` and the
exporters' :class:`PostOptions`. Fields travel by name, so none is spelled out along the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, cast

from i23d.engine.options import EngineOptions, ModelResolution, PixelAlignment, PreviewMesh
from i23d.engine.postprocess import PostOptions, Resolution, Topology
from i23d.engine.reconstructors.base import TEXTURE_SIZE

Vector = tuple[float, float, float]

_ENGINE_DEFAULTS = EngineOptions()
_POST_DEFAULTS = PostOptions()


@dataclass(frozen=True)
class JobOptions:
    """A session's quality and export options, with the engine's defaults.

    ``topology`` and ``resolution`` ``""`` and ``texture_resolution`` ``None`` mean unset: a
    refine then uses ``tris``, ``high_poly`` and the preview quality's texture size (what GET
    shows for them). ``scaled_bbox`` ``None`` keeps unit size.
    """

    preview_mesh: PreviewMesh = _ENGINE_DEFAULTS.preview_mesh
    pixel_alignment: PixelAlignment = _ENGINE_DEFAULTS.pixel_alignment
    model_resolution: ModelResolution = _ENGINE_DEFAULTS.model_resolution
    diffusion_time_steps: int = _ENGINE_DEFAULTS.diffusion_time_steps
    topology: Topology | Literal[""] = ""
    resolution: Resolution | Literal[""] = ""
    texture_resolution: int | None = None
    scaled_bbox: Vector | None = None
    pivot_point: Vector = _POST_DEFAULTS.pivot_point

    def __post_init__(self) -> None:
        # JSON gives lists: keep tuples of floats; an empty one means the default.
        bbox, pivot = self.scaled_bbox, self.pivot_point
        default_pivot = _POST_DEFAULTS.pivot_point
        object.__setattr__(self, "scaled_bbox", _vector(bbox) if bbox else None)
        object.__setattr__(self, "pivot_point", _vector(pivot) if pivot else default_pivot)

    @classmethod
    def pick(cls, values: Mapping[str, Any]) -> JobOptions:
        """The options among ``values`` (a request body's fields); other keys are ignored and
        ``None`` means the default."""
        given = {f.name: values.get(f.name) for f in fields(cls)}
        return cls(**{name: value for name, value in given.items() if value is not None})

    @classmethod
    def of(cls, record: object) -> JobOptions:
        """The options a session row (or any object with these attributes) holds."""
        return cls(**{f.name: getattr(record, f.name) for f in fields(cls)})

    def columns(self) -> dict[str, Any]:
        """The session row's column values, by column name (vectors as JSON lists)."""
        return {
            f.name: list(value) if isinstance(value := getattr(self, f.name), tuple) else value
            for f in fields(self)
        }

    def engine_options(self) -> EngineOptions:
        """What the engine builds with."""
        return EngineOptions(**_shared(self, EngineOptions))

    def post_options(self, refine: bool) -> PostOptions:
        """What the exported model is made into: placement only for a preview; for a refine
        also the enterprise options, unset ones as GET shows them."""
        if not refine:
            return PostOptions(scaled_bbox=self.scaled_bbox, pivot_point=self.pivot_point)
        return PostOptions(
            resolution=self.resolution or "high_poly",
            topology=self.topology or "tris",
            texture_resolution=self.texture_resolution or TEXTURE_SIZE[self.preview_mesh],
            scaled_bbox=self.scaled_bbox,
            pivot_point=self.pivot_point,
        )


def _vector(values: Any) -> Vector:
    """Numbers as a tuple of floats (their count is checked where they are used)."""
    return cast(Vector, tuple(float(v) for v in values))


def _shared(options: JobOptions, target: type[Any]) -> dict[str, Any]:
    """The fields of ``options`` that ``target`` (a dataclass) also has, by name."""
    names = {f.name for f in fields(target)}
    return {f.name: getattr(options, f.name) for f in fields(options) if f.name in names}
