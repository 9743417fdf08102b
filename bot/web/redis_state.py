"""Conversations in Redis, shared by every instance of the web app (`CHAT_STATE_URL`), so any
instance can serve any request of any conversation. Every key expires after the idle time; Redis
must run without persistence, so nothing of a conversation reaches a disk. One publish/subscribe
channel wakes the waiting requests and the staff desk pages of every instance."""

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator

import redis.asyncio as redis
from redis.exceptions import LockError, RedisError, ResponseError

from bot.staff.settings import ThrottleSettings
from bot.staff.throttle import Attempt, TooManyAttempts, limits_of, new_attempt
from bot.web.conversations import Conversation, ConversationStore, LiveMessage, Mode, StateUnavailable, new_conversation

log = logging.getLogger(__name__)

SOCKET_TIMEOUT_SECONDS = 1.0   # a user hears back within seconds even when Redis hangs
LOCK_SECONDS = 30              # a lock held by an instance that died frees itself after this
RECONNECT_SECONDS = 1.0

# Adds an event with the conversation's next number, keeps the newest `buffer`, refreshes the
# expiry and tells every instance; nothing is added to a conversation that is gone.
EMIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('RPUSH', KEYS[2], '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return seq
"""

# Drops the events up to ARGV[1] (the widget has them). The buffer always ends at the newest event
# and its numbers follow one another, so the newest `seq - ARGV[1]` are the ones to keep.
ACKNOWLEDGE = """
local keep = tonumber(redis.call('HGET', KEYS[1], 'seq') or 0) - tonumber(ARGV[1])
if keep <= 0 then redis.call('DEL', KEYS[2]) else redis.call('LTRIM', KEYS[2], -keep, -1) end
return keep
"""


# A token bucket (see bot.web.ratelimit) on Redis's clock: the seconds to wait, 0 when allowed.
SPEND = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = math.min(burst, (tonumber(bucket[1]) or burst) + (now - (tonumber(bucket[2]) or now)) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


# Log-in tries (bot.staff.throttle) in three sorted sets scored by Redis's clock: the pair, the
# account and the address. KEYS: those three. ARGV: window seconds, the most tries kept per key
# (pair, account, address), the pair's allowance when busy, and the try's id. Checks the pair's
# allowance and counts the try in one step; returns the seconds to wait (0: counted).
ATTEMPT = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local window = tonumber(ARGV[1])
local most = {tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])}
for i = 1, 3 do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window) end
local allowed = most[1]
if redis.call('ZCARD', KEYS[2]) >= most[2] or redis.call('ZCARD', KEYS[3]) >= most[3] then
  allowed = tonumber(ARGV[5])
end
local tries = redis.call('ZRANGE', KEYS[1], -allowed, -1, 'WITHSCORES')
if #tries / 2 >= allowed then return tostring(tonumber(tries[2]) + window - now) end
for i = 1, 3 do
  redis.call('ZADD', KEYS[i], now, ARGV[6])
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -most[i] - 1)
  redis.call('EXPIRE', KEYS[i], math.ceil(window) + 1)
end
return '0'
"""


@contextlib.asynccontextmanager
async def _answering() -> AsyncIterator[None]:
    """Turn any Redis failure into StateUnavailable."""
    try:
        yield
    except (RedisError, OSError, asyncio.TimeoutError) as error:
        raise StateUnavailable(type(error).__name__) from error


class RedisConversations(ConversationStore):
    def __init__(self, url: str, hub, buffer_size: int, idle_seconds: float, prefix: str = "bekymring:chat") -> None:
        super().__init__(hub, buffer_size, idle_seconds)
        self.url = url
        self.prefix = prefix
        self.channel = f"{prefix}:bus"
        self.ttl = max(1, int(idle_seconds))
        self._redis: redis.Redis | None = None
        self._emit = None
        self._listener: asyncio.Task | None = None

    # Keys of one conversation share a hash tag, so they stay together on a Redis cluster.
    def _conversation_key(self, token: str) -> str:
        return f"{self.prefix}:c:{{{token}}}"

    def _events_key(self, token: str) -> str:
        return f"{self.prefix}:e:{{{token}}}"

    def _live_key(self, token: str) -> str:
        return f"{self.prefix}:l:{{{token}}}"

    def _case_key(self, code: str) -> str:
        return f"{self.prefix}:case:{code}"

    def _login_key(self, key: str) -> str:
        """One hash tag for every log-in key: a try's three keys meet in one script on a cluster."""
        return f"{self.prefix}:{{login}}:{_digest(key)}"

    @property
    def _live_index(self) -> str:
        return f"{self.prefix}:live"

    async def start(self) -> None:
        self._redis = redis.from_url(
            self.url, decode_responses=True, socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS, health_check_interval=15,
        )
        self._emit = self._redis.register_script(EMIT)
        self._acknowledge = self._redis.register_script(ACKNOWLEDGE)
        self._spend = self._redis.register_script(SPEND)
        self._attempt = self._redis.register_script(ATTEMPT)
        self._listener = asyncio.create_task(self._listen())

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._redis is not None:
            await self._redis.aclose()

    async def answers(self) -> bool:
        async with _answering():
            return bool(await self._redis.ping())

    async def disk_writes(self) -> list[str]:
        """Redis's snapshot (`save`) and append-only file settings that would put conversations on a
        disk; a Redis that will not tell (CONFIG GET renamed or not permitted) counts as writing."""
        try:
            async with _answering():
                config = {**await self._redis.config_get("save"), **await self._redis.config_get("appendonly")}
        except StateUnavailable as error:
            if isinstance(error.__cause__, ResponseError):
                return ["CONFIG GET is refused, so snapshots and the append-only file cannot be ruled out"]
            raise
        return disk_writing_settings(config)

    async def _listen(self) -> None:
        """Deliver what any instance publishes to this process's waiting requests and desk pages."""
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                await self.notifier.notify()  # events may have been missed while disconnected
                while True:
                    message = await pubsub.get_message(timeout=SOCKET_TIMEOUT_SECONDS)
                    if message is not None:
                        await self._deliver(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001  keep listening whatever the failure
                log.warning("chat state: lost the Redis channel (%s); reconnecting", type(error).__name__)
                await asyncio.sleep(RECONNECT_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _deliver(self, message: dict) -> None:
        if "token" in message:
            await self.notifier.notify(message["token"])
        else:
            self.hub.deliver(message["event"], message.get("case"))

    async def open(self) -> Conversation:
        conversation = new_conversation()
        key = self._conversation_key(conversation.token)
        async with _answering():
            await self._redis.pipeline().hset(key, mapping={
                "sender": conversation.rasa_sender, "mode": Mode.BOT.value, "seq": 0,
            }).expire(key, self.ttl).execute()
        return conversation

    async def get(self, token: object) -> Conversation | None:
        if not isinstance(token, str) or not token:
            return None
        async with _answering():
            pipe = self._redis.pipeline()
            pipe.hgetall(self._conversation_key(token))
            for key in (self._conversation_key(token), self._events_key(token), self._live_key(token)):
                pipe.expire(key, self.ttl)
            fields, *_ = await pipe.execute()
        return _conversation(token, fields)

    async def update(self, token: str, mode: Mode, case_code: str | None, waiting_since: float | None) -> None:
        key = self._conversation_key(token)
        async with _answering():
            if not await self._redis.exists(key):
                return
            pipe = self._redis.pipeline()
            pipe.hset(key, mapping={"mode": mode.value, "case": case_code or "", "since": waiting_since or ""})
            if mode is Mode.BOT:
                pipe.delete(self._live_key(token)).hdel(self._live_index, token)
                if case_code:
                    pipe.delete(self._case_key(case_code))
            else:
                pipe.hset(self._live_index, token, case_code or "")
                pipe.set(self._case_key(case_code), token, ex=self.ttl)
            await pipe.execute()

    async def remember_answer(self, token: str, offer: tuple[str, ...], cases: tuple[str, ...]) -> None:
        key = self._conversation_key(token)
        async with _answering():
            if await self._redis.exists(key):  # ended meanwhile: a stub without a sender expires unread
                await self._redis.pipeline().hset(key, mapping={
                    "offer": json.dumps(offer, ensure_ascii=False), "cases": " ".join(cases),
                }).expire(key, self.ttl).execute()

    async def close_conversation(self, token: str) -> None:
        async with _answering():
            conversation = _conversation(token, await self._redis.hgetall(self._conversation_key(token)))
            pipe = self._redis.pipeline()
            pipe.delete(self._conversation_key(token), self._events_key(token), self._live_key(token))
            pipe.hdel(self._live_index, token)
            if conversation is not None and conversation.case_code:
                pipe.delete(self._case_key(conversation.case_code))
            pipe.publish(self.channel, json.dumps({"token": token}))
            await pipe.execute()

    async def by_case(self, code: str) -> Conversation | None:
        async with _answering():
            token = await self._redis.get(self._case_key(code))
            if not token:
                return None
            conversation = _conversation(token, await self._redis.hgetall(self._conversation_key(token)))
            if conversation is None or conversation.mode is Mode.BOT or conversation.case_code != code:
                return None
            await self._redis.expire(self._case_key(code), self.ttl)
        return conversation

    async def live(self) -> list[Conversation]:
        async with _answering():
            tokens = list(await self._redis.hkeys(self._live_index))
            pipe = self._redis.pipeline()
            for token in tokens:
                pipe.hgetall(self._conversation_key(token))
            found = [_conversation(token, fields) for token, fields in zip(tokens, await pipe.execute())]
            gone = [token for token, conversation in zip(tokens, found) if conversation is None]
            if gone:  # expired while live: the user left long ago
                await self._redis.hdel(self._live_index, *gone)
        return [c for c in found if c is not None and c.mode is not Mode.BOT]

    async def emit(self, token: str, type_: str, **fields) -> dict:
        body = json.dumps({"type": type_, **fields}, ensure_ascii=False)
        async with _answering():
            seq = await self._emit(
                keys=[self._conversation_key(token), self._events_key(token)],
                args=[body, self.buffer_size, self.ttl, self.channel, json.dumps({"token": token})],
            )
        return {"seq": int(seq), "type": type_, **fields} if seq else {}

    async def events_after(self, token: str, seq: int) -> list[dict]:
        async with _answering():
            stored = await self._redis.lrange(self._events_key(token), 0, -1)
        return [event for event in map(json.loads, stored) if event["seq"] > seq]

    async def acknowledge(self, token: str, seq: int) -> None:
        async with _answering():
            await self._acknowledge(keys=[self._conversation_key(token), self._events_key(token)], args=[seq])

    async def last_seq(self, token: str) -> int:
        async with _answering():
            return int(await self._redis.hget(self._conversation_key(token), "seq") or 0)

    async def add_live_message(self, token: str, live: LiveMessage) -> None:
        key = self._live_key(token)
        async with _answering():
            await self._redis.pipeline().rpush(key, json.dumps(live.__dict__, ensure_ascii=False)).expire(
                key, self.ttl).execute()

    async def live_messages(self, token: str) -> list[LiveMessage]:
        async with _answering():
            stored = await self._redis.lrange(self._live_key(token), 0, -1)
        return [LiveMessage(**json.loads(item)) for item in stored]

    @contextlib.asynccontextmanager
    async def lock(self, token: str) -> AsyncIterator[None]:
        lock = self._redis.lock(f"{self._conversation_key(token)}:lock", timeout=LOCK_SECONDS,
                                blocking_timeout=LOCK_SECONDS / 3)
        async with _answering():
            if not await lock.acquire():
                raise StateUnavailable("the conversation stayed locked")
        try:
            yield
        finally:
            with contextlib.suppress(LockError, RedisError, OSError):
                await lock.release()

    def rate_limiter(self, name: str, per_second: float, burst: int) -> "RedisRateLimiter":
        return RedisRateLimiter(self, name, per_second, burst)

    def login_throttle(self, settings: ThrottleSettings) -> "RedisLoginThrottle":
        return RedisLoginThrottle(self, settings)

    async def count_attempt(self, attempt: Attempt, settings: ThrottleSettings) -> float:
        """Seconds the try must wait (0.0: it was counted)."""
        args = [settings.window_seconds, *limits_of(settings), settings.when_busy, attempt.id]
        async with _answering():
            return float(await self._attempt(keys=[self._login_key(key) for key in attempt.keys], args=args))

    async def uncount_attempt(self, attempt: Attempt, forget_pair: bool) -> None:
        """Hand a try back; with `forget_pair`, the pair's earlier failures too."""
        keys = [self._login_key(key) for key in attempt.keys]
        pipe = self._redis.pipeline()
        if forget_pair:
            pipe.delete(keys[0])
        else:
            pipe.zrem(keys[0], attempt.id)
        pipe.zrem(keys[1], attempt.id).zrem(keys[2], attempt.id)
        async with _answering():
            await pipe.execute()

    async def spend(self, bucket: str, per_second: float, burst: int) -> float:
        async with _answering():
            return float(await self._spend(keys=[f"{self.prefix}:limit:{bucket}"], args=[per_second, burst]))

    async def broadcast(self, event: dict, case: str | None = None) -> None:
        async with _answering():
            await self._redis.publish(self.channel, json.dumps({"event": event, "case": case}, ensure_ascii=False))


class RedisRateLimiter:
    """The same token buckets as bot.web.ratelimit, shared by every instance. Keys (client addresses,
    tokens) are stored only as hashes."""

    def __init__(self, store: RedisConversations, name: str, per_second: float, burst: int) -> None:
        self.store, self.name, self.per_second, self.burst = store, name, per_second, burst

    async def retry_after(self, key: str) -> float:
        return await self.store.spend(f"{self.name}:{_digest(key)}", self.per_second, self.burst)

    def forget_full(self) -> None:
        """Full buckets expire in Redis by themselves."""


class RedisLoginThrottle:
    """The staff desk's log-in throttle (bot.staff.throttle) shared by every instance, so more
    instances do not mean more tries. Keys (usernames, addresses) are stored only as hashes."""

    def __init__(self, store: RedisConversations, settings: ThrottleSettings) -> None:
        self.store, self.settings = store, settings

    async def attempt(self, username: str, address: str) -> Attempt:
        attempt = new_attempt(username, address)
        if (wait := await self.store.count_attempt(attempt, self.settings)) > 0:
            raise TooManyAttempts(wait)
        return attempt

    async def succeeded(self, attempt: Attempt) -> None:
        await self.store.uncount_attempt(attempt, forget_pair=True)

    async def cancel(self, attempt: Attempt) -> None:
        await self.store.uncount_attempt(attempt, forget_pair=False)


def disk_writing_settings(config: dict[str, str]) -> list[str]:
    """Of Redis's `save` and `appendonly` settings (CONFIG GET), those that write its data to disk."""
    found = []
    if config.get("save", "").strip():
        found.append(f"save {config['save'].strip()!r}")
    if config.get("appendonly", "no").strip().lower() != "no":
        found.append("appendonly yes")
    return found


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _conversation(token: str, fields: dict) -> Conversation | None:
    if "sender" not in fields:
        return None
    return Conversation(
        token=token,
        rasa_sender=fields["sender"],
        mode=Mode(fields.get("mode", Mode.BOT.value)),
        case_code=fields.get("case") or None,
        waiting_since=float(fields["since"]) if fields.get("since") else None,
        offer=tuple(json.loads(fields.get("offer") or "[]")),
        cases=tuple((fields.get("cases") or "").split()),
    )
