"""usage: changes of the usage issue to call records and the rate deck (none yet)

Revision ID: 0002_usage
Revises: 0001
"""

from collections.abc import Sequence

revision: str = "0002_usage"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
