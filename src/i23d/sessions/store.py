"""The database connection: SQLite in WAL mode by default, any SQLAlchemy 2 URL otherwise.

SQLite transactions start deferred (readers never block each other) except where a caller asks
for ``immediate()``: then ``BEGIN IMMEDIATE`` takes the write lock up front, which is what makes
a job claim atomic across threads and processes. On PostgreSQL the same claim query runs with
``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from i23d.migrations import upgrade_schema

_BEGIN_MODE = "i23d_sqlite_begin"
_AUTOCOMMIT = "AUTOCOMMIT"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get(_BEGIN_MODE, "")
        if mode != _AUTOCOMMIT:
            connection.exec_driver_sql(f"BEGIN {mode}".strip())


class Database:
    """An engine plus a session factory; creates the tables it needs."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, object] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
            kwargs["pool_size"] = 16
        else:
            kwargs["pool_pre_ping"] = True
        self.engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        with self.engine.connect() as connection:  # migrations run under a lock, see there
            upgrade_schema(connection.execution_options(**{_BEGIN_MODE: "IMMEDIATE"}))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error."""
        with self._sessions() as db, db.begin():
            yield db

    @contextmanager
    def immediate(self) -> Iterator[Session]:
        """A unit of work that holds the write lock from its first statement (SQLite)."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})
            with Session(bind=connection, expire_on_commit=False) as db, db.begin():
                yield db

    @contextmanager
    def reader(self) -> Iterator[Connection]:
        """A connection for one read-only statement: on SQLite no BEGIN/ROLLBACK round trip
        (the statement is its own snapshot)."""
        with self.engine.connect() as connection:
            yield connection.execution_options(**{_BEGIN_MODE: _AUTOCOMMIT})

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
