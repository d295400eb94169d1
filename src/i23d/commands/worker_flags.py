"""Flags that ``i23d serve`` and ``i23d worker`` share: where data lives and how jobs run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from i23d.config import Settings

WORKER_SETTINGS = (
    "data_dir",
    "workers",
    "allow_private_urls",
    "job_time_limit_s",
    "reconstructor",
)


def add_worker_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--data-dir``, ``--workers``, ``--allow-private-urls``, ``--job-time-limit`` and
    ``--reconstructor`` (each None unless given, so the environment's settings apply)."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data directory (default: $I23D_DATA_DIR or ./data)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="engine worker threads (default: one per core)"
    )
    parser.add_argument(
        "--allow-private-urls",
        action="store_true",
        default=None,
        help="let image_url and webhook_url reach loopback/private addresses (off by default)",
    )
    parser.add_argument(
        "--job-time-limit",
        dest="job_time_limit_s",
        type=float,
        default=None,
        help="seconds a job may run before it fails",
    )
    parser.add_argument(
        "--reconstructor",
        default=None,
        metavar="NAME",
        help="the reconstruction backend the engine workers load (default: $I23D_RECONSTRUCTOR "
        "or classical); `i23d reconstructors` lists them",
    )


def reconstructor_problem(settings: Settings, runs_jobs: bool) -> str | None:
    """Why the configured reconstructor cannot be used, or None: it must be registered, and
    able to run here when this process runs jobs (an HTTP-only process never loads it)."""
    from i23d.engine.reconstructors.registry import ReconstructorError, create, names

    try:
        if runs_jobs:
            create(settings.reconstructor)
        elif settings.reconstructor not in names():
            create(settings.reconstructor)  # raises the unknown-name error
    except ReconstructorError as error:
        return str(error)
    return None
