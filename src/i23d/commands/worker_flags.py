"""Flags that ``i23d serve`` and ``i23d worker`` share: where data lives and how jobs run."""

from __future__ import annotations

import argparse
from pathlib import Path

WORKER_SETTINGS = ("data_dir", "workers", "allow_private_urls", "job_time_limit_s")


def add_worker_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--data-dir``, ``--workers``, ``--allow-private-urls`` and ``--job-time-limit``
    (each None unless given, so the environment's settings apply)."""
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
