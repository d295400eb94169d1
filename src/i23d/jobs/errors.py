"""Why a running job stops before its end (raised from its progress reports)."""

from __future__ import annotations


class JobStopped(Exception):
    """The job must stop: it is no longer this worker's (the session was deleted, or the job
    was taken over after its lease lapsed), or its time ran out."""


class JobTimeLimit(JobStopped):
    """The job ran past its deadline (``job_time_limit_s`` after it started)."""
