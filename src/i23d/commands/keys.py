"""``i23d keys create --tier standard|enterprise``: print a new API key (alone on stdout)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from i23d.config import settings_from_flags
from i23d.sessions.keys import TIERS, create_key
from i23d.sessions.store import Database


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("keys", help="manage API keys")
    actions = parser.add_subparsers(dest="keys_action", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--tier", choices=TIERS, default="standard",
                        help="standard, or enterprise (may set topology, resolution, "
                        "texture_resolution)")
    create.add_argument("--data-dir", type=Path, default=None,
                        help="data directory (default: $I23D_DATA_DIR or ./data)")
    create.set_defaults(run=run_create)


def run_create(args: argparse.Namespace) -> int:
    settings = settings_from_flags(args, ("data_dir",))
    db = Database(settings.resolved_database_url)
    try:
        key = create_key(db, args.tier)
    finally:
        db.dispose()
    print(key)
    print(f"created a {args.tier} key; it is stored hashed and cannot be shown again",
          file=sys.stderr)
    return 0
