"""The Redis that holds the live chats keeps nothing on disk (security review, OWASP ASVS 5.0 level
2): the web app's readiness check and `make run-prod`'s backing check refuse one that snapshots or
keeps an append-only file, and say why. Against the machine's Redis (TEST_REDIS_URL), whose `save`
setting a test changes and puts back, and a Redis of the test's own for the append-only file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from bot.web.app import create_app
from bot.web.redis_state import disk_writing_settings
from tests.support.redis_server import redis_process, redis_url
from tests.test_web_health import engine, rasa_like_server  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def machine_redis():
    """The machine's Redis as it is configured: the test runs only where it keeps nothing on disk."""
    url = redis_url()
    server = redis.Redis.from_url(url, decode_responses=True)
    if disk_writing_settings({**server.config_get("save"), **server.config_get("appendonly")}):
        pytest.fail(f"the Redis at {url} already writes to disk; these tests need one that does not")
    yield url, server
    server.close()


@pytest.fixture
def snapshotting_redis(machine_redis):
    """The machine's Redis told to snapshot after an hour (nothing is written while the test runs),
    and its setting put back afterwards."""
    url, server = machine_redis
    before = server.config_get("save")["save"]
    server.config_set("save", "3600 1")
    try:
        yield url
    finally:
        server.config_set("save", before)


@pytest.fixture
def appending_redis(tmp_path):
    """A Redis of the test's own that keeps an append-only file (in the test's directory)."""
    with redis_process("--dir", str(tmp_path), "--appendonly", "yes") as process:
        yield process.url


async def readiness(aiohttp_client, aiohttp_server, engine, state_url: str):  # noqa: F811
    client = await aiohttp_client(create_app(engine, assistant_url=await rasa_like_server(aiohttp_server),
                                             state_url=state_url))
    response = await client.get("/readyz")
    return response.status, await response.json()


async def test_ready_with_a_redis_that_keeps_nothing_on_disk(aiohttp_client, aiohttp_server, engine,  # noqa: F811
                                                           machine_redis):
    status, body = await readiness(aiohttp_client, aiohttp_server, engine, machine_redis[0])
    assert status == 200 and body == {"ready": True, "database": True, "assistant": True, "conversations": True}


async def test_not_ready_while_redis_takes_snapshots_and_it_says_why(aiohttp_client, aiohttp_server, engine,  # noqa: F811
                                                                    snapshotting_redis):
    status, body = await readiness(aiohttp_client, aiohttp_server, engine, snapshotting_redis)
    assert status == 503 and body["ready"] is False and body["conversations"] is False
    assert "save '3600 1'" in body["why"]["conversations"] and "disk" in body["why"]["conversations"]


async def test_not_ready_while_redis_keeps_an_append_only_file(aiohttp_client, aiohttp_server, engine,  # noqa: F811
                                                              appending_redis):
    status, body = await readiness(aiohttp_client, aiohttp_server, engine, appending_redis)
    assert status == 503 and "appendonly yes" in body["why"]["conversations"]


def backing_check(url: str) -> subprocess.CompletedProcess:
    """`make run-prod`'s check of its Redis (scripts/prod_services.sh: prepare_prod_backing)."""
    return subprocess.run([sys.executable, "deploy/local/backing.py", "redis"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PROD_REDIS_URL": url}, timeout=30)


def test_run_prod_starts_with_a_redis_that_keeps_nothing_on_disk(machine_redis):
    result = backing_check(machine_redis[0])
    assert result.returncode == 0, result.stderr


def test_run_prod_refuses_a_redis_that_takes_snapshots_and_says_why(snapshotting_redis):
    result = backing_check(snapshotting_redis)
    assert result.returncode == 1
    assert "writes its data to disk" in result.stderr and "save '3600 1'" in result.stderr


def test_run_prod_refuses_a_redis_that_keeps_an_append_only_file(appending_redis):
    result = backing_check(appending_redis)
    assert result.returncode == 1 and "appendonly yes" in result.stderr
