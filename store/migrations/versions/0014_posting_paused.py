"""a kill switch per event: its posting paused, new posts and those in flight

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(
            sa.Column("posting_paused_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("posting_paused_at")
