"""sms conversation: opt-outs, PINs, phone confirmation, held posts, mentions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("word", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone"),
    )
    op.create_table(
        "held_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("platforms", sa.String(length=200), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_messages.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inbound_id"),
    )
    with op.batch_alter_table("held_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_posts_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_held_posts_status"), ["status"], unique=False)

    op.create_table(
        "received_mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=300), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("texted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "remote_id"),
        sa.UniqueConstraint("person_id", "number"),
    )
    with op.batch_alter_table("received_mentions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_received_mentions_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_received_mentions_status"), ["status"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentions_cursor", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("mentions_read_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "check_confidentiality", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("confirm_code_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("confirm_code_sent_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("pin_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("pin_failures", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("posting_locked_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "check_confidentiality", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("platforms", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("undo_replied_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reply_to_mention_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_posts_reply_to_mention_id", "received_mentions", ["reply_to_mention_id"], ["id"]
        )

    # People registered before phones were confirmed keep posting as they did.
    op.execute("UPDATE people SET phone_confirmed_at = created_at")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_posts_reply_to_mention_id", type_="foreignkey")
        batch_op.drop_column("reply_to_mention_id")
        batch_op.drop_column("undo_replied_at")
        batch_op.drop_column("undone_at")
        batch_op.drop_column("platforms")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("check_confidentiality")
        batch_op.drop_column("posting_locked_at")
        batch_op.drop_column("pin_failures")
        batch_op.drop_column("pin_hash")
        batch_op.drop_column("confirm_code_sent_at")
        batch_op.drop_column("confirm_code_hash")
        batch_op.drop_column("phone_confirmed_at")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("check_confidentiality")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("mentions_read_at")
        batch_op.drop_column("mentions_cursor")

    with op.batch_alter_table("received_mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_mentions_status"))
        batch_op.drop_index(batch_op.f("ix_received_mentions_account_id"))

    op.drop_table("received_mentions")
    with op.batch_alter_table("held_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_posts_status"))
        batch_op.drop_index(batch_op.f("ix_held_posts_person_id"))

    op.drop_table("held_posts")
    op.drop_table("opt_outs")
