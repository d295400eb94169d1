"""Request bodies of the legacy CSM image-to-3D endpoints.

The engine's option types (:mod:`i23d.engine.options`, :mod:`i23d.engine.postprocess`,
:mod:`i23d.engine.animate`) give every allowed value and default; nothing is copied here.
Unknown fields are accepted and ignored (the SDKs send extras such as ``manual_segmentation``).
``RULES`` phrases what each field allows; the error handler quotes it in 400 answers.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from i23d.engine.animate import CLIP_NAMES, DEFAULT_RIG, RIG_CHOICES, RigChoice
from i23d.engine.animate.clips import ClipName
from i23d.engine.options import (
    DIFFUSION_STEPS_RANGE,
    MODEL_RESOLUTIONS,
    PIXEL_ALIGNMENTS,
    PREVIEW_MESHES,
    EngineOptions,
    ModelResolution,
    PixelAlignment,
    PreviewMesh,
)
from i23d.engine.postprocess import (
    PIVOT_RANGE,
    RESOLUTIONS,
    TEXTURE_RESOLUTIONS,
    TOPOLOGIES,
    Resolution,
    TextureResolution,
    Topology,
)

ENGINE_DEFAULTS = EngineOptions()
"""The engine's defaults, which are the create call's."""
STEPS_LOW, STEPS_HIGH = DIFFUSION_STEPS_RANGE
PIVOT_LOW, PIVOT_HIGH = PIVOT_RANGE


def _one_of(values: tuple[object, ...]) -> str:
    return "one of: " + ", ".join(str(value) for value in values)


RULES: dict[str, str] = {
    "image_url": "an http(s) URL or a data:image/...;base64, URI (string)",
    "preview_mesh": _one_of(PREVIEW_MESHES),
    "pixel_alignment": _one_of(PIXEL_ALIGNMENTS),
    "model_resolution": _one_of(MODEL_RESOLUTIONS),
    "diffusion_time_steps": f"an integer from {STEPS_LOW} to {STEPS_HIGH}",
    "auto_gen_3d": "a JSON boolean: true or false (not a string or number)",
    "generate_preview_mesh": "a JSON boolean: true or false (not a string or number)",
    "manual_segmentation": "a JSON boolean: true or false (not a string or number)",
    "topology": f"{_one_of(TOPOLOGIES)} (enterprise keys only)",
    "resolution": f"{_one_of(RESOLUTIONS)} (enterprise keys only)",
    "texture_resolution": f"{_one_of(TEXTURE_RESOLUTIONS)} (enterprise keys only)",
    "scaled_bbox": "a list of three positive numbers [width, height, depth]",
    "pivot_point": f"a list of three numbers [x, y, z], each from {PIVOT_LOW} to {PIVOT_HIGH}",
    "selected_spin_index": "an integer from 0 to the session's spin count less one "
    "(0 to 3 with the classical reconstructor)",
    "selected_spin": "the image_url of one of this session's spins",
    "animations": "a non-empty list of: " + ", ".join(CLIP_NAMES),
    "rig": _one_of(RIG_CHOICES),
    "limit": "an integer from 1 to 100",
    "page": "an integer from 1 to 1000000",
    "webhook_url": 'a public http(s) URL of at most 2048 characters, or "" for none (i23d '
    "extension)",
}

ENTERPRISE_FIELDS: tuple[str, ...] = ("topology", "resolution", "texture_resolution")
# A create request with none of these runs straight through (the newest SDK's style).
SPIN_FLOW_FIELDS: frozenset[str] = frozenset(
    {
        "preview_mesh",
        "pixel_alignment",
        "model_resolution",
        "diffusion_time_steps",
        "auto_gen_3d",
        "generate_preview_mesh",
    }
)


def _unset_if_empty(value: Any) -> Any:
    return None if value in ("", 0, None) or value == [] else value


def _check_bbox(value: list[float] | None) -> list[float] | None:
    if value is None:
        return None
    if len(value) != 3 or any(v <= 0 or v != v or v == float("inf") for v in value):
        raise ValueError("must be three positive finite numbers")
    return [float(v) for v in value]


def _check_pivot(value: list[float] | None) -> list[float] | None:
    if value is None:
        return None
    if len(value) != 3 or any(not PIVOT_LOW <= v <= PIVOT_HIGH for v in value):
        raise ValueError(f"must be three numbers each from {PIVOT_LOW} to {PIVOT_HIGH}")
    return [float(v) for v in value]


class PlacementFields(BaseModel):
    """``scaled_bbox`` and ``pivot_point`` as the preview, refine and create calls take them."""

    model_config = ConfigDict(extra="allow")

    scaled_bbox: list[float] | None = Field(
        None,
        description="target bounding box [width, height, depth] in metres; "
        "empty or absent: unit size",
    )
    pivot_point: list[float] | None = Field(
        None,
        description="the point of the bounding box, in [-0.5, 0.5]³, that becomes the "
        "origin; default [0, 0, 0] (the centre)",
    )

    @field_validator("scaled_bbox", mode="before")
    @classmethod
    def _bbox_unset(cls, value: Any) -> Any:
        return _unset_if_empty(value)

    @field_validator("scaled_bbox")
    @classmethod
    def _bbox_valid(cls, value: list[float] | None) -> list[float] | None:
        return _check_bbox(value)

    @field_validator("pivot_point", mode="before")
    @classmethod
    def _pivot_unset(cls, value: Any) -> Any:
        return None if value is None or value == [] else value

    @field_validator("pivot_point")
    @classmethod
    def _pivot_valid(cls, value: list[float] | None) -> list[float] | None:
        return _check_pivot(value)


class EnterpriseFields(BaseModel):
    """``topology``, ``resolution`` and ``texture_resolution`` as the create and refine calls
    take them: enterprise keys only; ``""``, ``0`` or ``null`` count as not sent."""

    model_config = ConfigDict(extra="allow")

    topology: Literal[""] | Topology = ""
    resolution: Literal[""] | Resolution = ""
    texture_resolution: TextureResolution | None = None

    @field_validator("texture_resolution", mode="before")
    @classmethod
    def _texture_unset(cls, value: Any) -> Any:
        return _unset_if_empty(value)

    @field_validator("topology", "resolution", mode="before")
    @classmethod
    def _enterprise_unset(cls, value: Any) -> Any:
        return "" if value is None else value

    def enterprise_fields_sent(self) -> list[str]:
        """The enterprise-only fields this request sets to a value."""
        return [name for name in ENTERPRISE_FIELDS if getattr(self, name) not in ("", None)]


class CreateSessionRequest(PlacementFields, EnterpriseFields):
    """POST /image-to-3d-sessions (seed 000), with the defaults of the seed's parameter table."""

    image_url: str = Field(..., min_length=1, description=RULES["image_url"])
    preview_mesh: PreviewMesh = ENGINE_DEFAULTS.preview_mesh
    pixel_alignment: PixelAlignment = ENGINE_DEFAULTS.pixel_alignment
    model_resolution: ModelResolution = ENGINE_DEFAULTS.model_resolution
    diffusion_time_steps: int = Field(
        ENGINE_DEFAULTS.diffusion_time_steps, ge=STEPS_LOW, le=STEPS_HIGH
    )
    auto_gen_3d: StrictBool = False
    generate_preview_mesh: StrictBool = False
    manual_segmentation: StrictBool = False
    webhook_url: str | None = Field(
        None,
        description="i23d extension: POST each status change "
        "here, signed (default: the key's, see PUT /webhook)",
    )

    def is_straight_through(self) -> bool:
        """Whether the request is in the newest SDK's style (no spin-flow field at all)."""
        return not (self.model_fields_set & SPIN_FLOW_FIELDS)


class RegenerateSpinsRequest(BaseModel):
    """POST .../regenerate-spins: optionally new quality options for the new spins."""

    model_config = ConfigDict(extra="allow")

    preview_mesh: PreviewMesh | None = None
    pixel_alignment: PixelAlignment | None = None
    model_resolution: ModelResolution | None = None
    diffusion_time_steps: int | None = Field(None, ge=STEPS_LOW, le=STEPS_HIGH)

    def changes(self) -> dict[str, Any]:
        """The options this request changes."""
        return {
            k: v
            for k, v in self.model_dump(
                include={
                    "preview_mesh",
                    "pixel_alignment",
                    "model_resolution",
                    "diffusion_time_steps",
                }
            ).items()
            if v is not None
        }


class PreviewRequest(PlacementFields):
    """POST /image-to-3d-sessions/get-3d/preview/{code} (seed 001)."""

    selected_spin_index: int | None = Field(None, ge=0, description=RULES["selected_spin_index"])
    selected_spin: str | None = Field(None, description=RULES["selected_spin"])


class RefineRequest(PlacementFields, EnterpriseFields):
    """POST /image-to-3d-sessions/get-3d/refine/{code}; the body may be absent. Enterprise
    fields sent here override the session's for this and later refines."""


class AnimateRequest(BaseModel):
    """POST /image-to-3d-sessions/get-3d/animate/{code}; the body may be absent (all three
    clips, rig detected)."""

    model_config = ConfigDict(extra="allow")

    animations: list[ClipName] = Field(
        default_factory=lambda: list(CLIP_NAMES), min_length=1, description=RULES["animations"]
    )
    rig: RigChoice = Field(DEFAULT_RIG, description=RULES["rig"])

    def clips(self) -> list[str]:
        """The clips asked for, each once, in the order walk, run, jump."""
        return [clip for clip in CLIP_NAMES if clip in self.animations]


class WebhookSettingsRequest(BaseModel):
    """PUT /webhook: the key's default webhook URL (``""`` clears it)."""

    webhook_url: str = Field(..., description=RULES["webhook_url"])
