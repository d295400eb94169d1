"""The CSM session state machine: from which ``status`` each request may start a job, and what
each event of a session's job does to its ``status``, ``session_status``, progress and artifacts.

Each function changes the session record it is given and nothing else; the service calls it in
the same transaction as the matching move of the job queue (:mod:`i23d.sessions.queue`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Row

from i23d.engine.animate.clips import CLIP_NAMES
from i23d.engine.export import FORMATS
from i23d.sessions.errors import ServiceError
from i23d.sessions.model import SessionRecord
from i23d.sessions.statuses import JobKind, SessionStatus, Status

PROCESSING_STATUSES = frozenset(
    {Status.SPIN_PROCESSING, Status.PREVIEW_PROCESSING, Status.REFINING, Status.ANIMATING}
)
PREVIEW_ALLOWED_FROM = frozenset(
    {
        Status.SPIN_DONE,
        Status.PREVIEW_DONE,
        Status.PREVIEW_FAILED,
        Status.REFINE_DONE,
        Status.REFINE_FAILED,
        Status.ANIMATE_DONE,
        Status.ANIMATE_FAILED,
    }
)
REFINE_ALLOWED_FROM = frozenset(
    {
        Status.PREVIEW_DONE,
        Status.REFINE_DONE,
        Status.REFINE_FAILED,
        Status.ANIMATE_DONE,
        Status.ANIMATE_FAILED,
    }
)
REGENERATE_ALLOWED_FROM = frozenset({Status.SPIN_FAILED, *PREVIEW_ALLOWED_FROM})
# Animating needs a finished model (a preview, or a refine) and no job running.
ANIMATE_ALLOWED_FROM = REFINE_ALLOWED_FROM

# The session status while each kind of job waits or runs, and when it fails.
RUNNING_STATUS: dict[JobKind, Status] = {
    JobKind.SPINS: Status.SPIN_PROCESSING,
    JobKind.PREVIEW: Status.PREVIEW_PROCESSING,
    JobKind.REFINE: Status.REFINING,
    JobKind.ONESHOT: Status.PREVIEW_PROCESSING,
    JobKind.ANIMATE: Status.ANIMATING,
}
FAILED_STATUS: dict[JobKind, Status] = {
    JobKind.SPINS: Status.SPIN_FAILED,
    JobKind.PREVIEW: Status.PREVIEW_FAILED,
    JobKind.REFINE: Status.REFINE_FAILED,
    JobKind.ONESHOT: Status.PREVIEW_FAILED,
    JobKind.ANIMATE: Status.ANIMATE_FAILED,
}

# A change of either is a status change (webhooks, docs/api.md).
STATUS_FIELDS = ("status", "session_status")

# The fields a refine fills (every format's model fields): cleared when a new refine starts,
# with any animation of the old model.
REFINE_FIELDS = frozenset(field for fmt in FORMATS.values() for field in fmt.model_fields)
ANIMATE_FIELDS = tuple(
    f"animated_{clip}_url{suffix}" for clip in CLIP_NAMES for suffix in ("", "_fbx")
)
# The model an animation is made from: the refined GLB if there is one, else the preview's.
ANIMATE_SOURCES = ("mesh_url_glb", "preview_mesh_url_glb")

SessionLikeRecord = SessionRecord | Row[Any]


class NextJob(NamedTuple):
    """A job a transition asks to queue for the session."""

    kind: JobKind
    payload: dict[str, Any]


def first_job(straight_through: bool) -> NextJob:
    """A new session's first job: the straight-through preview, or the spins."""
    if straight_through:
        return NextJob(JobKind.ONESHOT, {})
    return NextJob(JobKind.SPINS, {"generation": 1})


# ---- requests ------------------------------------------------------------------------------


def require(record: SessionLikeRecord, allowed: frozenset[Status], action: str) -> None:
    """409 naming the status unless the session's ``status`` is one of ``allowed``."""
    if record.status not in allowed:
        raise ServiceError(
            409,
            f"cannot {action} while the session status is {str(record.status)!r}; "
            f"allowed when status is one of {', '.join(sorted(allowed))}",
            field="status",
            data={"status": record.status},
        )


def request_spins(record: SessionRecord) -> NextJob:
    """A new set of spins."""
    require(record, REGENERATE_ALLOWED_FROM, "regenerate spins")
    record.selected_spin = ""
    return NextJob(JobKind.SPINS, {"generation": record.spin_generation + 1})


def request_preview(record: SessionRecord, spin_index: int, selected_spin: str) -> NextJob:
    """The preview mesh from spin ``spin_index``; 400 when the session has no such spin."""
    require(record, PREVIEW_ALLOWED_FROM, "make a preview")
    if not 0 <= spin_index < len(record.spins):
        raise ServiceError(
            400,
            f"selected_spin_index must be from 0 to {len(record.spins) - 1}; got {spin_index}",
            field="selected_spin_index",
        )
    record.selected_spin_index = spin_index
    record.selected_spin = selected_spin
    record.artifacts = {k: v for k, v in record.artifacts.items() if k.startswith("spin")}
    return NextJob(
        JobKind.PREVIEW, {"spin_index": spin_index, "prior": record.spins[spin_index]["prior"]}
    )


def request_refine(record: SessionRecord) -> NextJob:
    """The refined mesh; the old refined files and animations are dropped."""
    require(record, REFINE_ALLOWED_FROM, "refine")
    record.artifacts = {
        k: v
        for k, v in record.artifacts.items()
        if k not in REFINE_FIELDS and k not in ANIMATE_FIELDS
    }
    return NextJob(JobKind.REFINE, {"prior": record.spins[record.selected_spin_index]["prior"]})


def request_animation(record: SessionRecord, animations: list[str], rig: str) -> NextJob:
    """Rigging and the ``animations`` clips of the newest model; earlier clips are dropped."""
    require(record, ANIMATE_ALLOWED_FROM, "animate")
    source = animation_source(record)
    record.artifacts = {k: v for k, v in record.artifacts.items() if k not in ANIMATE_FIELDS}
    return NextJob(
        JobKind.ANIMATE, {"animations": list(animations), "rig": rig, "model_key": source}
    )


def animation_source(record: SessionLikeRecord) -> str:
    """The newest model's GLB key; 409 when the session has none."""
    artifacts = record.artifacts or {}
    for name in ANIMATE_SOURCES:
        if name in artifacts:
            return str(artifacts[name])
    raise ServiceError(
        409,
        f"cannot animate: the session has no model yet (status "
        f"{str(record.status)!r}); make a preview first",
        field="status",
        data={"status": record.status},
    )


# ---- job events ----------------------------------------------------------------------------


def job_queued(record: SessionRecord, kind: JobKind, now: float) -> None:
    """A job of ``kind`` waits in the queue for the session."""
    record.status = RUNNING_STATUS[kind]
    record.session_status = SessionStatus.QUEUED
    record.percent_done = 0.0
    record.failure_reason = ""
    record.updated_at = now


def job_started(record: SessionRecord, now: float) -> None:
    """A worker took the session's job."""
    record.session_status = SessionStatus.IN_PROGRESS
    record.percent_done = 0.0
    record.updated_at = now


def job_requeued(record: SessionRecord, now: float) -> None:
    """The session's job went back to the queue (its worker was lost, or out of disk)."""
    record.session_status = SessionStatus.QUEUED
    record.percent_done = 0.0
    record.updated_at = now


def job_failed(record: SessionRecord, kind: JobKind, reason: str, now: float) -> None:
    """The session's job failed for good with ``reason``."""
    record.status = FAILED_STATUS[kind]
    record.session_status = SessionStatus.FAILED
    record.failure_reason = reason
    record.updated_at = now


def job_finished(
    record: SessionRecord,
    kind: JobKind,
    payload: dict[str, Any],
    artifacts: dict[str, str],
    spins: list[dict[str, Any]] | None,
    chosen: int | None,
    now: float,
) -> NextJob | None:
    """Record a finished job's results; the job to queue next, if any (``auto_gen_3d``'s
    preview after the first spins)."""
    record.artifacts = {**record.artifacts, **artifacts}
    record.failure_reason = ""
    record.updated_at = now
    record.percent_done = 100.0
    if kind == JobKind.SPINS:
        record.spins = spins or []
        record.spin_generation = int(payload["generation"])
        record.selected_spin_index = chosen or 0
        if record.auto_gen_3d and record.spin_generation == 1:
            spin = record.spins[record.selected_spin_index]
            return NextJob(
                JobKind.PREVIEW,
                {"spin_index": record.selected_spin_index, "prior": spin["prior"]},
            )
        record.status = Status.SPIN_DONE
        record.session_status = SessionStatus.INCOMPLETE
        return None
    if kind == JobKind.ONESHOT:
        record.spins = spins or []
        record.selected_spin_index = chosen or 0
        record.status = Status.PREVIEW_DONE
    elif kind == JobKind.PREVIEW:
        record.status = Status.PREVIEW_DONE
        video = record.spins[record.selected_spin_index].get("video_key")
        if video:  # the chosen interpretation's turntable
            record.artifacts = {**record.artifacts, "mp4_url": video}
    elif kind == JobKind.ANIMATE:
        record.status = Status.ANIMATE_DONE
    else:
        record.status = Status.REFINE_DONE
    record.session_status = SessionStatus.COMPLETE
    return None
