"""photos an MMS carried: fetched from Twilio, kept without metadata, posted with alt text

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "inbound_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("twilio_url", sa.Text(), nullable=False),
        sa.Column("declared_type", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("problem", sa.String(length=200), server_default="", nullable=False),
        sa.Column("content_type", sa.String(length=50), server_default="", nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("width", sa.Integer(), server_default="0", nullable=False),
        sa.Column("height", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at_twilio", sa.DateTime(timezone=True), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("alt_text", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["inbound_id"], ["inbound_messages.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inbound_id", "position"),
    )
    op.create_index("ix_inbound_media_inbound_id", "inbound_media", ["inbound_id"])
    op.create_index("ix_inbound_media_post_id", "inbound_media", ["post_id"])
    op.create_table(
        "timeline_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["timeline_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "position"),
    )
    op.create_index("ix_timeline_images_entry_id", "timeline_images", ["entry_id"])
    with op.batch_alter_table("held_posts") as batch_op:
        batch_op.add_column(
            sa.Column("waiting_for", sa.String(length=20), server_default="yes", nullable=False)
        )
    with op.batch_alter_table("inbound_messages") as batch_op:
        batch_op.add_column(
            sa.Column("num_media", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("photos", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(
            sa.Column("photos_posted", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(
            sa.Column("hold_photos", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("photos_posted")
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("photos")
    with op.batch_alter_table("inbound_messages") as batch_op:
        batch_op.drop_column("num_media")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("hold_photos")
    with op.batch_alter_table("held_posts") as batch_op:
        batch_op.drop_column("waiting_for")
    op.drop_index("ix_timeline_images_entry_id", table_name="timeline_images")
    op.drop_table("timeline_images")
    op.drop_index("ix_inbound_media_post_id", table_name="inbound_media")
    op.drop_index("ix_inbound_media_inbound_id", table_name="inbound_media")
    op.drop_table("inbound_media")
