"""the event's live wall: public or not, paused, and posts hidden or pinned there

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(
            sa.Column("wall_public", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("wall_paused_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("wall_hidden_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("wall_pinned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("wall_pinned_at")
        batch_op.drop_column("wall_hidden_at")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("wall_paused_at")
        batch_op.drop_column("wall_public")
