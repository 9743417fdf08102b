"""Handoffs and their append-only audit table.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUS = sa.Enum("queued", "claimed", "resolved", "expired", name="handoff_status", native_enum=False, length=16)

SQLITE_APPEND_ONLY = """
CREATE TRIGGER handoff_audit_append_only BEFORE UPDATE ON handoff_audit
BEGIN SELECT RAISE(ABORT, 'handoff_audit is append-only'); END
"""

POSTGRES_APPEND_ONLY = [
    """
    CREATE FUNCTION handoff_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'handoff_audit is append-only'; END $$
    """,
    """
    CREATE TRIGGER handoff_audit_append_only BEFORE UPDATE ON handoff_audit
    FOR EACH ROW EXECUTE FUNCTION handoff_audit_append_only()
    """,
]


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("conversation_hash", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("status", STATUS, nullable=False, index=True),
        sa.Column("status_changed_at", sa.DateTime, nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", sa.DateTime),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("resolved_at", sa.DateTime, index=True),
        sa.Column("role", sa.String(32)),
        sa.Column("age_band", sa.String(32)),
        sa.Column("kommune", sa.String(64)),
        sa.Column("police_district", sa.String(64)),
        sa.Column("sign_groups", sa.JSON, nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("routes", sa.JSON, nullable=False),
        sa.Column("summary", sa.Text),
    )
    op.create_table(
        "handoff_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("from_status", STATUS),
        sa.Column("to_status", STATUS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_APPEND_ONLY:
            op.execute(statement)
    else:
        op.execute(SQLITE_APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER handoff_audit_append_only ON handoff_audit")
        op.execute("DROP FUNCTION handoff_audit_append_only()")
    op.drop_table("handoff_audit")
    op.drop_table("handoffs")
