"""Log-in throttling (docs/desk-security.md). A try is counted before its password is checked, in
the same step that checks the limits, so concurrent tries cannot all slip under them; a try that
succeeds, or whose password was never checked, is handed back.

Three counts within a sliding window: the username from this address (the pair), the username
from every address, and the address for every username. Only the pair is ever refused. The other
two, when past their limits, lower the pair's allowance to `when_busy`, never to 0, so nobody can
lock an account out from another address, nor an office out by guessing at other accounts.
`LoginThrottle` keeps the counts in this process (one web app instance);
bot.web.redis_state.RedisLoginThrottle keeps them in Redis, shared by every instance, with the
same methods and the same algorithm in one Lua script."""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.staff.settings import ThrottleSettings


@dataclass(frozen=True)
class Attempt:
    """One counted try: the pair, account and address keys it was counted under, and its id."""

    keys: tuple[str, str, str]
    id: str


class TooManyAttempts(Exception):
    """This username from this address must wait `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def new_attempt(username: str, address: str) -> Attempt:
    return Attempt((f"pair:{username}\n{address}", f"account:{username}", f"address:{address}"),
                   secrets.token_hex(8))


def limits_of(settings: ThrottleSettings) -> tuple[int, int, int]:
    """The most tries kept per pair, account and address key."""
    return settings.per_account_and_address, settings.per_account, settings.per_address


class Throttle(Protocol):
    async def attempt(self, username: str, address: str) -> Attempt:
        """Count a try, or raise TooManyAttempts (nothing counted)."""

    async def succeeded(self, attempt: Attempt) -> None:
        """Forget the pair's failures and hand the try back."""

    async def cancel(self, attempt: Attempt) -> None:
        """Hand the try back: its password was never checked."""


class LoginThrottle:
    """Tries per key in this process, oldest first. Meant for one event loop; each method runs
    without awaiting, so a check and its count are one step."""

    def __init__(self, settings: ThrottleSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._window = settings.window_seconds
        self._clock = clock
        self._tries: dict[str, dict[str, float]] = {}
        self._next_sweep = clock() + self._window

    async def attempt(self, username: str, address: str) -> Attempt:
        now = self._clock()
        self._sweep(now)
        attempt = new_attempt(username, address)
        pair, account, place = (self._recent(key, now) for key in attempt.keys)
        settings = self._settings
        busy = len(account) >= settings.per_account or len(place) >= settings.per_address
        allowed = settings.when_busy if busy else settings.per_account_and_address
        if len(pair) >= allowed:
            raise TooManyAttempts(list(pair.values())[-allowed] + self._window - now)
        for key, most in zip(attempt.keys, limits_of(settings)):
            tries = self._tries.setdefault(key, {})
            tries[attempt.id] = now
            while len(tries) > most:
                del tries[next(iter(tries))]
        return attempt

    async def succeeded(self, attempt: Attempt) -> None:
        self._tries.pop(attempt.keys[0], None)
        await self.cancel(attempt)

    async def cancel(self, attempt: Attempt) -> None:
        for key in attempt.keys:
            tries = self._tries.get(key)
            if tries is not None:
                tries.pop(attempt.id, None)
                if not tries:
                    del self._tries[key]

    def _recent(self, key: str, now: float) -> dict[str, float]:
        tries = self._tries.get(key, {})
        for attempt_id, at in list(tries.items()):
            if at > now - self._window:
                break
            del tries[attempt_id]
        if not tries:
            self._tries.pop(key, None)
        return tries

    def _sweep(self, now: float) -> None:
        """Drop keys with no recent tries, once a window, so memory stays bounded."""
        if now < self._next_sweep:
            return
        for key in list(self._tries):
            self._recent(key, now)
        self._next_sweep = now + self._window
