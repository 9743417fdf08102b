"""Staff events name where a request came from by a keyed hash of its address (the key in
staff_keys, made here), never by the address itself.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEYS = sa.table("staff_keys", sa.column("name", sa.String), sa.column("value", sa.String))


def upgrade() -> None:
    op.add_column("staff_events", sa.Column("source", sa.String(64)))
    op.bulk_insert(KEYS, [{"name": "event_addresses", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.execute(KEYS.delete().where(KEYS.c.name == "event_addresses"))
    with op.batch_alter_table("staff_events", recreate="never") as batch:
        batch.drop_column("source")
