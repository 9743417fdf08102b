"""Per-client rate limits for the public endpoints: token buckets held in memory (one web app
instance; bot.web.redis_state has the shared kind), and the key a client's address counts under."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv6Network, ip_address
from typing import Protocol


def address_key(address: str | None, ipv6_prefix_length: int) -> str:
    """What a client's address is limited as: an IPv4 address as itself; an IPv6 address as its
    network of `ipv6_prefix_length` bits, since one household or office is given a whole /64 to pick
    addresses from; and every loopback address as one machine (127.0.0.2 is 127.0.0.1)."""
    try:
        parsed = ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if parsed.version == 6 and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    if parsed.is_loopback:
        return "loopback"
    if parsed.version == 6:
        return str(IPv6Network((int(parsed), ipv6_prefix_length), strict=False))
    return str(parsed)


class Limiter(Protocol):
    async def retry_after(self, key: str) -> float: ...

    def forget_full(self) -> None: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Each key may spend `burst` actions at once, refilled at `per_second`."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    async def retry_after(self, key: str) -> float:
        """Spend one action for `key`: 0.0 if allowed, else the seconds until one is."""
        now = self.clock()
        bucket = self._buckets.get(key) or _Bucket(tokens=self.burst, updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        self._buckets[key] = bucket
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def forget_full(self) -> None:
        """Drop buckets that have refilled, so memory does not grow with every client ever seen."""
        now = self.clock()
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.per_second >= self.burst]
        for key in full:
            del self._buckets[key]
