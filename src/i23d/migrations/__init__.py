"""Schema migrations (Alembic), shipped inside the package and run in place as an explicit step:
``i23d db upgrade``, and once at the start of ``i23d serve`` and ``i23d worker``
(:func:`upgrade_database`). Other processes only check the revision (:func:`check_schema`).

:func:`upgrade_schema` brings any database to the newest revision under a lock, so several
processes starting at once do it exactly once: an empty database gets the current tables and is
stamped at head; a database made before migrations existed (tables, no ``alembic_version``) is
stamped at the baseline and upgraded; anything else is upgraded from its revision.

To run Alembic's own commands (history, downgrade, a new revision), use
:func:`alembic_config` from Python, or an ``alembic.ini`` whose ``script_location`` is
``i23d:migrations``.
"""

from __future__ import annotations

import functools

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select

from i23d.sessions.model import Base
from i23d.sessions.store import Database

BASELINE = "0001"
# Any 64-bit number unique to i23d: the PostgreSQL advisory lock held while migrating.
_PG_LOCK_KEY = 0x1233D5C4


def alembic_config(url: str = "") -> Config:
    """An Alembic config for the packaged scripts (and ``url``, for use without a connection)."""
    config = Config()
    config.set_main_option("script_location", "i23d:migrations")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision the packaged scripts define."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


class SchemaOutOfDate(RuntimeError):
    """The database is not at the revision this i23d needs; ``i23d db upgrade`` fixes it."""


def upgrade_database(db: Database) -> str:
    """:func:`upgrade_schema` on ``db``, under the migration lock (SQLite: ``BEGIN IMMEDIATE``;
    PostgreSQL: an advisory lock)."""
    with db.writer() as connection:
        return upgrade_schema(connection)


def check_schema(db: Database) -> None:
    """Raise :class:`SchemaOutOfDate`, saying what to run, unless ``db`` is at the head
    revision."""
    with db.reader() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head_revision():
        found = f"at revision {current}" if current else "without i23d's tables"
        raise SchemaOutOfDate(
            f"the database is {found}; this i23d needs revision {head_revision()}: "
            f"run `i23d db upgrade` (with the same --data-dir / I23D_DATABASE_URL) first"
        )


def upgrade_schema(connection: Connection) -> str:
    """Bring the database behind ``connection`` to the head revision, in one transaction that
    holds the migration lock (PostgreSQL: an advisory lock; SQLite: pass a connection that
    begins ``IMMEDIATE``). Returns what was done: ``current``, ``created``, ``adopted`` or
    ``upgraded``."""
    config = alembic_config()
    config.attributes["connection"] = connection
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head_revision():
            return "current"
        has_tables = inspect(connection).has_table("sessions")
        if current is None and not has_tables:
            Base.metadata.create_all(connection)
            command.stamp(config, "head")
            return "created"
        action = "upgraded"
        if current is None:
            command.stamp(config, BASELINE)
            action = "adopted"
        command.upgrade(config, "head")
        return action
