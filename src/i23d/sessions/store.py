"""The database connection: SQLite in WAL mode by default, any SQLAlchemy 2 URL otherwise.

On SQLite every writing unit of work (``session()``) starts with ``BEGIN IMMEDIATE``: it takes
the write lock up front, which makes a job claim atomic across threads and processes and makes
writers queue (busy timeout) instead of failing on a stale snapshot. Reads (``read()``,
``reader()``) run without a transaction: each statement is its own WAL snapshot and never waits.
On PostgreSQL the same claim query runs with ``FOR UPDATE SKIP LOCKED``.

A SQLite file is private: created (and kept) with mode 0600 in a directory of mode 0700, and
``secure_delete`` zeroes what a write frees instead of leaving it in unused pages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_BEGIN_MODE = "i23d_sqlite_begin"
_AUTOCOMMIT = "AUTOCOMMIT"
_IMMEDIATE = "IMMEDIATE"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get(_BEGIN_MODE, "")
        if mode != _AUTOCOMMIT:
            connection.exec_driver_sql(f"BEGIN {mode}".strip())


def make_private_file(path: Path) -> None:
    """Create ``path`` readable by this user only: the file and SQLite's ``-wal``/``-shm``
    companions 0600 (tightened if they were looser); a directory made for it is 0700."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists() and companion.stat().st_mode & 0o077:
            companion.chmod(0o600)


class Database:
    """An engine plus a session factory. It creates no tables: the schema is brought to date
    by :func:`i23d.migrations.upgrade_database` (``i23d db upgrade``, and ``i23d serve`` /
    ``i23d worker`` at start)."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            make_private_file(Path(parsed.database))
        kwargs: dict[str, object] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
            kwargs["pool_size"] = 16
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        # Every ORM session comes from here, so session events can be listened to on it.
        self.sessions = sessionmaker(expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work that writes: commits on success, rolls back on error. On SQLite it
        takes the write lock up front (``BEGIN IMMEDIATE``), so it waits for other writers
        (busy timeout) instead of failing on a stale read snapshot."""
        with self._bound(_IMMEDIATE) as db:
            yield db

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: on SQLite each statement is its own snapshot, no lock."""
        with self._bound(_AUTOCOMMIT) as db:
            yield db

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """A Core connection whose transactions take the write lock up front (SQLite:
        ``BEGIN IMMEDIATE``), for work that must not interleave with other writers."""
        with self.engine.connect() as connection:
            yield connection.execution_options(**{_BEGIN_MODE: _IMMEDIATE})

    @contextmanager
    def reader(self) -> Iterator[Connection]:
        """A Core connection for one read-only statement (the GET hot path)."""
        with self.engine.connect() as connection:
            yield connection.execution_options(**{_BEGIN_MODE: _AUTOCOMMIT})

    @contextmanager
    def _bound(self, mode: str) -> Iterator[Session]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{_BEGIN_MODE: mode})
            with self.sessions(bind=connection) as db, db.begin():
                yield db

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
