"""Redis for the chat-state tests: the server named by TEST_REDIS_URL (each test uses its own key
prefix, so nothing is flushed), or a private redis-server process a test may stop and start."""

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

REDIS_ENV = "TEST_REDIS_URL"
REDIS_MISSING = (
    f"Redis tests not run: set {REDIS_ENV} to a server's URL, e.g. redis://127.0.0.1:6379/15 "
    "(.ci/run sets it)"
)


def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(REDIS_MISSING)
    return url


def unique_prefix() -> str:
    return f"test:{uuid.uuid4().hex[:12]}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisProcess:
    """A redis-server of our own on a free loopback port, keeping nothing on disk unless `options`
    (redis-server's command-line options, after ours) say otherwise."""

    def __init__(self, options: tuple[str, ...] = ()) -> None:
        self.binary = shutil.which("redis-server") or pytest.skip("redis-server is not installed")
        self.options = options
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextmanager
def redis_process(*options: str) -> Iterator[RedisProcess]:
    server = RedisProcess(options)
    server.start()
    try:
        yield server
    finally:
        server.stop()
