"""The model a GPT asks for (provider, model name, temperature); NULL: the server's.

Revision ID: 0007_model
Revises: 0006_stop
Create Date: 2026-11-26 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_model"
down_revision: str | None = "0006_stop"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gpts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("model", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gpts", schema=None) as batch_op:
        batch_op.drop_column("model")
