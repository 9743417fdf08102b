"""A second factor for staff (TOTP, issue 15): an account's TOTP secret, the last time step a code
was accepted for (a code is never taken twice), when it was set up, and its single-use recovery
codes, kept only as keyed hashes under a key in staff_keys (made here).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

KEYS = sa.table("staff_keys", sa.column("name", sa.String), sa.column("value", sa.String))


def upgrade() -> None:
    op.add_column("staff_accounts", sa.Column("totp_secret", sa.String(64)))
    op.add_column("staff_accounts", sa.Column("totp_last_step", sa.BigInteger))
    op.add_column("staff_accounts", sa.Column("totp_enrolled_at", sa.DateTime))
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("account_id", "code_hash"),
    )
    op.create_index("ix_staff_recovery_codes_account_id", "staff_recovery_codes", ["account_id"])
    op.bulk_insert(KEYS, [{"name": "recovery_codes", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.execute(KEYS.delete().where(KEYS.c.name == "recovery_codes"))
    op.drop_index("ix_staff_recovery_codes_account_id", "staff_recovery_codes")
    op.drop_table("staff_recovery_codes")
    with op.batch_alter_table("staff_accounts", recreate="never") as batch:
        batch.drop_column("totp_enrolled_at")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
