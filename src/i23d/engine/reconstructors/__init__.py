"""Reconstruction backends behind one interface (:class:`Reconstructor`) and their registry.

See :mod:`i23d.engine.reconstructors.base` for the contract and
:mod:`i23d.engine.reconstructors.registry` for how a backend is found (built-ins and the
``i23d.reconstructors`` entry point group).
"""

from i23d.engine.reconstructors.base import (
    SPIN_TEXTURE_SIZE,
    TEXTURE_SIZE,
    Availability,
    Candidate,
    Candidates,
    Progress,
    Reconstructor,
    Requirements,
    Verdict,
)
from i23d.engine.reconstructors.registry import (
    DEFAULT_RECONSTRUCTOR,
    ENTRY_POINT_GROUP,
    ReconstructorError,
    ReconstructorUnavailable,
    UnknownReconstructor,
    create,
    listing,
    names,
)

__all__ = [
    "DEFAULT_RECONSTRUCTOR",
    "ENTRY_POINT_GROUP",
    "SPIN_TEXTURE_SIZE",
    "TEXTURE_SIZE",
    "Availability",
    "Candidate",
    "Candidates",
    "Progress",
    "Reconstructor",
    "ReconstructorError",
    "ReconstructorUnavailable",
    "Requirements",
    "UnknownReconstructor",
    "Verdict",
    "create",
    "listing",
    "names",
]
