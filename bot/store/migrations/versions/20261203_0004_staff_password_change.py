"""Staff accounts whose password an admin chose: marked, so the desk asks for a new one at the
first log-in. Existing accounts keep their passwords unmarked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "staff_accounts",
        sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts", recreate="never") as batch:
        batch.drop_column("must_change_password")
