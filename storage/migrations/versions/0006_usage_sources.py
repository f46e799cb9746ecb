"""usage sources: Direct Routing calls marked on call_records; call ids found across sources

Revision ID: 0006_usage_sources
Revises: 0005_graph_sync
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_usage_sources"
down_revision: str | None = "0005_graph_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("route", sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default="calling_plan"))
    # Only records that carry a call id of their own (Teams, Graph) are indexed: CDR rows keep
    # it as their record key, so a CDR import pays nothing for this index.
    op.create_index("ix_call_records_account_call", "call_records", ["account_id", "call_id"],
                    unique=False, sqlite_where=sa.text("call_id IS NOT NULL"),
                    postgresql_where=sa.text("call_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_call_records_account_call", table_name="call_records",
                  sqlite_where=sa.text("call_id IS NOT NULL"),
                  postgresql_where=sa.text("call_id IS NOT NULL"))
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_column("route")
