"""Alembic environment: migrations run on the connection the caller hands over
(``config.attributes["connection"]``, see :func:`i23d.migrations.upgrade_schema`), or on a new
one to ``config.get_main_option("sqlalchemy.url")`` (the ``alembic`` command line)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from i23d.sessions.model import Base

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()
