"""delivery parts, retry times and timeline replies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table(
        "delivery_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("remote_id", sa.String(length=300), nullable=True),
        sa.Column("remote_url", sa.Text(), nullable=True),
        sa.Column("cid", sa.String(length=200), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id", "position"),
    )
    with op.batch_alter_table("delivery_parts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_parts_delivery_id"), ["delivery_id"], unique=False
        )

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column(
            "remote_id",
            existing_type=sa.VARCHAR(length=200),
            type_=sa.String(length=300),
            existing_nullable=True,
        )

    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_timeline_entries_reply_to_id", "timeline_entries", ["reply_to_id"], ["id"]
        )


def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_constraint("fk_timeline_entries_reply_to_id", type_="foreignkey")
        batch_op.drop_column("reply_to_id")

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("retry_at")
        batch_op.alter_column(
            "remote_id",
            existing_type=sa.String(length=300),
            type_=sa.VARCHAR(length=200),
            existing_nullable=True,
        )

    with op.batch_alter_table("delivery_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_parts_delivery_id"))

    op.drop_table("delivery_parts")
