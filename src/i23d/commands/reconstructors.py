"""``i23d reconstructors``: every registered reconstruction backend, whether it can run on this
machine and why not (missing weights, extra or GPU; a plugin that failed to load).

Exit status 0 when the configured one (``I23D_RECONSTRUCTOR``, default ``classical``) can run,
1 when it cannot or is not registered.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from i23d.engine.reconstructors.registry import Listing

GIB = 1024**3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``reconstructors`` sub-command takes no arguments; its help is this module's text."""
    parser.description = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print one block per backend; 0 if the configured one can run here."""
    from i23d.config import Settings  # imported when run, so `i23d --help` stays quick
    from i23d.engine.reconstructors.registry import listing

    configured = Settings().reconstructor
    rows = listing()
    for row in rows:
        print(describe(row, row.registration.name == configured))
    usable = {row.registration.name for row in rows if row.availability.ok}
    if configured not in usable:
        known = {row.registration.name for row in rows}
        why = "cannot run here" if configured in known else "is not registered"
        print(f"\nthe configured reconstructor {configured!r} (I23D_RECONSTRUCTOR) {why}")
        return 1
    return 0


def describe(row: Listing, configured: bool) -> str:
    """A backend's block: name, state, what it needs and why it cannot run (if so)."""
    name = row.registration.name + (" (configured)" if configured else "")
    state = f"runs here on {row.availability.device}" if row.availability.ok else "cannot run here"
    lines = [f"{name}: {state}  [{row.registration.origin}]"]
    if row.summary:
        spins = f"{row.spin_count} spin{'' if row.spin_count == 1 else 's'}"
        lines.append(f"  {row.summary}; {spins}")
    if row.requirements is not None:
        needs = row.requirements
        parts = [f"GPU {needs.gpu}"]
        if needs.memory_bytes:
            parts.append(f"about {needs.memory_bytes / GIB:.1f} GiB a job")
        if needs.extra:
            parts.append(f"extra [{needs.extra}]")
        parts.extend(str(path) for path in needs.weights)
        lines.append("  needs: " + ", ".join(parts))
    if row.availability.reason:
        label = "note" if row.availability.ok else "why not"
        lines.append(f"  {label}: {row.availability.reason}")
    return "\n".join(lines)
