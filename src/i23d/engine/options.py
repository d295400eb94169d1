"""The engine's options: the seed API's quality knobs, validated in one place.

The allowed values are the ``Literal`` types below and the defaults are :class:`EngineOptions`'
field defaults; the API's request schema, ``GET /options``, the web page and the CLI all read
them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from i23d.engine.errors import InvalidOption

PreviewMesh = Literal["turbo", "hd"]
ModelResolution = Literal["high", "low"]
PixelAlignment = Literal["highest", "moderate", "lowest"]

PREVIEW_MESHES: tuple[str, ...] = get_args(PreviewMesh)
MODEL_RESOLUTIONS: tuple[str, ...] = get_args(ModelResolution)
PIXEL_ALIGNMENTS: tuple[str, ...] = get_args(PixelAlignment)
DIFFUSION_STEPS_RANGE: tuple[int, int] = (16, 200)


@dataclass(frozen=True)
class EngineOptions:
    """What a caller may choose per request (the seed's create-session parameters).

    - ``preview_mesh``: ``turbo`` reconstructs on a coarse grid with a 1024² texture;
      ``hd`` on a grid twice as fine with a 2048² texture.
    - ``model_resolution``: ``high`` keeps the reconstructed mesh; ``low`` decimates it to
      about a quarter of its faces.
    - ``pixel_alignment``: how strictly the model's outline follows the photo's silhouette:
      ``highest`` exactly, ``moderate``/``lowest`` through a progressively smoothed mask.
    - ``diffusion_time_steps``: iterations of the height-field diffusion that refines each
      shape (more steps give smoother, better-converged surfaces at a small time cost).
    - ``fov_deg``: the assumed camera's vertical field of view.
    """

    preview_mesh: PreviewMesh = "turbo"
    model_resolution: ModelResolution = "high"
    pixel_alignment: PixelAlignment = "highest"
    diffusion_time_steps: int = 20
    fov_deg: float = 40.0

    def __post_init__(self) -> None:
        _check_choice("preview_mesh", self.preview_mesh, PREVIEW_MESHES)
        _check_choice("model_resolution", self.model_resolution, MODEL_RESOLUTIONS)
        _check_choice("pixel_alignment", self.pixel_alignment, PIXEL_ALIGNMENTS)
        low, high = DIFFUSION_STEPS_RANGE
        steps = self.diffusion_time_steps
        if isinstance(steps, bool) or not isinstance(steps, int) or not low <= steps <= high:
            raise InvalidOption(
                f"diffusion_time_steps must be an integer from {low} to {high}, got {steps!r}",
                field="diffusion_time_steps",
            )
        if not 10.0 <= float(self.fov_deg) <= 90.0:
            raise InvalidOption(
                f"fov_deg must be between 10 and 90 degrees, got {self.fov_deg!r}", field="fov_deg"
            )


def _check_choice(field: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidOption(
            f"{field} must be one of {', '.join(allowed)}; got {value!r}", field=field
        )
