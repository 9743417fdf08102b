"""The backing services of `make run-prod`: PostgreSQL and Redis on this machine.

    backing.py urls       print shell `export` lines: the database URLs and the Redis settings
                          derived from PROD_POSTGRES_URL and PROD_REDIS_URL (values already set
                          in the environment are kept)
    backing.py postgres   check that PROD_POSTGRES_URL answers and create the handoff and tracker
                          databases on that server if they are missing (needs psycopg 3: .venv)
    backing.py redis      check that PROD_REDIS_URL answers PING and keeps nothing on disk: no RDB
                          snapshots (`save`), no append-only file, since the web apps' live chats
                          are held there (needs redis-py: .venv-rasa)

Only the standard library is imported at the top, so each venv can run the part it can.
Exit status 1 with one clear line on stderr when a server does not answer.
"""

import os
import shlex
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

DEFAULTS = {
    "PROD_POSTGRES_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
    "PROD_HANDOFF_DB": "bekymring_handoffs",
    "PROD_TRACKER_DB": "bekymring_tracker",
    "PROD_REDIS_URL": "redis://127.0.0.1:6379/0",
    "LOCK_STORE_DB": "1",
    "CHAT_STATE_DB": "2",
}
CONNECT_TIMEOUT_SECONDS = 3


def setting(name: str) -> str:
    return os.environ.get(name) or DEFAULTS[name]


def with_path(url: str, path: str) -> str:
    """`url` with its path (database name or Redis db number) replaced; query kept."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{path}"))


def derived() -> dict[str, str]:
    admin = setting("PROD_POSTGRES_URL")
    redis_url = urlsplit(setting("PROD_REDIS_URL"))
    if redis_url.scheme not in {"redis", "rediss"}:
        sys.exit(f"PROD_REDIS_URL must be a redis:// URL, not {redis_url.scheme or 'empty'}://")
    lock_db, chat_db = setting("LOCK_STORE_DB"), setting("CHAT_STATE_DB")
    if lock_db == chat_db:
        sys.exit(f"LOCK_STORE_DB and CHAT_STATE_DB must differ (both are {lock_db})")
    values = {
        "DATABASE_URL": with_path(admin, setting("PROD_HANDOFF_DB")),
        "TRACKER_STORE_URL": with_path(admin, setting("PROD_TRACKER_DB")),
        # Rasa's RedisLockStore takes host, port, db and password separately (endpoints.prod.yml).
        "LOCK_STORE_HOST": redis_url.hostname or "127.0.0.1",
        "LOCK_STORE_PORT": str(redis_url.port or 6379),
        "LOCK_STORE_DB": lock_db,
        "LOCK_STORE_PASSWORD": unquote(redis_url.password or ""),
        "CHAT_STATE_URL": with_path(setting("PROD_REDIS_URL"), chat_db),
    }
    return {name: os.environ.get(name) or value for name, value in values.items()}


def print_exports() -> int:
    for name, value in derived().items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def same_server(url_a: str, url_b: str) -> bool:
    a, b = urlsplit(url_a), urlsplit(url_b)
    return (a.hostname or "localhost", a.port or 5432) == (b.hostname or "localhost", b.port or 5432)


def prepare_postgres() -> int:
    import psycopg
    from psycopg import sql

    admin = setting("PROD_POSTGRES_URL")
    parts = urlsplit(admin)
    shown = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"  # no user name or password
    try:
        connection = psycopg.connect(admin, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True)
    except psycopg.Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"PostgreSQL does not answer at PROD_POSTGRES_URL ({shown}): {first_line}", file=sys.stderr)
        return 1
    with connection:
        for name in ("DATABASE_URL", "TRACKER_STORE_URL"):
            url = derived()[name]
            if not url.startswith(("postgresql:", "postgres:", "postgresql+")) or not same_server(url, admin):
                continue  # another server or SQLite: the operator prepares it
            database = unquote(urlsplit(url).path.lstrip("/"))
            exists = connection.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
            if not exists:
                connection.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
                print(f"Created the PostgreSQL database {database} ({name}).")
    return 0


def check_redis() -> int:
    import redis

    url = setting("PROD_REDIS_URL")
    where = urlsplit(url)
    shown = f"{where.hostname}:{where.port or 6379}"
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                      socket_timeout=CONNECT_TIMEOUT_SECONDS, decode_responses=True)
        server.ping()
    except redis.RedisError as error:
        print(f"Redis does not answer at PROD_REDIS_URL ({shown}): {error}", file=sys.stderr)
        return 1
    try:
        save, appendonly = server.config_get("save").get("save", ""), server.config_get("appendonly").get("appendonly")
    except redis.RedisError as error:
        print(f"Redis at PROD_REDIS_URL ({shown}) does not show its persistence settings (CONFIG GET: {error}), so it "
              "cannot be ruled out that it writes the live chats to disk. Use a Redis that allows CONFIG GET.",
              file=sys.stderr)
        return 1
    if save.strip() or appendonly != "no":
        print(f"Redis at PROD_REDIS_URL ({shown}) writes its data to disk (save '{save}', appendonly {appendonly}). "
              "It would hold the live chats between users and hotline staff, which must never reach a disk. "
              "Turn persistence off (redis-cli CONFIG SET save '' and CONFIG SET appendonly no, and the same in "
              "redis.conf), or point PROD_REDIS_URL at a Redis without it.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    commands = {"urls": print_exports, "postgres": prepare_postgres, "redis": check_redis}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(commands)}")
    sys.exit(commands[sys.argv[1]]())
