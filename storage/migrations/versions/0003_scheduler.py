"""scheduler: changes of the scheduler issue (recharges, alerts, outbox, lease)

Shared by the recharge/forecast work and the alerts/outbox/scheduler work: each adds its own
operations in its own block below.

Revision ID: 0003_scheduler
Revises: 0002_usage
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_scheduler"
down_revision: str | None = "0002_usage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # -- recharges: the crossing of the trigger an attempt is for --------------------------
    with op.batch_alter_table("recharge_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_version", sa.BigInteger(), nullable=False,
                                      server_default="0"))
    # -- alerts and outbox: alert state on the account, the relay's claim token -------------
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zero_alerted", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("runout_alerted", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token",
                                      sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))


def downgrade() -> None:
    # -- recharges --------------------------------------------------------------------------
    with op.batch_alter_table("recharge_attempts", schema=None) as batch_op:
        batch_op.drop_column("account_version")
    # -- alerts and outbox ------------------------------------------------------------------
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claim_token")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("runout_alerted")
        batch_op.drop_column("zero_alerted")
