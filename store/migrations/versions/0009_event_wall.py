"""the event's live wall: public or not, paused, posts hidden or pinned; replies' parents

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
    with op.batch_alter_table("received_mentions") as batch_op:
        batch_op.add_column(sa.Column("in_reply_to", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_received_mentions_in_reply_to", ["in_reply_to"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("received_mentions") as batch_op:
        batch_op.drop_index("ix_received_mentions_in_reply_to")
        batch_op.drop_column("in_reply_to")
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("wall_pinned_at")
        batch_op.drop_column("wall_hidden_at")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("wall_paused_at")
        batch_op.drop_column("wall_public")
