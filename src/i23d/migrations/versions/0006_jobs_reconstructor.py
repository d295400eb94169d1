"""Jobs name the reconstruction backend they need (``jobs.reconstructor``; empty: any worker),
so workers running different backends can share one database: each claims only jobs its
backend can run. Existing jobs were all the classical engine's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("reconstructor", sa.String(64), nullable=False, server_default="")
        )
    op.execute("UPDATE jobs SET reconstructor = 'classical' WHERE kind != 'animate'")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("reconstructor")
