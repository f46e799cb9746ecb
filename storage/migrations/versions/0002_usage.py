"""usage: changes of the usage issue to call records and the rate deck (none yet)

Revision ID: 0002_usage
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002_usage"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # rates: which load a row came from, and whether it is the bundled sample deck
    with op.batch_alter_table('rates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deck_id', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('deck_source', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sample', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('loaded_at', storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    # rates
    with op.batch_alter_table('rates', schema=None) as batch_op:
        batch_op.drop_column('loaded_at')
        batch_op.drop_column('sample')
        batch_op.drop_column('deck_source')
        batch_op.drop_column('deck_id')
