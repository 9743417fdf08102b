"""The staff desk: case outcomes, audit actions, monthly counts, staff accounts, desk sessions,
account events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_APPEND_ONLY = """
CREATE TRIGGER staff_events_append_only BEFORE UPDATE ON staff_events
BEGIN SELECT RAISE(ABORT, 'staff_events is append-only'); END
"""

POSTGRES_APPEND_ONLY = [
    """
    CREATE FUNCTION staff_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'staff_events is append-only'; END $$
    """,
    """
    CREATE TRIGGER staff_events_append_only BEFORE UPDATE ON staff_events
    FOR EACH ROW EXECUTE FUNCTION staff_events_append_only()
    """,
]


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy), so the audit table's append-only trigger stays in place.
    op.add_column("handoffs", sa.Column("outcome", sa.String(32)))
    op.add_column("handoff_audit", sa.Column("action", sa.String(32), nullable=False, server_default="status"))
    op.add_column("handoff_audit", sa.Column("detail", sa.String(64)))
    op.create_table(
        "handoff_statistics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.UniqueConstraint("month", "dimension", "value"),
    )
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "staff_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64)),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_APPEND_ONLY:
            op.execute(statement)
    else:
        op.execute(SQLITE_APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER staff_events_append_only ON staff_events")
        op.execute("DROP FUNCTION staff_events_append_only()")
    op.drop_table("staff_events")
    op.drop_table("staff_sessions")
    op.drop_table("staff_accounts")
    op.drop_table("handoff_statistics")
    with op.batch_alter_table("handoff_audit", recreate="never") as batch:
        batch.drop_column("detail")
        batch.drop_column("action")
    with op.batch_alter_table("handoffs", recreate="never") as batch:
        batch.drop_column("outcome")
