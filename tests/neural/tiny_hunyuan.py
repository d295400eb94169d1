"""A tiny Hunyuan3D-2 shape model written as the published snapshot is laid out.

The architecture is the real one (hy3dgen's DiT, ShapeVAE and a DINOv2 image encoder from
transformers) with few layers and narrow widths, and random weights: what it decodes is
meaningless, but every stage runs as with the real weights, loaded through the same
``from_single_file`` path. The DINOv2 configuration is written inline, as the published
``config.yaml`` does, so nothing is fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors.torch import save_file

from i23d.engine.hunyuan3d.model import ShapeModel

VARIANT = "hunyuan3d-dit-v2-0"

TINY_CONFIG: dict[str, Any] = {
    "model": {
        "target": "hy3dgen.shapegen.models.Hunyuan3DDiT",
        "params": {
            "in_channels": 8,
            "context_in_dim": 32,
            "hidden_size": 64,
            "mlp_ratio": 2.0,
            "num_heads": 4,
            "depth": 1,
            "depth_single_blocks": 1,
            "axes_dim": [16],
            "theta": 10000,
            "qkv_bias": True,
        },
    },
    "vae": {
        "target": "hy3dgen.shapegen.models.ShapeVAE",
        "params": {
            "num_latents": 32,
            "embed_dim": 8,
            "width": 32,
            "heads": 4,
            "num_decoder_layers": 1,
            "num_freqs": 4,
            "include_pi": False,
            "qkv_bias": False,
            "qk_norm": True,
            "scale_factor": 1.0,
        },
    },
    "conditioner": {
        "target": "hy3dgen.shapegen.models.SingleImageEncoder",
        "params": {
            "main_image_encoder": {
                "type": "DinoImageEncoder",
                "kwargs": {
                    "image_size": 56,
                    "config": {
                        "model_type": "dinov2",
                        "hidden_size": 32,
                        "num_hidden_layers": 1,
                        "num_attention_heads": 2,
                        "mlp_ratio": 2,
                        "patch_size": 14,
                        "image_size": 56,
                        "layerscale_value": 1.0,
                        "use_swiglu_ffn": False,
                    },
                },
            }
        },
    },
    "scheduler": {
        "target": "hy3dgen.shapegen.schedulers.FlowMatchEulerDiscreteScheduler",
        "params": {"num_train_timesteps": 1000},
    },
    "image_processor": {
        "target": "hy3dgen.shapegen.preprocessors.ImageProcessorV2",
        "params": {"size": 64, "border_ratio": 0.15},
    },
}


def write_snapshot(root: Path, checkpoint: str = "model.fp16.safetensors", seed: int = 0) -> Path:
    """Random tiny weights saved under ``root/VARIANT`` as ``checkpoint`` (a safetensors file
    with ``part.key`` names, or a ``.ckpt`` of the parts' state dicts) beside ``config.yaml``;
    returns ``root``."""
    torch.manual_seed(seed)
    parts = ShapeModel.from_config(TINY_CONFIG, "cpu").state_dicts()
    folder = root / VARIANT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(TINY_CONFIG))
    if checkpoint.endswith(".safetensors"):
        flat = {
            f"{part}.{key}": value.contiguous().clone()
            for part, state in parts.items()
            for key, value in state.items()
        }
        save_file(flat, str(folder / checkpoint))
    else:
        torch.save(parts, folder / checkpoint)
    return root
