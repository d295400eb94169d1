"""The status vocabulary of sessions and jobs, as string enums: each member is the very string
the API answers and the database stores (``Status.PREVIEW_DONE == "preview_done"``)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A session's ``status``: CSM's detailed status, one ``*_processing`` / done / failed
    triple per kind of work."""

    SPIN_PROCESSING = "spin_generate_processing"
    SPIN_DONE = "spin_generate_done"
    SPIN_FAILED = "spin_generate_failed"
    PREVIEW_PROCESSING = "training_preview"
    PREVIEW_DONE = "preview_done"
    PREVIEW_FAILED = "preview_failed"
    REFINING = "refining"
    REFINE_DONE = "refine_done"
    REFINE_FAILED = "refine_failed"
    ANIMATING = "animating"
    ANIMATE_DONE = "animate_done"
    ANIMATE_FAILED = "animate_failed"


class SessionStatus(StrEnum):
    """A session's ``session_status``: the newest SDK's coarse view of the same story."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    FAILED = "failed"
    INCOMPLETE = "incomplete"  # spins made, waiting for the caller to pick one


class JobKind(StrEnum):
    """What a job makes (docs of each in :mod:`i23d.jobs.work`)."""

    SPINS = "spins"
    PREVIEW = "preview"
    REFINE = "refine"
    ONESHOT = "oneshot"
    ANIMATE = "animate"


class JobState(StrEnum):
    """Where a job is in the queue: ``queued`` → ``running`` → ``done`` | ``failed`` |
    ``cancelled`` (a running job whose lease lapses goes back to ``queued``)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
