"""Baseline: the schema the service created before migrations existed (api_keys, sessions,
jobs). A database made by that code (tables, no ``alembic_version``) is stamped at this revision
and upgraded from here.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_keys_key_hash", "api_keys", ["key_hash"], unique=True)
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("public_id", sa.String(length=24), nullable=False),
        sa.Column("output_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("tier_at_creation", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("session_status", sa.String(length=16), nullable=False),
        sa.Column("percent_done", sa.Float(), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=False),
        sa.Column("image_url", sa.Text(), nullable=False),
        sa.Column("input_key", sa.String(length=255), nullable=False),
        sa.Column("preview_mesh", sa.String(length=8), nullable=False),
        sa.Column("pixel_alignment", sa.String(length=16), nullable=False),
        sa.Column("model_resolution", sa.String(length=8), nullable=False),
        sa.Column("diffusion_time_steps", sa.Integer(), nullable=False),
        sa.Column("auto_gen_3d", sa.Boolean(), nullable=False),
        sa.Column("generate_preview_mesh", sa.Boolean(), nullable=False),
        sa.Column("straight_through", sa.Boolean(), nullable=False),
        sa.Column("manual_segmentation", sa.Boolean(), nullable=False),
        sa.Column("topology", sa.String(length=8), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=False),
        sa.Column("texture_resolution", sa.Integer(), nullable=True),
        sa.Column("scaled_bbox", sa.JSON(), nullable=True),
        sa.Column("pivot_point", sa.JSON(), nullable=False),
        sa.Column("spins", sa.JSON(), nullable=False),
        sa.Column("spin_generation", sa.Integer(), nullable=False),
        sa.Column("selected_spin_index", sa.Integer(), nullable=False),
        sa.Column("selected_spin", sa.Text(), nullable=False),
        sa.Column("artifacts", sa.JSON(), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["api_keys.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sessions_code", "sessions", ["code"], unique=True)
    op.create_index("ix_sessions_owner_id", "sessions", ["owner_id"], unique=False)
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=False),
        sa.Column("lease_expires_at", sa.Float(), nullable=False),
        sa.Column("heartbeat_at", sa.Float(), nullable=False),
        sa.Column("deadline_at", sa.Float(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_jobs_session_id", "jobs", ["session_id"], unique=False)
    op.create_index("ix_jobs_state_id", "jobs", ["state", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("sessions")
    op.drop_table("api_keys")
