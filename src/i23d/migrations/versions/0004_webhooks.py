"""Push instead of poll: a webhook URL on sessions and keys, a per-key webhook secret, the base
URL a session was created through, and the table of webhook deliveries (the persisted queue the
deliverer drains, and the record of every attempt).

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as table:
        table.add_column(sa.Column("webhook_url", sa.Text(), nullable=False, server_default=""))
        table.add_column(
            sa.Column("webhook_secret", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("sessions") as table:
        table.add_column(sa.Column("webhook_url", sa.Text(), nullable=False, server_default=""))
        table.add_column(sa.Column("base_url", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_webhook_deliveries_session_id", "webhook_deliveries", ["session_id"], unique=False
    )
    op.create_index(
        "ix_webhook_deliveries_state_due",
        "webhook_deliveries",
        ["state", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("sessions") as table:
        table.drop_column("base_url")
        table.drop_column("webhook_url")
    with op.batch_alter_table("api_keys") as table:
        table.drop_column("webhook_secret")
        table.drop_column("webhook_url")
