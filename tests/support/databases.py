"""Throw-away databases for store tests: a SQLite file, or a fresh PostgreSQL database on the
server named by TEST_POSTGRES_URL (dropped afterwards)."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "TEST_POSTGRES_URL"
POSTGRES_MISSING = (
    f"PostgreSQL tests not run: set {POSTGRES_ENV} to a server's admin URL, "
    "e.g. postgresql://postgres@127.0.0.1:5432/postgres (.ci/run sets it)"
)


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(POSTGRES_MISSING)
    return url


@contextmanager
def fresh_postgres_database(prefix: str = "hotline_test") -> Iterator[str]:
    """Create an empty database; yield its URL; drop it (closing any connection left open)."""
    admin_url = make_url(postgres_admin_url()).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
