"""Login throttling: too many failed logins for a key (a username, an IP address) within a sliding
window block further tries for that key until the oldest failure ages out. `LoginThrottle` keeps
the failures in this process (one web app instance); bot.web.redis_state.RedisLoginThrottle keeps
them in Redis, shared by every instance, with the same methods."""

import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol


class Throttle(Protocol):
    async def retry_after(self, *keys: str) -> float: ...

    async def failed(self, *keys: str) -> None: ...

    async def succeeded(self, *keys: str) -> None: ...


class LoginThrottle:
    """Failure times per key in this process. Meant for one event loop; not thread-safe."""

    def __init__(self, max_failures: int, window: timedelta, clock: Callable[[], float] = time.monotonic) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        self._max_failures = max_failures
        self._window = window.total_seconds()
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._next_sweep = clock() + self._window

    async def retry_after(self, *keys: str) -> float:
        """Seconds until a login may be tried again for all of `keys` (0.0 if it may now)."""
        now = self._clock()
        waits = [0.0]
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self._max_failures:
                waits.append(failures[-self._max_failures] + self._window - now)
        return max(waits)

    async def failed(self, *keys: str) -> None:
        """Record one failed login for each key."""
        now = self._clock()
        self._sweep(now)
        for key in keys:
            failures = self._failures.setdefault(key, deque(maxlen=self._max_failures))
            failures.append(now)

    async def succeeded(self, *keys: str) -> None:
        """Forget the failures of each key."""
        for key in keys:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def _sweep(self, now: float) -> None:
        """Drop keys with no recent failures, once a window, so memory stays bounded."""
        if now < self._next_sweep:
            return
        for key in list(self._failures):
            self._recent(key, now)
        self._next_sweep = now + self._window

