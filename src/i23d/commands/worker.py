"""``i23d worker``: engine workers without HTTP, claiming jobs from the shared database, and a
webhook deliverer draining the shared delivery queue.

Run it beside ``i23d serve --workers 0`` (same ``--data-dir``) to keep engine work out of the
HTTP process, or on several processes at once: claims are atomic, leases are heartbeated.
"""

from __future__ import annotations

import argparse
import signal
import threading

from i23d.api.app import build_deliverer, build_service
from i23d.api.logs import configure_logging
from i23d.commands.worker_flags import WORKER_SETTINGS, add_worker_flags
from i23d.config import settings_from_flags
from i23d.jobs.local import LocalWorkers
from i23d.jobs.memory import freeze_startup_heap, limit_malloc_arenas
from i23d.jobs.work import JobRunner
from i23d.sessions.store import Database
from i23d.storage.factory import open_storage
from i23d.storage.space import DiskSpace


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("worker", help="run engine workers only (no HTTP)")
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
    configure_logging()
    if settings.malloc_arena_max:
        limit_malloc_arenas(settings.malloc_arena_max)  # before any worker thread starts
    if settings.dispatch == "celery":
        from i23d.jobs.celery_worker import run_celery_worker  # celery: the "scale" extra

        return run_celery_worker(settings)
    db = Database(settings.resolved_database_url)
    storage = open_storage(settings)
    service = build_service(settings, db, storage)
    runner = JobRunner(
        service, storage, settings.build_engine(), export_threads=settings.export_threads
    )
    workers = LocalWorkers(
        service,
        runner,
        max(1, settings.workers),
        disk=DiskSpace(settings.data_dir, settings.min_free_bytes),
    )
    deliverer = build_deliverer(settings, db)
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
    db.dispose()
    return 0
