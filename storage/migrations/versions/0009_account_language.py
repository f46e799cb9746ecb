"""account language: the language of the account's alerts (and of their dates)

`accounts.language` is a Slack-style locale tag, `en-US` or `de-DE`; existing accounts read
English, as they did.

Revision ID: 0009_account_language
Revises: 0008_payment_attempts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_account_language"
down_revision: str | None = "0008_payment_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=False,
                                      server_default="en-US"))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("language")
