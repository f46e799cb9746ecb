"""spend rollup: spend per account and calendar day of the calls, and a summary version

`spend_days` holds, per account and day of the calls' start in the account's time zone, what
its call records cost (micro-units), their seconds and their count; it is backfilled here from
`call_records`. `accounts.summary_version` lets a cached balance answer see that it is stale.

Revision ID: 0007_spend_rollup
Revises: 0006_usage_sources
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision: str = "0007_spend_rollup"
down_revision: str | None = "0006_usage_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 10_000


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_version", sa.BigInteger(), nullable=False,
                                      server_default="0"))
    spend_days = op.create_table(
        "spend_days",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("spend_micros", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("seconds", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("calls", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("account_id", "day"),
    )
    _backfill(op.get_bind(), spend_days)


def _backfill(connection: sa.Connection, spend_days: sa.Table) -> None:
    """Sum every account's call records by the local day of their start (a one-off pass: the
    zone rules live in Python's zoneinfo, not in SQLite)."""
    accounts = connection.execute(sa.text("SELECT id, timezone FROM accounts")).all()
    for account_id, timezone in accounts:
        try:
            zone = ZoneInfo(timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        sums: dict[object, list[int]] = defaultdict(lambda: [0, 0, 0])
        result = connection.execute(
            sa.text("SELECT start_at, charge_micros, duration_seconds FROM call_records "
                    "WHERE account_id = :account").columns(start_at=sa.DateTime())
            .execution_options(yield_per=_BATCH), {"account": account_id})
        for start_at, charge, seconds in result:
            day = start_at.replace(tzinfo=UTC).astimezone(zone).date()
            total = sums[day]
            total[0] += int(charge)
            total[1] += int(seconds)
            total[2] += 1
        if sums:
            connection.execute(spend_days.insert(), [
                {"account_id": account_id, "day": day, "spend_micros": spend,
                 "seconds": seconds, "calls": calls}
                for day, (spend, seconds, calls) in sorted(sums.items())])  # type: ignore[type-var]


def downgrade() -> None:
    op.drop_table("spend_days")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("summary_version")
