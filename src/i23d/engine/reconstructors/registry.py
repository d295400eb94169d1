"""The reconstructor registry: name → factory, from i23d's own modules and from plugins.

Built-in backends are listed in :data:`BUILT_IN` as ``module:attribute`` strings; other
packages add theirs through the entry point group :data:`ENTRY_POINT_GROUP`::

    [project.entry-points."i23d.reconstructors"]
    trellis = "i23d_trellis:TrellisReconstructor"

Nothing is imported until a backend is asked for (listing reads names only). A plugin that
fails to import, or whose object is not a :class:`Reconstructor` factory, is logged and listed
as unavailable with the error; it never stops i23d from starting with another backend.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import cast

from i23d.engine.reconstructors.base import Availability, Reconstructor, Requirements

log = logging.getLogger("i23d.reconstructors")

ENTRY_POINT_GROUP = "i23d.reconstructors"
DEFAULT_RECONSTRUCTOR = "classical"

BUILT_IN: dict[str, str] = {
    "classical": "i23d.engine.reconstructors.classical:ClassicalReconstructor",
}
"""i23d's own backends: a new one is one module and one line here."""

Factory = Callable[[], Reconstructor]


class ReconstructorError(ValueError):
    """The configured reconstructor cannot be used; the message says why and what can."""


class UnknownReconstructor(ReconstructorError):
    """No backend is registered under the name."""


class ReconstructorUnavailable(ReconstructorError):
    """The backend is registered but cannot run here (missing weights, extra, GPU, plugin)."""


@dataclass(frozen=True)
class Registration:
    """One registered backend: its name, where it comes from (``built-in`` or the plugin's
    distribution) and its ``module:attribute`` target."""

    name: str
    origin: str
    target: str

    def load_factory(self) -> Factory:
        """Import the target (raises whatever the import raises)."""
        module_name, _, attribute = self.target.partition(":")
        found: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
        if not callable(found):
            raise TypeError(f"{self.target} is not callable")
        return cast(Factory, found)


@dataclass(frozen=True)
class Listing:
    """What ``i23d reconstructors`` shows for one backend."""

    registration: Registration
    summary: str
    spin_count: int
    requirements: Requirements | None
    availability: Availability


def registrations() -> dict[str, Registration]:
    """Every registered backend by name: built-ins first, then plugins (a plugin cannot
    replace a built-in; the clash is logged)."""
    found = {name: Registration(name, "built-in", target) for name, target in BUILT_IN.items()}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        origin = f"plugin {point.dist.name}" if point.dist is not None else "plugin"
        if point.name in found:
            log.warning(
                "reconstructor %r from %s ignored: the name is taken by %s",
                point.name,
                origin,
                found[point.name].origin,
            )
            continue
        found[point.name] = Registration(point.name, origin, point.value)
    return found


def names() -> tuple[str, ...]:
    """The registered backends' names."""
    return tuple(registrations())


def create(name: str) -> Reconstructor:
    """A new backend by name, checked to run here (nothing loaded yet: see
    :meth:`Reconstructor.load`); a clear :class:`ReconstructorError` otherwise."""
    if name in BUILT_IN:  # no need to scan the installed packages' entry points
        known = {name: Registration(name, "built-in", BUILT_IN[name])}
    else:
        known = registrations()
    if name not in known:
        raise UnknownReconstructor(
            f"unknown reconstructor {name!r}; registered: {', '.join(known)}"
        )
    reconstructor = _instantiate(known[name])
    availability = reconstructor.availability()
    if not availability.ok:
        raise ReconstructorUnavailable(
            f"reconstructor {name!r} cannot run here: {availability.reason}"
        )
    return reconstructor


def listing() -> list[Listing]:
    """Every registered backend with whether it can run here and why not (never raises)."""
    rows = []
    for registration in registrations().values():
        try:
            reconstructor = _instantiate(registration)
            availability = reconstructor.availability()
            rows.append(
                Listing(
                    registration,
                    reconstructor.summary,
                    reconstructor.spin_count,
                    reconstructor.requirements(),
                    availability,
                )
            )
        except ReconstructorUnavailable as error:
            unavailable = Availability(ok=False, reason=str(error))
            rows.append(Listing(registration, "", 0, None, unavailable))
    return rows


def _instantiate(registration: Registration) -> Reconstructor:
    """The backend object, or :class:`ReconstructorUnavailable` saying what broke."""
    try:
        reconstructor = registration.load_factory()()
    except Exception as error:  # noqa: BLE001 - a broken plugin must not stop i23d
        log.warning(
            "reconstructor %r (%s) failed to load: %s: %s",
            registration.name,
            registration.origin,
            type(error).__name__,
            error,
        )
        raise ReconstructorUnavailable(
            f"reconstructor {registration.name!r} ({registration.origin} "
            f"{registration.target}) failed to load: "
            f"{type(error).__name__}: {error}"
        ) from error
    if not isinstance(reconstructor, Reconstructor):
        raise ReconstructorUnavailable(
            f"reconstructor {registration.name!r} ({registration.origin} "
            f"{registration.target}) made a "
            f"{type(reconstructor).__name__}, not an i23d Reconstructor"
        )
    return reconstructor
