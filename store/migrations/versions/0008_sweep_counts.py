"""the sweeper counts the jobs it gives a stuck text, and fails one after a few

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("inbound_messages") as batch_op:
        batch_op.add_column(sa.Column("sweeps", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_sweep_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbound_messages") as batch_op:
        batch_op.add_column(sa.Column("sweeps", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_sweep_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("outbound_messages") as batch_op:
        batch_op.drop_column("next_sweep_at")
        batch_op.drop_column("sweeps")
    with op.batch_alter_table("inbound_messages") as batch_op:
        batch_op.drop_column("next_sweep_at")
        batch_op.drop_column("sweeps")
