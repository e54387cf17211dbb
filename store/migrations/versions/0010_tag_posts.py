"""the wall shows public posts on the event's hashtags too

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(
            sa.Column("wall_tag_posts", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "tag_mastodon_server", sa.String(length=300), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("tag_cursors", sa.JSON(), server_default="{}", nullable=False)
        )
        batch_op.add_column(sa.Column("tags_read_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "tag_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=30), nullable=False),
        sa.Column("remote_id", sa.String(length=300), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wall_hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wall_pinned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "platform", "remote_id"),
    )
    op.create_index("ix_tag_posts_event_id", "tag_posts", ["event_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_tag_posts_event_id", table_name="tag_posts")
    op.drop_table("tag_posts")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("tags_read_at")
        batch_op.drop_column("tag_cursors")
        batch_op.drop_column("tag_mastodon_server")
        batch_op.drop_column("wall_tag_posts")
