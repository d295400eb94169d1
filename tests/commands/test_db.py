"""Migrations are an explicit step: ``i23d db upgrade`` (and the commands that need the schema)
migrate; opening the database or building the app does not, and says what to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from i23d.api.app import create_app
from i23d.cli import main
from i23d.config import Settings
from i23d.migrations import SchemaOutOfDate, head_revision
from i23d.sessions.keys import count_keys
from i23d.sessions.store import Database


def _tables(url: str) -> set[str]:
    db = Database(url)
    try:
        return set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def test_opening_the_database_creates_no_tables_and_the_app_says_to_upgrade(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", workers=0)
    assert _tables(settings.resolved_database_url) == set()
    with pytest.raises(SchemaOutOfDate, match=r"run `i23d db upgrade`"):
        create_app(settings, run_workers=False)
    assert _tables(settings.resolved_database_url) == set()


def test_db_upgrade_creates_then_finds_the_schema_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    assert main(["db", "upgrade", "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.strip().endswith(f"created at revision {head_revision()}")
    assert main(["db", "upgrade", "--data-dir", str(data)]) == 0
    assert "was already at revision" in capsys.readouterr().out
    url = Settings(data_dir=data).resolved_database_url
    assert {"sessions", "jobs", "api_keys", "alembic_version"} <= _tables(url)
    assert data.stat().st_mode & 0o777 == 0o700


def test_keys_create_on_a_new_data_directory_upgrades_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "new"
    assert main(["keys", "create", "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.startswith("i23d_")
    db = Database(Settings(data_dir=data).resolved_database_url)
    try:
        assert count_keys(db) == 1
    finally:
        db.dispose()
