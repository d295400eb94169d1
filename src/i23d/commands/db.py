"""``i23d db upgrade``: bring the database to the schema this i23d needs (Alembic, in place).

``i23d serve`` and ``i23d worker`` do this once at start; run it yourself before starting
HTTP-only processes (``uvicorn --factory i23d.api.app:app_from_environment``) on a new
release, or from a deploy step. Several processes upgrading at once migrate once (a lock).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from i23d.config import settings_from_flags
from i23d.migrations import head_revision
from i23d.runtime.services import migrate

DONE = {
    "current": "was already at revision {head}",
    "created": "created at revision {head}",
    "adopted": "adopted (made before migrations) and upgraded to revision {head}",
    "upgraded": "upgraded to revision {head}",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``db`` sub-command's actions."""
    actions = parser.add_subparsers(dest="db_action", required=True)
    upgrade = actions.add_parser(
        "upgrade", help="create or migrate the database to the current schema"
    )
    upgrade.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data directory (default: $I23D_DATA_DIR or ./data); "
        "$I23D_DATABASE_URL names another database",
    )
    upgrade.set_defaults(run=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    settings = settings_from_flags(args, ("data_dir",))
    done = migrate(settings)
    where = settings.resolved_database_url.split("@")[-1]
    print(f"i23d db upgrade: {where}: {DONE[done].format(head=head_revision())}")
    return 0
