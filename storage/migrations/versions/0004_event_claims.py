"""event claims: a lease on each Slack event claim, and the DM imports that are running

A claim whose holder died before answering lapses, so that Slack's retry is answered; an import
that a crash interrupted is reported to its admin.

Revision ID: 0004_event_claims
Revises: 0003_scheduler
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0004_event_claims"
down_revision: str | None = "0003_scheduler"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Claims made before this revision keep lease_until NULL: they count as answered.
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", storage.types.UTCDateTime(), nullable=True))
    op.create_table("running_imports",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("account_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column("notice", sa.Text(), nullable=False),
    sa.Column("started_at", storage.types.UTCDateTime(), nullable=False),
    sa.Column("heartbeat_at", storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("running_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_running_imports_heartbeat_at"), ["heartbeat_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("running_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_running_imports_heartbeat_at"))
    op.drop_table("running_imports")
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
