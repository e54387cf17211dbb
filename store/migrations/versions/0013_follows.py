"""following events by text: follows with their consent, broadcasts, budgets and digests

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_with", sa.String(length=200), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=200), nullable=True),
        sa.Column("code_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=30), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.ForeignKeyConstraint(["inbound_id"], ["inbound_messages.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_follows_event_id", "follows", ["event_id"])
    op.create_index("ix_follows_phone", "follows", ["phone"])
    op.create_index(
        "ux_follows_live",
        "follows",
        ["event_id", "phone"],
        unique=True,
        sqlite_where=sa.text("status != 'ended'"),
        postgresql_where=sa.text("status != 'ended'"),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_broadcasts_event_id", "broadcasts", ["event_id"])
    op.create_index("ix_broadcasts_status", "broadcasts", ["status"])
    with op.batch_alter_table("outbound_messages") as batch_op:
        batch_op.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_outbound_messages_broadcast_id", ["broadcast_id"])
        batch_op.create_foreign_key(
            "fk_outbound_messages_broadcast_id", "broadcasts", ["broadcast_id"], ["id"]
        )
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(
            sa.Column("open_to_followers", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("digest_hours", sa.Integer(), server_default="4", nullable=False)
        )
        batch_op.add_column(sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("budget_warned_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("budget_stopped_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("events") as batch_op:
        for column in (
            "budget_stopped_at",
            "budget_warned_at",
            "last_digest_at",
            "digest_hours",
            "open_to_followers",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("outbound_messages") as batch_op:
        batch_op.drop_constraint("fk_outbound_messages_broadcast_id", type_="foreignkey")
        batch_op.drop_index("ix_outbound_messages_broadcast_id")
        batch_op.drop_column("broadcast_id")
    op.drop_index("ix_broadcasts_status", table_name="broadcasts")
    op.drop_index("ix_broadcasts_event_id", table_name="broadcasts")
    op.drop_table("broadcasts")
    op.drop_index("ux_follows_live", table_name="follows")
    op.drop_index("ix_follows_phone", table_name="follows")
    op.drop_index("ix_follows_event_id", table_name="follows")
    op.drop_table("follows")
