"""hy3dgen's shape modules, imported without what the shape path does not use.

``hy3dgen.shapegen``'s package initialiser also imports its mesh post-processors, which need
pymeshlab (a Qt-based MeshLab build i23d does not install: its own repair chain runs
instead). The package is therefore registered without running its initialiser and the
modules i23d uses (pipelines, models, schedulers, preprocessors) are imported directly.

hy3dgen's image encoder uses torchvision's pure-Python transforms. A torchvision built for
CUDA next to a CPU-only torch (the only torchvision on PyPI, and so what a CPU machine without
the PyTorch index gets) fails in its initialiser, which registers the CUDA build's C
operators; there the initialiser is skipped in the same way, and the transforms, which need
no C operator, are imported directly. Where torchvision imports normally nothing is changed.

The Hugging Face libraries are switched to offline mode first (unless the caller set the
variables): nothing here may reach a hub. The octree decoder draws progress bars on stderr
with no switch to turn them off; its ``tqdm`` is replaced by a disabled one (i23d reports
progress itself).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "DIFFUSERS_OFFLINE")


def pipelines() -> ModuleType:
    """``hy3dgen.shapegen.pipelines`` (which imports the models, schedulers and
    preprocessors the config's ``target`` entries name)."""
    for variable in OFFLINE_VARIABLES:
        os.environ.setdefault(variable, "1")
    _import_torchvision()
    if "hy3dgen.shapegen" not in sys.modules:
        _register_without_initialiser("hy3dgen.shapegen")
    module = importlib.import_module("hy3dgen.shapegen.pipelines")
    decoders: Any = importlib.import_module("hy3dgen.shapegen.models.autoencoders.volume_decoders")
    if not isinstance(decoders.tqdm, functools.partial):
        decoders.tqdm = functools.partial(decoders.tqdm, disable=True)
    return module


def _import_torchvision() -> None:
    """Import torchvision, or register it without its initialiser where that fails."""
    try:
        importlib.import_module("torchvision")
    except RuntimeError:  # its C operators are for another torch build (see module)
        for name in [name for name in sys.modules if name.split(".")[0] == "torchvision"]:
            del sys.modules[name]
        _register_without_initialiser("torchvision")


def _register_without_initialiser(name: str) -> None:
    """Put package ``name`` in ``sys.modules`` with its path and spec but without running its
    ``__init__``, so that its sub-modules import on their own."""
    parent, _, child = name.rpartition(".")
    if parent:
        folder = Path(next(iter(importlib.import_module(parent).__path__))) / child
    else:
        found = importlib.util.find_spec(name)
        if found is None or found.origin is None:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        folder = Path(found.origin).parent
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    if spec is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if parent:
        setattr(sys.modules[parent], child, module)
