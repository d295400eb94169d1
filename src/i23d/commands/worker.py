"""``i23d worker``: engine workers without HTTP, claiming jobs from the shared database, and a
webhook deliverer draining the shared delivery queue.

Run it beside ``i23d serve --workers 0`` (same ``--data-dir``) to keep engine work out of the
HTTP process, or on several processes at once: claims are atomic, leases are heartbeated.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from i23d.commands.worker_flags import WORKER_SETTINGS, add_worker_flags, reconstructor_problem
from i23d.config import settings_from_flags
from i23d.jobs.memory import freeze_startup_heap, limit_malloc_arenas
from i23d.logs import configure_logging
from i23d.runtime.engine import build_engine
from i23d.runtime.services import Runtime, migrate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``worker`` sub-command's arguments."""
    add_worker_flags(parser)
    parser.add_argument(
        "--dispatch",
        choices=("local", "celery"),
        default=None,
        help="local: threads polling the database (default); celery: a Celery "
        "worker on $I23D_BROKER_URL (see docs/scaling.md)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_flags(args, (*WORKER_SETTINGS, "dispatch"))
    problem = reconstructor_problem(settings, runs_jobs=True)
    if problem:
        print(f"i23d worker: --reconstructor: {problem}", file=sys.stderr)
        return 2
    configure_logging()
    if settings.malloc_arena_max:
        limit_malloc_arenas(settings.malloc_arena_max)  # before any worker thread starts
    migrate(settings)  # once, before any pool process or thread opens the database
    if settings.dispatch == "celery":
        from i23d.jobs.celery_worker import run_celery_worker  # celery: the "scale" extra

        return run_celery_worker(settings)
    runtime = Runtime.open(settings)
    engine = build_engine(settings)  # the reconstructor loads once and stays
    workers = runtime.local_workers(max(1, settings.workers), engine)
    deliverer = runtime.webhook_deliverer()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    freeze_startup_heap()  # the service and engine live as long as the process
    workers.start()
    deliverer.start()
    print(
        f"i23d worker: {workers.count} engine threads on {settings.resolved_database_url}",
        flush=True,
    )
    stop.wait()
    deliverer.stop()
    workers.stop()
    engine.close()
    runtime.close()
    return 0
