"""The chooser: which registered shape prior is the most plausible reading of the photo.

It reads the outline's cues (:mod:`i23d.engine.cues`) and asks each prior in
:data:`i23d.engine.shapes.PRIORS` how plausible it is; the highest score wins (the first
registered on a tie). Today's priors score so that straight edges favour the extrusion, mirror
symmetry the surface of revolution, and otherwise the rounded reading (inflation) is the
safest; the thin relief is never preferred from a photo alone (a card and a box look alike
from the front) and stays available as a spin to pick. With more priors registered than
spins offered, the spins are the most plausible priors (in registration order).
"""

from __future__ import annotations

import numpy as np

from i23d.engine.cues import Cues
from i23d.engine.reconstructors.base import Verdict
from i23d.engine.shapes import PRIORS, ShapePrior


def choose(cues: Cues, priors: dict[str, ShapePrior] = PRIORS, spins: int | None = None) -> Verdict:
    """Score each prior from the cues and pick the best; the ``spins`` most plausible
    (default all) are offered."""
    scores: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for name, prior in priors.items():
        score, reasons[name] = prior.plausibility(cues)
        scores[name] = float(np.clip(score, 0.0, 1.0))
    chosen = max(scores, key=scores.__getitem__)
    ranked = sorted(scores, key=lambda name: -scores[name])  # stable: ties keep their order
    kept = set(ranked[: len(scores) if spins is None else spins])
    offered = tuple(name for name in priors if name in kept)
    return Verdict(scores=scores, reasons=reasons, chosen=chosen, offered=offered)
