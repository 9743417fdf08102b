"""Desk sessions by account: the logged-in account's id in its own indexed column (an account's
sessions are ended without reading every session), visitors' sessions that never logged in
deleted (they are no longer stored), and the desk's shared signing key for the log-in form.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

sessions = sa.table(
    "staff_sessions", sa.column("id_hash", sa.String), sa.column("data", sa.JSON), sa.column("account_id", sa.Integer)
)


def upgrade() -> None:
    op.add_column("staff_sessions", sa.Column("account_id", sa.Integer))
    op.create_index("ix_staff_sessions_account_id", "staff_sessions", ["account_id"])
    connection = op.get_bind()
    for id_hash, data in connection.execute(sa.select(sessions.c.id_hash, sessions.c.data)).all():
        account_id = data.get("account_id") if isinstance(data, dict) else None
        where = sessions.c.id_hash == id_hash
        if isinstance(account_id, int):
            connection.execute(sa.update(sessions).where(where).values(account_id=account_id))
        else:
            connection.execute(sa.delete(sessions).where(where))
    keys = op.create_table(
        "staff_keys",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(128), nullable=False),
    )
    op.bulk_insert(keys, [{"name": "login_csrf", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("staff_keys")
    op.drop_index("ix_staff_sessions_account_id", "staff_sessions")
    with op.batch_alter_table("staff_sessions", recreate="never") as batch:
        batch.drop_column("account_id")
