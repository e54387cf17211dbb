"""photos an MMS carried, fetched from Twilio and kept without their metadata

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
        sa.ForeignKeyConstraint(["inbound_id"], ["inbound_messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inbound_id", "position"),
    )
    op.create_index("ix_inbound_media_inbound_id", "inbound_media", ["inbound_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_inbound_media_inbound_id", table_name="inbound_media")
    op.drop_table("inbound_media")
