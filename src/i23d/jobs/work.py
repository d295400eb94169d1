"""The work of each job kind: call the engine and the exporters, store the artifacts, and report
progress into the session's ``percent_done``.

- ``spins``: the engine's spins (its reconstructor's: the four most plausible shape priors for
  the classical one) with their turntable videos and stills; each spin's label is stored as its
  ``prior``.
- ``preview``: ``Engine.build`` from the chosen spin's label, default post-processing, exports.
- ``refine``: the same build at the ``hd`` grid, with the session's topology / resolution /
  texture resolution and its ``scaled_bbox`` / ``pivot_point``, exports.
- ``oneshot``: the newest SDK's straight-through flow: spins without videos, the chooser's pick,
  the preview build and exports; fills both the ``preview_mesh_url_*`` and ``mesh_url_*`` fields.
- ``animate``: the newest model's stored GLB and the photo's cut-out mask, rigged and animated
  (:func:`i23d.engine.animate.animate`); fills ``animated_{clip}_url`` and ``..._url_fbx`` for
  the clips asked for. The model's own files are only read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import trimesh
from sqlalchemy.exc import OperationalError

from i23d.engine import Engine, EngineError, EngineOptions
from i23d.engine.animate import animate
from i23d.engine.export import ExportFormat, available_formats
from i23d.engine.export.glb import load_glb
from i23d.engine.postprocess import PostOptions, postprocess
from i23d.jobs.errors import JobStopped, JobTimeLimit
from i23d.sessions.queue import JobTicket
from i23d.sessions.service import SessionService
from i23d.sessions.statuses import JobKind
from i23d.storage.base import Storage
from i23d.storage.space import is_storage_full

log = logging.getLogger("i23d.jobs")

Outputs = list[tuple[ExportFormat, tuple[str, ...]]]
"""The formats a job writes, each with the session fields its file fills."""


def preview_outputs() -> Outputs:
    """A preview's files: every available format with a preview field."""
    return _slow_first(
        (fmt, (fmt.preview_field,)) for fmt in available_formats().values() if fmt.preview_field
    )


def refine_outputs() -> Outputs:
    """A refine's files: every available format with model fields."""
    return _slow_first(
        (fmt, fmt.model_fields) for fmt in available_formats().values() if fmt.model_fields
    )


def oneshot_outputs() -> Outputs:
    """The straight-through flow's files: a preview's, whose files also fill the first model
    field (the newest SDK reads ``mesh_url_*``)."""
    return _slow_first(
        (fmt, (fmt.preview_field, *fmt.model_fields[:1]))
        for fmt in available_formats().values()
        if fmt.preview_field
    )


def _slow_first(outputs: Iterable[tuple[ExportFormat, tuple[str, ...]]]) -> Outputs:
    """Slow formats first (Blender's subprocess), so the others overlap them."""
    return sorted(outputs, key=lambda output: not output[0].slow)


class ProgressReporter:
    """Maps a step's engine progress into ``percent_done``; checks deadline and ownership."""

    def __init__(
        self,
        service: SessionService,
        ticket: JobTicket,
        min_interval_s: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.ticket = ticket
        self.min_interval_s = min_interval_s
        self.clock = clock
        self._last_write = 0.0
        self._last_percent = -1.0
        self.engine_s = 0.0  # wall time inside engine and exporter calls
        self.db_s = 0.0  # wall time spent storing progress

    @contextmanager
    def engine_time(self) -> Iterator[None]:
        """Count the block's wall time as the engine's, less the progress writes within it."""
        start, db_before = time.perf_counter(), self.db_s
        try:
            yield
        finally:
            self.engine_s += time.perf_counter() - start - (self.db_s - db_before)

    def check(self) -> None:
        """Raise ``JobTimeLimit`` if the job overran its deadline."""
        if self.clock() > self.ticket.deadline_at:
            raise JobTimeLimit("time limit reached")

    def set(self, percent: float, force: bool = False) -> None:
        """Report ``percent`` (0-100), throttled; raises ``JobStopped`` when the job must stop
        (``JobTimeLimit`` past its deadline)."""
        self.check()
        now = self.clock()
        if not force and (
            now - self._last_write < self.min_interval_s or percent - self._last_percent < 1.0
        ):
            return
        self._last_write, self._last_percent = now, percent
        start = time.perf_counter()
        try:
            still_ours = self.service.report_progress(self.ticket, percent)
        except OperationalError:  # progress is best effort; the job goes on
            log.warning(
                "progress not stored (database busy)", extra={"session_code": self.ticket.code}
            )
            return
        finally:
            self.db_s += time.perf_counter() - start
        if not still_ours:
            raise JobStopped("the job is no longer this worker's")

    def span(self, start: float, end: float) -> Callable[[float, str], None]:
        """An engine progress callback whose [0, 1] maps onto [start, end] percent."""

        def callback(fraction: float, _stage: str) -> None:
            self.set(start + (end - start) * min(max(fraction, 0.0), 1.0))

        return callback


class JobRunner:
    """Runs claimed jobs against one engine and one store, and records the outcome."""

    def __init__(
        self, service: SessionService, storage: Storage, engine: Engine, export_threads: int = 3
    ) -> None:
        self.service = service
        self.storage = storage
        self.engine = engine
        self.export_threads = export_threads

    def run(self, ticket: JobTicket) -> None:
        """Run one job to its end: finished, failed with a reason, or dropped if stale."""
        started = time.perf_counter()
        extra = {"session_code": ticket.code, "job": ticket.kind, "attempt": ticket.attempt}
        log.info("job started", extra=extra)
        progress = ProgressReporter(self.service, ticket)
        try:
            outcome = self._dispatch(ticket, progress)
        except JobStopped as stop:
            if isinstance(stop, JobTimeLimit):
                self.service.time_out(ticket)
            self.service.discard_if_deleted(ticket)
            log.warning("job stopped: %s", stop, extra=extra)
            return
        except EngineError as exc:
            self.service.fail(ticket, f"{exc.field}: {exc.message}")
            log.warning("job failed: %s", exc.message, extra=extra)
            return
        except Exception as exc:  # noqa: BLE001 - any crash must end the session with a reason
            if is_storage_full(exc):
                raise  # not the job's fault: the worker puts it back until there is room
            log.exception("job crashed", extra=extra)
            self.service.fail(ticket, f"internal error: {type(exc).__name__}: {exc}")
            return
        if not self.service.finish(ticket, **outcome):
            self.service.discard_if_deleted(ticket)
            log.info("job result dropped (session deleted or job taken over)", extra=extra)
            return
        log.info(
            "job finished",
            extra={
                **extra,
                "seconds": round(time.perf_counter() - started, 4),
                "engine_seconds": round(progress.engine_s, 4),
                "progress_seconds": round(progress.db_s, 4),
            },
        )

    # ---- the job kinds ------------------------------------------------------------------------

    def _dispatch(self, ticket: JobTicket, progress: ProgressReporter) -> dict[str, Any]:
        image = self.storage.get(ticket.input_key)
        options = ticket.options.engine_options()
        if ticket.kind == JobKind.SPINS:
            return self._spins(ticket, image, options, progress)
        if ticket.kind == JobKind.PREVIEW:
            with progress.engine_time():
                model = self.engine.build(
                    image, ticket.payload["prior"], options, progress=progress.span(0, 70)
                )
            return {
                "artifacts": self._export(
                    ticket,
                    model,
                    "preview",
                    preview_outputs(),
                    ticket.options.post_options(refine=False),
                    progress,
                    70,
                )
            }
        if ticket.kind == JobKind.REFINE:
            with progress.engine_time():
                model = self.engine.build(
                    image,
                    ticket.payload["prior"],
                    replace(options, preview_mesh="hd"),
                    progress=progress.span(0, 60),
                )
            return {
                "artifacts": self._export(
                    ticket,
                    model,
                    "refine",
                    refine_outputs(),
                    ticket.options.post_options(refine=True),
                    progress,
                    60,
                )
            }
        if ticket.kind == JobKind.ONESHOT:
            return self._oneshot(ticket, image, options, progress)
        if ticket.kind == JobKind.ANIMATE:
            return self._animate(ticket, image, options, progress)
        raise ValueError(f"unknown job kind {ticket.kind!r}")

    def _spins(
        self, ticket: JobTicket, image: bytes, options: EngineOptions, progress: ProgressReporter
    ) -> dict[str, Any]:
        with progress.engine_time():
            spin_set = self.engine.spins(image, options, progress=progress.span(0, 95), videos=True)
        generation = int(ticket.payload["generation"])
        spins: list[dict[str, Any]] = []
        files: dict[str, bytes] = {}
        for spin in spin_set.spins:
            base = f"{ticket.code}/spins/{generation}/spin_{spin.index}"
            files[f"{base}.mp4"], files[f"{base}.png"] = spin.video_mp4, spin.still_png
            spins.append(
                {
                    "index": spin.index,
                    "prior": spin.label,
                    "score": float(spin.score),
                    "reason": spin.reason,
                    "video_key": f"{base}.mp4",
                    "still_key": f"{base}.png",
                }
            )
        self._store(files)
        progress.set(99, force=True)
        return {"artifacts": {}, "spins": spins, "chosen": spin_set.chosen}

    def _oneshot(
        self, ticket: JobTicket, image: bytes, options: EngineOptions, progress: ProgressReporter
    ) -> dict[str, Any]:
        with progress.engine_time():
            spin_set = self.engine.spins(
                image, options, progress=progress.span(0, 35), videos=False
            )
        spins = [
            {
                "index": s.index,
                "prior": s.label,
                "score": float(s.score),
                "reason": s.reason,
                "video_key": "",
                "still_key": "",
            }
            for s in spin_set.spins
        ]
        chosen = spin_set.spins[spin_set.chosen]
        with progress.engine_time():
            model = self.engine.build(image, chosen, options, progress=progress.span(35, 70))
        artifacts = self._export(
            ticket,
            model,
            "preview",
            oneshot_outputs(),
            ticket.options.post_options(refine=False),
            progress,
            70,
        )
        return {"artifacts": artifacts, "spins": spins, "chosen": spin_set.chosen}

    def _animate(
        self, ticket: JobTicket, image: bytes, options: EngineOptions, progress: ProgressReporter
    ) -> dict[str, Any]:
        payload = ticket.payload
        with progress.engine_time():
            asset = load_glb(self.storage.get(payload["model_key"]))
            progress.set(10, force=True)
            mask = self.engine.load(image, options.fov_deg).mask
            progress.set(25, force=True)
            result = animate(asset, payload["animations"], payload["rig"], mask=mask)
        progress.set(95, force=True)
        files: dict[str, bytes] = {}
        artifacts: dict[str, str] = {}
        for suffix, made in (("", result.glb), ("_fbx", result.fbx)):
            for clip, data in made.items():
                key = f"{ticket.code}/animate/{clip}.{'fbx' if suffix else 'glb'}"
                files[key] = data
                artifacts[f"animated_{clip}_url{suffix}"] = key
        self.storage.delete_prefix(f"{ticket.code}/animate")  # an earlier run's clips
        self._store(files)
        return {"artifacts": artifacts}

    # ---- helpers ------------------------------------------------------------------------------

    def _export(
        self,
        ticket: JobTicket,
        model: trimesh.Trimesh,
        folder: str,
        outputs: Outputs,
        post: PostOptions,
        progress: ProgressReporter,
        start: float,
    ) -> dict[str, str]:
        """Post-process and export on a few threads (FBX runs Blender in a subprocess), then
        store each file atomically; returns the session fields → storage keys."""
        files: dict[str, bytes] = {}
        with progress.engine_time():
            asset = postprocess(model, post)
            progress.set(start + (100 - start) * 0.3, force=True)
            with ThreadPoolExecutor(self.export_threads) as pool:
                futures = {pool.submit(fmt.write, asset): fmt for fmt, _ in outputs}
                for done, future in enumerate(as_completed(futures), start=1):
                    key = f"{ticket.code}/{folder}/{futures[future].file_name}"
                    files[key] = future.result()
                    progress.set(start + (100 - start) * (0.3 + 0.65 * done / len(futures)))
        artifacts: dict[str, str] = {}
        for fmt, fields in outputs:
            artifacts.update(dict.fromkeys(fields, f"{ticket.code}/{folder}/{fmt.file_name}"))
        self._store(files)
        return artifacts

    def _store(self, files: dict[str, bytes]) -> None:
        """Write files in parallel (each write is atomic and fsynced; the fsyncs overlap)."""
        with ThreadPoolExecutor(max(1, len(files))) as pool:
            list(pool.map(lambda item: self.storage.put(*item), files.items()))
