"""Wait until the handoff database (DATABASE_URL) carries this image's newest migration.

The init container of the web app, the action servers and the maintenance process in Kubernetes
(deploy/kubernetes): a new version never starts on a schema the migrate Job (`python -m bot
migrate`) has not made yet. Exit status 0 as soon as the schema is current, or newer than this
image knows (an image rolled back after a migration: migrations are written so that the previous
version still runs on them); 1 after --timeout seconds, naming the revisions, so the pod shows the
reason. An unreachable database is waited for like a missing migration.

    python wait_for_schema.py [--timeout SECONDS] [--interval SECONDS]
"""

import argparse
import logging
import sys
import time

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from bot.store.engine import make_engine
from bot.store.migrate import alembic_config

log = logging.getLogger("wait_for_schema")


def schema_state(url: str | None = None) -> tuple[bool, set[str], set[str]]:
    """(ready, the database's revisions, this image's heads) for `url` (default DATABASE_URL)."""
    script = ScriptDirectory.from_config(alembic_config(url))
    heads = set(script.get_heads())
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    if current == heads:
        return True, current, heads
    for revision in current:
        try:
            script.get_revision(revision)
        except CommandError:  # a revision this image does not know: the database is newer
            return True, current, heads
    return False, current, heads


def wait(timeout: float, interval: float, url: str | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            ready, current, heads = schema_state(url)
            reason = f"the database is at {sorted(current) or 'no revision'}, this image needs {sorted(heads)}"
        except SQLAlchemyError as error:
            ready, reason = False, f"the database does not answer ({type(error).__name__})"
        if ready:
            log.info("The handoff database is ready.")
            return True
        if time.monotonic() >= deadline:
            log.error("Gave up after %.0f s: %s. Run the migrate Job (python -m bot migrate).", timeout, reason)
            return False
        log.info("Waiting: %s.", reason)
        time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait (default 300)")
    parser.add_argument("--interval", type=float, default=5, help="seconds between checks (default 5)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return 0 if wait(args.timeout, args.interval) else 1


if __name__ == "__main__":
    sys.exit(main())
