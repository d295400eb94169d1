"""The table of download formats: one :class:`ExportFormat` record per format.

Each format module of this package registers its records at import (``register(...)``); the
package imports every module of its own, so a new format is one new module. A record names
what the format needs (``unavailable``: why it cannot be written on this machine, or ``None``);
:func:`available_formats` is what this machine offers, :func:`missing_formats` says why the
rest are not offered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from i23d.engine.asset import Asset

Exporter = Callable[[Asset], bytes]
FormatKind = Literal["mesh", "media"]


def always_available() -> str | None:
    """The requirement of a format that needs nothing beyond i23d's own dependencies."""
    return None


@dataclass(frozen=True)
class ExportFormat:
    """One download format: how it is written, stored, served and named in CSM's answers.

    - ``file_name``: the name it is stored and downloaded under (its suffix gives the format).
    - ``preview_field``: the session field (CSM's name) that holds the preview's file; ``""``
      when previews do not make it.
    - ``model_fields``: the session fields that hold the refined model's file; the first also
      holds the straight-through flow's file (the newest SDK reads ``mesh_url_*``).
    - ``unavailable``: why the format cannot be written on this machine, or ``None``.
    - ``slow``: written first, so a job's other formats overlap it.
    """

    name: str
    file_name: str
    media_type: str
    write: Exporter
    kind: FormatKind = "mesh"
    preview_field: str = ""
    model_fields: tuple[str, ...] = ()
    unavailable: Callable[[], str | None] = always_available
    slow: bool = False

    @property
    def suffix(self) -> str:
        """The file name's suffix, with its dot: ``.glb``."""
        return PurePath(self.file_name).suffix

    @property
    def fields(self) -> tuple[str, ...]:
        """Every session field that may hold this format's file."""
        return ((self.preview_field,) if self.preview_field else ()) + self.model_fields


FORMATS: dict[str, ExportFormat] = {}
"""Every registered format by name, in registration order, offered here or not."""


def register(fmt: ExportFormat) -> ExportFormat:
    """Add ``fmt`` to :data:`FORMATS`; a name or file suffix may be registered only once."""
    if fmt.name in FORMATS:
        raise ValueError(f"export format {fmt.name!r} is registered twice")
    if any(other.suffix == fmt.suffix for other in FORMATS.values()):
        raise ValueError(f"export format {fmt.name!r}: another format writes {fmt.suffix} files")
    FORMATS[fmt.name] = fmt
    return fmt


def available_formats(kind: FormatKind | None = None) -> dict[str, ExportFormat]:
    """The formats this machine can write now (of ``kind``, or all), in registration order."""
    return {
        name: fmt
        for name, fmt in FORMATS.items()
        if (kind is None or fmt.kind == kind) and fmt.unavailable() is None
    }


def missing_formats() -> dict[str, str]:
    """The registered formats this machine cannot write now, each with the reason."""
    reasons = {name: fmt.unavailable() for name, fmt in FORMATS.items()}
    return {name: reason for name, reason in reasons.items() if reason is not None}


def format_of_suffix(suffix: str) -> ExportFormat | None:
    """The registered format whose files end in ``suffix`` (``.glb``, any case), if any."""
    wanted = suffix.lower()
    return next((fmt for fmt in FORMATS.values() if fmt.suffix == wanted), None)
