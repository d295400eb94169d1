"""The detected object's class as a vote for a shape prior.

The object detector (:mod:`i23d.engine.objects`) looks at the cut-out over white (so the
photo's background cannot be detected instead). When its best detection is sure enough and
its class has an obvious reading (a box or a book has flat faces, a bottle is turned, a mug or
a cup is a turned vessel open at its top, a person or an animal is rounded), that prior is
chosen; otherwise the outline's verdict stands. On renders of our own objects from views the
quality benchmark does not use, the class agreed with the outline's pick almost everywhere and
corrected turned boxes and prisms that the outline read as rounded or turned (docs/engine.md,
"Object cues").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from i23d.engine.cutout import CutOut
from i23d.engine.objects import Detection, detect
from i23d.engine.reconstructors.base import Verdict

CLASS_PRIORS: dict[str, tuple[str, ...]] = {
    "Box": ("cuboid", "extrude"),
    "Book": ("cuboid", "extrude"),
    "Mug": ("vessel",),
    "Coffee cup": ("vessel",),
    "Bottle": ("revolve",),
    "Person": ("inflate",),
    "Cat": ("inflate",),
    "Dog": ("inflate",),
    "Cattle": ("inflate",),
}
"""Open Images classes and the priors that read their shape (a box: the cuboid where the
outline shows a turned box's hexagon, else the extrusion)."""
STEER_SCORE = 0.5
"""The best detection's score from which its class decides (the detector's own threshold)."""


def detect_object(cutout: CutOut) -> Detection | None:
    """The detector's best detection on the cut-out composited over white (None: nothing)."""
    alpha = cutout.alpha[..., None]
    rgb = cutout.rgba[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    found = detect((rgb + 0.5).astype(np.uint8), min_score=STEER_SCORE, limit=1)
    return found[0] if found else None


def steer(verdict: Verdict, detection: Detection | None) -> Verdict:
    """The verdict with the detected class's prior chosen (the most plausible of those that
    read the class; its score raised to the best score, the reason saying why, offered as a
    spin) when the class has such priors among the verdict's labels."""
    suited = [
        name
        for name in CLASS_PRIORS.get(detection.label if detection else "", ())
        if name in verdict.scores
    ]
    if detection is None or not suited:
        return verdict
    seen = f"the detector sees a {detection.label.lower()} ({detection.score:.2f})"
    reasons = dict(verdict.reasons)
    if verdict.chosen in suited:
        reasons[verdict.chosen] += f"; {seen}"
        return replace(verdict, reasons=reasons)
    prior = max(suited, key=verdict.scores.__getitem__)
    scores = dict(verdict.scores)
    scores[prior] = max(scores.values())
    reasons[prior] = f"{seen}, which {prior} reads best; the outline preferred {verdict.chosen}"
    offered = verdict.offered
    if offered and prior not in offered:  # it takes the least plausible offered one's place
        dropped = min(reversed(offered), key=verdict.scores.__getitem__)
        kept = {*offered, prior} - {dropped}
        offered = tuple(name for name in scores if name in kept)
    return Verdict(scores=scores, reasons=reasons, chosen=prior, offered=offered)
