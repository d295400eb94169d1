"""``GET /options``: every request option's allowed values and default, read from the engine's
option types, for clients (the web page) that build forms. No key needed: nothing in it is
secret."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from i23d.api.errors import envelope
from i23d.api.schemas import ENGINE_DEFAULTS, ENTERPRISE_FIELDS, CreateSessionRequest
from i23d.engine.animate import CLIP_NAMES, DEFAULT_RIG, RIG_CHOICES
from i23d.engine.options import (
    DIFFUSION_STEPS_RANGE,
    MODEL_RESOLUTIONS,
    PIXEL_ALIGNMENTS,
    PREVIEW_MESHES,
)
from i23d.engine.postprocess import RESOLUTIONS, TEXTURE_RESOLUTIONS, TOPOLOGIES

router = APIRouter(tags=["options (i23d extension)"])


def _choice(name: str, choices: tuple[Any, ...], default: Any) -> dict[str, Any]:
    return {"name": name, "type": "choice", "choices": list(choices), "default": default}


def option_catalogue() -> dict[str, list[dict[str, Any]]]:
    """The options of the create and animate calls: ``name``, ``type`` (``choice``,
    ``choices`` (a list from ``choices``), ``integer``, ``boolean``), allowed values, default,
    and ``enterprise`` (enterprise keys only; their default ``null`` leaves it to the server)."""
    low, high = DIFFUSION_STEPS_RANGE
    create = [
        _choice("preview_mesh", PREVIEW_MESHES, ENGINE_DEFAULTS.preview_mesh),
        _choice("model_resolution", MODEL_RESOLUTIONS, ENGINE_DEFAULTS.model_resolution),
        _choice("pixel_alignment", PIXEL_ALIGNMENTS, ENGINE_DEFAULTS.pixel_alignment),
        {
            "name": "diffusion_time_steps",
            "type": "integer",
            "min": low,
            "max": high,
            "default": ENGINE_DEFAULTS.diffusion_time_steps,
        },
        {
            "name": "auto_gen_3d",
            "type": "boolean",
            "default": CreateSessionRequest.model_fields["auto_gen_3d"].default,
        },
        _choice("topology", TOPOLOGIES, None),
        _choice("resolution", RESOLUTIONS, None),
        _choice("texture_resolution", TEXTURE_RESOLUTIONS, None),
    ]
    for option in create:
        option["enterprise"] = option["name"] in ENTERPRISE_FIELDS
    animate = [
        {
            "name": "animations",
            "type": "choices",
            "choices": list(CLIP_NAMES),
            "default": list(CLIP_NAMES),
        },
        _choice("rig", RIG_CHOICES, DEFAULT_RIG),
    ]
    return {"create": create, "animate": animate}


@router.get("/options", summary="The request options' allowed values and defaults")
def options() -> Response:
    """The create and animate calls' options, as :func:`option_catalogue` lists them."""
    return envelope(200, "OK", option_catalogue())
