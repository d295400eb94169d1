"""Alembic migrations on SQLite and a real PostgreSQL: fresh databases, databases made before
migrations existed, databases at an older revision, and many processes starting at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from i23d.migrations import BASELINE, alembic_config, head_revision, upgrade_schema
from i23d.sessions.model import Base
from i23d.sessions.store import Database
from tests.conftest import migrated_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scale)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return revision


def _index_names(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    names = {index["name"] for index in inspect(engine).get_indexes(table)}
    engine.dispose()
    return names


def _seed_baseline_rows(url: str) -> None:
    """One key, one session and one job, written with plain SQL as the old code stored them."""
    engine = create_engine(url)
    now = time.time()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_keys (id, key_hash, prefix, tier, user_id, created_at, revoked) "
                "VALUES (1, :h, 'i23d_abc', 'standard', 'user0000000001', :now, false)"
            ),
            {"h": "a" * 64, "now": now},
        )
        connection.execute(
            text(
                "INSERT INTO sessions (id, code, public_id, output_id, owner_id, tier_at_creation, "
                "status, session_status, percent_done, failure_reason, image_url, input_key, "
                "preview_mesh, pixel_alignment, model_resolution, diffusion_time_steps, "
                "auto_gen_3d, generate_preview_mesh, straight_through, manual_segmentation, "
                "topology, resolution, texture_resolution, scaled_bbox, pivot_point, spins, "
                "spin_generation, selected_spin_index, selected_spin, artifacts, is_deleted, "
                "created_at, updated_at) VALUES (1, 'SESSION_1_0000001', 'p', 'o', 1, 'standard', "
                "'spin_generate_done', 'incomplete', 100, '', 'https://x/y.png', "
                "'SESSION_1_0000001/input/image.png', 'turbo', 'highest', 'high', 20, "
                "false, false, false, false, '', '', NULL, NULL, '[0, 0, 0]', '[]', 1, 0, '', "
                '\'{"mp4_url": "k"}\', false, :now, :now)'
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO jobs (id, session_id, kind, state, payload, attempts, max_attempts, "
                "lease_owner, lease_expires_at, heartbeat_at, deadline_at, created_at, started_at, "
                "finished_at, error) VALUES (1, 1, 'spins', 'done', '{\"generation\": 1}', 1, 2, "
                "'w', 0, 0, 0, :now, :now, :now, '')"
            ),
            {"now": now},
        )
    engine.dispose()


def _assert_rows_survived(db: Database) -> None:
    with db.engine.connect() as connection:
        code, artifacts = connection.execute(
            text("SELECT code, artifacts FROM sessions WHERE id = 1")
        ).one()
        job_state = connection.execute(text("SELECT state FROM jobs WHERE id = 1")).scalar()
        keys = connection.execute(text("SELECT count(*) FROM api_keys")).scalar()
    assert code == "SESSION_1_0000001"
    assert "mp4_url" in (artifacts if isinstance(artifacts, dict) else artifacts)
    assert job_state == "done" and keys == 1


def test_fresh_database_is_created_at_head_and_matches_the_models(database_url: str) -> None:
    db = migrated_database(database_url)
    try:
        assert _revision(database_url) == head_revision()
        with db.engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diffs == [], (
            "the models differ from the migrated schema; add a revision under "
            f"src/i23d/migrations/versions: {diffs}"
        )
        assert "ix_sessions_owner_id_id" in _index_names(database_url, "sessions")
    finally:
        db.dispose()


def test_migration_chain_builds_the_same_schema_as_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        with connection.begin():
            command.upgrade(config, "head")
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diffs == []


def test_database_from_before_migrations_is_adopted_in_place(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:  # the old code's schema, with no alembic_version
        config = alembic_config()
        config.attributes["connection"] = connection
        with connection.begin():
            command.upgrade(config, BASELINE)
            connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    _seed_baseline_rows(database_url)
    assert "ix_sessions_owner_id_id" not in _index_names(database_url, "sessions")

    db = migrated_database(database_url)
    try:
        assert _revision(database_url) == head_revision()
        assert "ix_sessions_owner_id_id" in _index_names(database_url, "sessions")
        _assert_rows_survived(db)
    finally:
        db.dispose()


def test_database_at_an_older_revision_is_upgraded(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        with connection.begin():
            command.upgrade(config, BASELINE)
        assert upgrade_schema(connection) == "upgraded"
        assert upgrade_schema(connection) == "current"
    engine.dispose()
    assert _revision(database_url) == head_revision()


def test_many_processes_starting_at_once_migrate_once(postgres_url: str) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            engine = create_engine(postgres_url)
            with engine.connect() as connection:
                results.append(upgrade_schema(connection))
            engine.dispose()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(results) == ["created"] + ["current"] * 5


def test_upgrade_takes_data_uris_out_of_session_rows(database_url: str) -> None:
    """0005: a data: URI kept whole in sessions.image_url is cleared (the image is in storage
    under input_key); a deleted session keeps neither its image_url nor its selected_spin."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        with connection.begin():
            command.upgrade(config, "0002")
    engine.dispose()
    _seed_baseline_rows(database_url)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE sessions SET image_url = :uri"),
            {"uri": "data:image/png;base64," + "QUJD" * 5000},
        )
        connection.execute(
            text(
                "INSERT INTO sessions SELECT 2, 'SESSION_1_0000002', public_id, output_id, "
                "owner_id, tier_at_creation, status, session_status, percent_done, failure_reason, "
                "'https://example.com/me.jpg', input_key, preview_mesh, pixel_alignment, "
                "model_resolution, diffusion_time_steps, auto_gen_3d, generate_preview_mesh, "
                "straight_through, manual_segmentation, topology, resolution, texture_resolution, "
                "scaled_bbox, pivot_point, spins, spin_generation, selected_spin_index, "
                "'https://x/files/t/spin_1.mp4', artifacts, true, created_at, updated_at "
                "FROM sessions WHERE id = 1"
            )
        )
    engine.dispose()
    db = migrated_database(database_url)
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, image_url, selected_spin FROM sessions ORDER BY id")
            ).all()
        assert [tuple(r) for r in rows] == [(1, "", ""), (2, "", "")]
        _assert_rows_survived(db)
    finally:
        db.dispose()
