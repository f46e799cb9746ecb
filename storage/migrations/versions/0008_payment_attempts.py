"""payment attempts: deposits as durable attempts, the card simulation's own charges table

Deposits become `deposit_attempts` (their confirmation buttons too); `pending_operations` stays
for the other confirmations (adjustments, auto-recharge warnings, posting in a channel).

Revision ID: 0008_payment_attempts
Revises: 0007_spend_rollup
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0008_payment_attempts"
down_revision: str | None = "0007_spend_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deposit_attempts",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("amount_micros", sa.BigInteger(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("memo", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("confirmed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("gateway_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("ledger_entry_id", sa.Integer(), nullable=True),
        sa.Column("check_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["ledger_entry_id"], ["ledger_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("deposit_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_deposit_attempts_due", ["status", "check_at"], unique=False)
    op.create_table(
        "gateway_charges",
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200),
                  nullable=False),
        sa.Column("amount_micros", sa.BigInteger(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("charged_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key"),
    )


def downgrade() -> None:
    op.drop_table("gateway_charges")
    with op.batch_alter_table("deposit_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_deposit_attempts_due")
    op.drop_table("deposit_attempts")
