"""Schema migrations with Alembic, driven from code so no alembic.ini is needed at run time."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.store.engine import normalise_url
from bot.store.settings import database_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolates %; a password may contain one.
    config.set_main_option("sqlalchemy.url", normalise_url(url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (creates the tables on an empty database)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
