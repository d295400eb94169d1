"""Index sessions on (owner_id, id): a key's newest-first page (``GET /image-to-3d-sessions``)
becomes an index range scan instead of sorting all of that key's sessions, which matters for
a catalogue of many thousands of sessions under one key.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_sessions_owner_id_id", "sessions", ["owner_id", "id"], unique=False, if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_owner_id_id", table_name="sessions")
