"""``i23d keys create --tier standard|enterprise``: print a new API key (alone on stdout).
``i23d keys webhook KEY --url URL | --no-url | --new-secret``: a key's webhook settings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from i23d.config import Settings, settings_from_flags
from i23d.runtime.services import migrate
from i23d.sessions.keys import TIERS, create_key
from i23d.sessions.store import Database
from i23d.webhooks.key_settings import (
    find_key_id,
    key_webhook,
    make_webhook_secret,
    set_default_webhook_url,
)
from i23d.webhooks.urls import WebhookUrlError, check_webhook_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``keys`` sub-command's actions and their arguments."""
    actions = parser.add_subparsers(dest="keys_action", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument(
        "--tier",
        choices=TIERS,
        default="standard",
        help="standard, or enterprise (may set topology, resolution, texture_resolution)",
    )
    _data_dir_flag(create)
    create.set_defaults(run=run_create)

    webhook = actions.add_parser(
        "webhook",
        help="set a key's default webhook URL or make its signing secret (printed "
        "alone on stdout, shown only once)",
    )
    webhook.add_argument("key", help="the key, or its first 10 characters (i23d_xxxxx)")
    target = webhook.add_mutually_exclusive_group()
    target.add_argument("--url", help="new sessions of this key POST their status changes here")
    target.add_argument("--no-url", action="store_true", help="clear the default URL")
    webhook.add_argument(
        "--new-secret",
        action="store_true",
        help="replace the signing secret (a key without one gets one with its first --url)",
    )
    webhook.add_argument(
        "--allow-private-urls",
        action="store_true",
        default=None,
        help="let the URL be a loopback/private address",
    )
    _data_dir_flag(webhook)
    webhook.set_defaults(run=run_webhook)


def _data_dir_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data directory (default: $I23D_DATA_DIR or ./data)",
    )


def _open_database(settings: Settings) -> Database:
    """The settings' database, upgraded to the current schema first (a new data directory
    gets its tables here)."""
    migrate(settings)
    return Database(settings.resolved_database_url)


def run_create(args: argparse.Namespace) -> int:
    settings = settings_from_flags(args, ("data_dir",))
    db = _open_database(settings)
    try:
        key = create_key(db, args.tier)
    finally:
        db.dispose()
    print(key)
    print(
        f"created a {args.tier} key; it is stored hashed and cannot be shown again", file=sys.stderr
    )
    return 0


def run_webhook(args: argparse.Namespace) -> int:
    settings = settings_from_flags(args, ("data_dir", "allow_private_urls"))
    db = _open_database(settings)
    try:
        key_id = find_key_id(db, args.key)
        if key_id is None:
            print(
                "i23d keys webhook: no single key matches; give the key or its first 10 characters",
                file=sys.stderr,
            )
            return 1
        if args.url is not None or args.no_url:
            url = ""
            if args.url:
                url = check_webhook_url(
                    args.url,
                    allow_private=settings.allow_private_urls,
                    timeout=settings.fetch_timeout_s,
                )
            set_default_webhook_url(db, key_id, url)
        current = key_webhook(db, key_id)
        if args.new_secret or (current.webhook_url and not current.secret_set):
            print(make_webhook_secret(db, key_id))
            print("made a new webhook secret; it is shown only this once", file=sys.stderr)
        print(f"default webhook URL: {current.webhook_url or '(none)'}", file=sys.stderr)
    except WebhookUrlError as error:
        print(f"i23d keys webhook: --url: {error.message}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0
