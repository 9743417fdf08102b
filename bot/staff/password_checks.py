"""Password checks off the event loop, a few at a time. Each argon2id check takes 64 MiB for a
moment, and the process that checks them also serves the public chat: a burst of log-ins gets a
quick "try again shortly" past a small queue rather than memory for every one of them at once."""

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class ChecksBusy(Exception):
    """Every check is running and enough log-ins are already waiting for one."""


class PasswordChecks:
    """At most `at_once` checks running (their threads), at most `waiting` more queued."""

    def __init__(self, at_once: int, waiting: int) -> None:
        if at_once < 1 or waiting < 0:
            raise ValueError("at_once must be at least 1 and waiting at least 0")
        self._threads = ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="password-check")
        self._most = at_once + waiting
        self._admitted = 0
        self._lock = threading.Lock()

    async def run(self, check: Callable[..., T], *args) -> T:
        """`check(*args)` in one of the threads, or ChecksBusy at once if the queue is full."""
        with self._lock:
            if self._admitted >= self._most:
                raise ChecksBusy
            self._admitted += 1
        try:
            future = self._threads.submit(check, *args)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)  # when the thread is done, even if nobody waits
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _finished(self, _: Future | None) -> None:
        with self._lock:
            self._admitted -= 1
