"""graph sync: the Microsoft 365 connection's high-water mark and last run per account

Revision ID: 0005_graph_sync
Revises: 0004_event_claims
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0005_graph_sync"
down_revision: str | None = "0004_event_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "graph_sync",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("high_water_at", UTCDateTime(), nullable=True),
        sa.Column("last_started_at", UTCDateTime(), nullable=True),
        sa.Column("last_finished_at", UTCDateTime(), nullable=True),
        sa.Column("windows", sa.Text(), server_default="", nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("new_calls", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("direct_routing_rows", sa.Integer(), nullable=False),
        sa.Column("charged_micros", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_since", UTCDateTime(), nullable=True),
        sa.Column("retry_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("graph_sync")
