"""Where Hunyuan3D-2's weights are, in the layout of the published snapshot.

The user downloads ``tencent/Hunyuan3D-2`` (or ``tencent/Hunyuan3D-2mini``) on a machine with
internet and points i23d at the folder. Each shape model is a sub-folder holding its
``config.yaml`` and one checkpoint with the denoiser, the VAE and the image encoder
(``model.fp16.safetensors`` as published, or ``model.safetensors`` / ``model.fp16.ckpt`` /
``model.ckpt``)::

    Hunyuan3D-2/
      hunyuan3d-dit-v2-0/config.yaml
      hunyuan3d-dit-v2-0/model.fp16.safetensors
      hunyuan3d-dit-v2-0-turbo/...      (step-distilled: fewer steps do)
      hunyuan3d-dit-v2-mini/...         (from Hunyuan3D-2mini)

Nothing is downloaded, ever: a checkpoint whose image encoder is named by a hub id instead
of an inline configuration is refused (the published ones carry it inline).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

VARIANTS: tuple[str, ...] = (
    "hunyuan3d-dit-v2-0",
    "hunyuan3d-dit-v2-0-fast",
    "hunyuan3d-dit-v2-0-turbo",
    "hunyuan3d-dit-v2-mini",
    "hunyuan3d-dit-v2-mini-fast",
    "hunyuan3d-dit-v2-mini-turbo",
)
"""The shape models a snapshot may hold, in the order ``auto`` prefers them."""

AUTO = "auto"
CONFIG_NAME = "config.yaml"
CHECKPOINT_NAMES: tuple[str, ...] = (
    "model.fp16.safetensors",
    "model.safetensors",
    "model.fp16.ckpt",
    "model.ckpt",
)
"""Checkpoint file names, in the order they are looked for (hy3dgen's ``model{.fp16}.ext``)."""


class MissingWeights(RuntimeError):
    """The weights folder lacks what the shape model needs; the message lists what was
    expected where."""


@dataclass(frozen=True)
class Weights:
    """One shape model's files: its folder name (``variant``), config and checkpoint."""

    variant: str
    config: Path
    checkpoint: Path

    @property
    def safetensors(self) -> bool:
        """Whether the checkpoint is a safetensors file (else a torch pickle of tensors)."""
        return self.checkpoint.suffix == ".safetensors"


def expected_files(root: Path, variant: str = AUTO) -> list[Path]:
    """What :func:`locate` looks for, for messages: the config and checkpoint names of each
    variant it would accept."""
    names = VARIANTS if variant == AUTO else (variant,)
    return [root / name / file for name in names for file in (CONFIG_NAME, *CHECKPOINT_NAMES)]


def locate(root: Path | None, variant: str = AUTO) -> Weights:
    """The first complete variant under ``root`` (``variant`` = ``auto``: in
    :data:`VARIANTS` order) or the one named; :class:`MissingWeights` saying what was expected
    and not found."""
    if root is None:
        raise MissingWeights(
            "no Hunyuan3D-2 weights configured: set I23D_HUNYUAN3D_PATH to the folder of the "
            "downloaded tencent/Hunyuan3D-2 snapshot (see docs/backends.md)"
        )
    if variant != AUTO and variant not in VARIANTS:
        raise MissingWeights(
            f"unknown Hunyuan3D-2 variant {variant!r}; one of {', '.join((AUTO, *VARIANTS))}"
        )
    if not root.is_dir():
        raise MissingWeights(f"Hunyuan3D-2 weights folder {root} does not exist")
    for name in VARIANTS if variant == AUTO else (variant,):
        folder = root / name
        checkpoint = next(
            (folder / file for file in CHECKPOINT_NAMES if (folder / file).is_file()), None
        )
        if (folder / CONFIG_NAME).is_file() and checkpoint is not None:
            return Weights(name, folder / CONFIG_NAME, checkpoint)
    wanted = "any of " + ", ".join(VARIANTS) if variant == AUTO else variant
    raise MissingWeights(
        f"no complete Hunyuan3D-2 shape model in {root}: expected {wanted} as a folder with "
        f"{CONFIG_NAME} and one of {', '.join(CHECKPOINT_NAMES)}; found "
        f"{_listing(root) or 'nothing'}"
    )


def read_config(weights: Weights) -> dict[str, Any]:
    """The model's ``config.yaml``, checked to need nothing from a hub."""
    import yaml  # the neural extra's; listing the backends must work without it

    config = yaml.safe_load(weights.config.read_text())
    missing = [part for part in ("model", "vae", "conditioner", "scheduler") if part not in config]
    if missing:
        raise MissingWeights(f"{weights.config} lacks {', '.join(missing)}")
    for name, encoder in image_encoders(config).items():
        kwargs = encoder.get("kwargs", {})
        if "config" not in kwargs:
            raise MissingWeights(
                f"{weights.config}: the image encoder {name} is named by a hub id "
                f"({kwargs.get('version')!r}) instead of an inline config; i23d never downloads"
            )
    return config


def image_encoders(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The conditioner's image encoders by role (``main_image_encoder``, ...)."""
    params = config["conditioner"].get("params", {})
    return {key: value for key, value in params.items() if key.endswith("image_encoder")}


def _listing(root: Path) -> str:
    """What ``root`` holds, briefly: its sub-folders and their files."""
    parts = []
    for folder in sorted(path for path in root.iterdir() if path.is_dir())[:8]:
        files = sorted(path.name for path in folder.iterdir())[:6]
        parts.append(f"{folder.name}/ ({', '.join(files) or 'empty'})")
    return "; ".join(parts)
