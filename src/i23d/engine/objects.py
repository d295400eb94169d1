"""Object cues: what kind of object a photo shows, from MediaPipe Objectron's 2D detector.

The detector is the SSD MobileNetV2 that Google's MediaPipe Objectron solution runs before its
3D-box models: trained on 24 Open Images classes (Mug, Coffee cup, Bottle, Chair, Box, Book,
Person, Cat, Dog, Car, ...; label 0 is the background), fp16 weights, input 300² RGB in
[-1, 1], raw outputs for 1917 SSD anchors. The model and its label map ship inside the npm
package ``@mediapipe/objectron`` (Apache-2.0); ``scripts/setup.sh`` fetches and checks them
(``scripts/fetch_model.py``); nothing is downloaded here. It runs with ``ai-edge-litert``;
when the runtime or the files are missing, :func:`detect` finds nothing (with one warning).

Decoding follows MediaPipe's ``SsdAnchorsCalculator`` / ``TensorsToDetectionsCalculator``
settings for this model: six feature maps (strides 16 to 512), scales 0.2 to 0.95, aspect
ratios 1, 2, 1/2, 3, 1/3 plus an interpolated scale (three anchors on the lowest map), box
coding (y, x, h, w) scaled by (10, 10, 5, 5), sigmoid class scores.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from i23d.engine.saliency import DEFAULT_MODEL_DIR

log = logging.getLogger(__name__)

MODEL_FILE = "objectron-ssd-mobilenetv2-oidv4-fp16.tflite"
MODEL_SHA256 = "d0a5255bf8c4f5a0bc4240741a76c41d5e939f7655078f945f50ab53a9375da6"
MODEL_BYTES = 9_987_728
LABELS_FILE = "objectron-oidv4-labelmap.txt"
LABELS_SHA256 = "c148336a65f673013609a923fdcbdeec0f49df935045029c3746a3828a0e80e0"
INPUT_SIDE = 300
STRIDES = (16, 32, 64, 128, 256, 512)
MIN_SCALE, MAX_SCALE = 0.2, 0.95
ASPECT_RATIOS = (1.0, 2.0, 0.5, 3.0, 0.3333)
LOWEST_LAYER = ((0.1, 1.0), (MIN_SCALE, 2.0), (MIN_SCALE, 0.5))
"""(scale, aspect ratio) of the lowest feature map's three anchors."""
BOX_SCALE = np.array([10.0, 10.0, 5.0, 5.0])
MIN_SCORE = 0.5
NMS_IOU = 0.4
MAX_DETECTIONS = 5


@dataclass(frozen=True)
class Detection:
    """One detected object: its Open Images class, score in [0, 1] and box
    (x0, y0, x1, y1) as fractions of the image's width and height."""

    label: str
    score: float
    box: tuple[float, float, float, float]


def anchors() -> np.ndarray:
    """The 1917 SSD anchors as (x centre, y centre, width, height), fractions of the input."""
    rows = []
    count = len(STRIDES)

    def scale(layer: int) -> float:
        return MIN_SCALE + (MAX_SCALE - MIN_SCALE) * layer / (count - 1)

    for layer, stride in enumerate(STRIDES):
        if layer == 0:
            shapes = list(LOWEST_LAYER)
        else:
            following = 1.0 if layer == count - 1 else scale(layer + 1)
            shapes = [(scale(layer), ratio) for ratio in ASPECT_RATIOS]
            shapes.append((float(np.sqrt(scale(layer) * following)), 1.0))
        side = int(np.ceil(INPUT_SIDE / stride))
        for y in range(side):
            for x in range(side):
                for size, ratio in shapes:
                    root = np.sqrt(ratio)
                    rows.append(((x + 0.5) / side, (y + 0.5) / side, size * root, size / root))
    return np.asarray(rows, dtype=np.float32)


class ObjectDetector:
    """The detector's interpreter and label map; :meth:`detect` is safe to call from several
    threads (they take turns: one inference is about 50 ms of CPU)."""

    def __init__(self, model: Path, labels: Path):
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        # Without the default XNNPACK delegate: it announces itself on stderr from C++ (a stray
        # line in every `i23d generate`) and costs 34 ms to set up for a 16 ms gain per call.
        self.interpreter = Interpreter(
            model_path=str(model),
            num_threads=1,
            experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        )
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        outputs = {d["name"]: d["index"] for d in self.interpreter.get_output_details()}
        self.boxes = outputs["raw_outputs/box_encodings"]
        self.classes = outputs["raw_outputs/class_predictions"]
        self.labels = labels.read_text().splitlines()
        self.anchors = anchors()
        self.lock = threading.Lock()

    def detect(
        self, rgb: np.ndarray, min_score: float = MIN_SCORE, limit: int = MAX_DETECTIONS
    ) -> list[Detection]:
        """The objects in an RGB image scoring at least ``min_score``, best first, boxes
        overlapping a better one of the same class by more than :data:`NMS_IOU` removed."""
        height, width = rgb.shape[:2]
        interp = cv2.INTER_AREA if max(height, width) > INPUT_SIDE else cv2.INTER_LINEAR
        square = cv2.resize(rgb, (INPUT_SIDE, INPUT_SIDE), interpolation=interp)
        tensor = (square.astype(np.float32) / 127.5 - 1.0)[None]
        with self.lock:
            self.interpreter.set_tensor(self.input, tensor)
            self.interpreter.invoke()
            raw = self.interpreter.get_tensor(self.boxes)[0] / BOX_SCALE
            logits = self.interpreter.get_tensor(self.classes)[0]
        scores = 1.0 / (1.0 + np.exp(-logits[:, 1:]))
        best, classes = scores.max(axis=1), scores.argmax(axis=1) + 1
        a = self.anchors
        centre_y = raw[:, 0] * a[:, 3] + a[:, 1]
        centre_x = raw[:, 1] * a[:, 2] + a[:, 0]
        half_h, half_w = np.exp(raw[:, 2]) * a[:, 3] / 2, np.exp(raw[:, 3]) * a[:, 2] / 2
        boxes = np.column_stack(
            [centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h]
        ).clip(0.0, 1.0)
        found: list[Detection] = []
        for index in np.argsort(-best):
            if best[index] < min_score or len(found) == limit:
                break
            label = self.labels[classes[index]]
            x0, y0, x1, y1 = (float(v) for v in boxes[index])
            box = (x0, y0, x1, y1)
            if any(d.label == label and _iou(box, d.box) > NMS_IOU for d in found):
                continue
            found.append(Detection(label, float(best[index]), box))
        return found


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


_loading = threading.Lock()


def load_detector(model_dir: Path | None = None) -> ObjectDetector | None:
    """The detector in ``model_dir`` (default: ``I23D_MODEL_DIR`` or ``models/``), loaded once
    per process; None (with one warning) when the runtime or a file is missing or not the
    pinned one."""
    folder = model_dir or Path(os.environ.get("I23D_MODEL_DIR") or DEFAULT_MODEL_DIR)
    with _loading:
        return _load_detector(folder)


@functools.lru_cache(maxsize=4)
def _load_detector(folder: Path) -> ObjectDetector | None:
    model, labels = folder / MODEL_FILE, folder / LABELS_FILE
    missing = [path for path in (model, labels) if not path.is_file()]
    if missing:
        log.warning(
            "object cues unavailable: no %s (run scripts/setup.sh, or set I23D_MODEL_DIR)",
            ", ".join(str(path) for path in missing),
        )
        return None
    if model.stat().st_size != MODEL_BYTES:
        log.warning(
            "object cues unavailable: %s is %d bytes, not the pinned model's %d "
            "(run scripts/setup.sh again)",
            model,
            model.stat().st_size,
            MODEL_BYTES,
        )
        return None
    try:
        return ObjectDetector(model, labels)
    except ImportError:
        log.warning("object cues unavailable: ai-edge-litert is not installed")
        return None


def detect(rgb: np.ndarray, model_dir: Path | None = None, **options: Any) -> list[Detection]:
    """The objects in an RGB image (:meth:`ObjectDetector.detect`); empty when the detector
    is unavailable."""
    detector = load_detector(model_dir)
    return detector.detect(rgb, **options) if detector else []
