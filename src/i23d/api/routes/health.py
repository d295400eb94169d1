"""``GET /healthz``: whether this service can do its work, and why not.

200 only when every check passes: the database answers and takes a write, the data directory
has at least ``min_free_bytes`` free, and every engine thread this process runs is alive.
503 otherwise, with the same report and ``problems`` naming what failed. The report also lists
the download formats this machine writes (``formats``) and why any other is not offered
(``formats_missing``, e.g. FBX without Blender's Python) and why animation is not
(``animation_missing``, ``null`` when it is); neither is a failure.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import text
from starlette.responses import Response

from i23d import __version__
from i23d.api.context import AppContext, get_context
from i23d.api.errors import envelope
from i23d.engine.animate import animation_missing
from i23d.engine.export import available_formats, missing_formats

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and readiness")
def healthz(request: Request, ctx: Annotated[AppContext, Depends(get_context)]) -> Response:
    """The report; 200 when the service can work, 503 (with ``problems``) when it cannot."""
    problems: list[str] = []
    queued: int | None = None
    try:
        queued = ctx.service.queued_jobs()
    except Exception as exc:  # noqa: BLE001 - health reports the failure instead of raising
        problems.append(f"database unavailable: {type(exc).__name__}")
    writable = queued is not None and _database_takes_a_write(ctx, problems)
    free = ctx.disk.free_bytes()
    if free < ctx.disk.min_free_bytes:
        problems.append(
            f"disk nearly full: {free:,} bytes free in the data directory, "
            f"under the {ctx.disk.min_free_bytes:,} kept free"
        )
    workers = request.app.state.workers
    report: dict[str, Any] = {
        "status": "ok" if not problems else "failing",
        "version": __version__,
        "queued_jobs": queued,
        "database_writable": writable,
        "disk_free_bytes": free,
        "min_free_bytes": ctx.disk.min_free_bytes,
        "workers": ctx.settings.workers if workers is None else workers.alive(),
        "workers_in_process": workers is not None,
        "formats": list(available_formats()),
        "formats_missing": missing_formats(),
        "animation_missing": animation_missing(),
    }
    if workers is not None and workers.alive() < workers.count:
        problems.append(
            f"{workers.count - workers.alive()} of {workers.count} engine threads have stopped"
        )
        report["status"] = "failing"
    if problems:
        report["problems"] = problems
        return envelope(503, "; ".join(problems), report)
    return envelope(200, "OK", report)


def _database_takes_a_write(ctx: AppContext, problems: list[str]) -> bool:
    """Commit a write that changes nothing (the schema version row rewritten as it is)."""
    try:
        with ctx.db.session() as db:
            db.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        problems.append(f"database does not take writes: {type(exc).__name__}: {exc}"[:300])
        return False
    return True
