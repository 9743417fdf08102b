"""Open chat conversations: their mode, the events sent to the widget and the live messages between
user and staff. Nothing here is written to disk. Two stores keep them: `MemoryConversations` in the
web app's own memory (one instance, `make run`) and `RedisConversations` (bot.web.redis_state),
shared by every instance of the web app. A conversation is forgotten when it is restarted or idle
too long."""

import asyncio
import contextlib
import secrets
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from enum import Enum

from bot.staff.settings import ThrottleSettings
from bot.staff.throttle import LoginThrottle, Throttle
from bot.web.ratelimit import Limiter, RateLimiter


class Mode(str, Enum):
    BOT = "bot"          # messages go to the assistant
    WAITING = "waiting"  # a handoff was made; messages go to the staff desk
    HUMAN = "human"      # a hotline worker has taken the case


class StateUnavailable(Exception):
    """The shared conversation store does not answer (Redis is down or too slow)."""


@dataclass(frozen=True)
class LiveMessage:
    """A message in the live part of a conversation, kept only while the case is open."""

    sender: str  # "user" or "staff"
    text: str
    at: float    # time.time()


@dataclass(frozen=True)
class Conversation:
    """What is known of a conversation when it was read from the store."""

    token: str
    rasa_sender: str  # the assistant's id for the conversation, never the widget's token
    mode: Mode = Mode.BOT
    case_code: str | None = None
    waiting_since: float | None = None
    offer: tuple[str, ...] = ()  # the payloads of the buttons in the assistant's last answer
    cases: tuple[str, ...] = ()  # the case codes handed over from this conversation


def new_conversation() -> Conversation:
    return Conversation(token=secrets.token_urlsafe(32), rasa_sender=secrets.token_urlsafe(16))


class Notifier:
    """Wakes the tasks waiting for new events of a conversation in this process."""

    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._waiting: dict[str, int] = {}
        self._changed = asyncio.Condition()

    @contextlib.contextmanager
    def watching(self, token: str):
        """Watch `token` while inside; yields a function telling whether it changed since entering."""
        self._waiting[token] = self._waiting.get(token, 0) + 1
        self._versions.setdefault(token, 0)
        seen = self._versions[token]
        try:
            yield lambda: self._versions.get(token, 0) != seen
        finally:
            self._waiting[token] -= 1
            if not self._waiting[token]:
                del self._waiting[token], self._versions[token]

    async def wait(self, changed, timeout: float) -> None:
        async with self._changed:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(changed), timeout)

    async def notify(self, token: str | None = None) -> None:
        """Wake the watchers of `token`, or of every conversation (after a lost connection)."""
        for watched in [token] if token is not None else list(self._versions):
            if watched in self._versions:
                self._versions[watched] += 1
        async with self._changed:
            self._changed.notify_all()


class ConversationStore(ABC):
    """Where conversations live. `hub` is this process's staff desk listeners; `broadcast` reaches the
    listeners of every instance."""

    def __init__(self, hub, buffer_size: int, idle_seconds: float) -> None:
        self.hub = hub
        self.buffer_size = buffer_size
        self.idle_seconds = idle_seconds
        self.notifier = Notifier()

    async def start(self) -> None:
        """Connect; called when the web app starts."""

    async def close(self) -> None:
        """Disconnect; called when the web app stops."""

    async def answers(self) -> bool:
        """The store can be used (for the readiness check)."""
        return True

    async def disk_writes(self) -> list[str]:
        """What would write conversations to a disk (for the readiness check): nothing in memory."""
        return []

    @abstractmethod
    async def open(self) -> Conversation: ...

    @abstractmethod
    async def get(self, token: object) -> Conversation | None:
        """The conversation with this token (its idle time starts again); None for an unknown token
        or anything not a string."""

    @abstractmethod
    async def update(self, token: str, mode: Mode, case_code: str | None, waiting_since: float | None) -> None:
        """Set the live state. Back in BOT mode, the live messages are dropped."""

    @abstractmethod
    async def remember_answer(self, token: str, offer: tuple[str, ...], cases: tuple[str, ...]) -> None:
        """Keep what the assistant's last answer offered (its buttons' payloads) and the cases the
        conversation has handed over, for the next message (bot.web.chat)."""

    @abstractmethod
    async def close_conversation(self, token: str) -> None: ...

    @abstractmethod
    async def by_case(self, code: str) -> Conversation | None:
        """The conversation that is live with this case, if the user is still in the chat."""

    @abstractmethod
    async def live(self) -> list[Conversation]:
        """Every conversation waiting for or talking with staff."""

    @abstractmethod
    async def emit(self, token: str, type_: str, **fields) -> dict:
        """Add an event for the widget and wake everyone waiting for one."""

    @abstractmethod
    async def events_after(self, token: str, seq: int) -> list[dict]: ...

    @abstractmethod
    async def acknowledge(self, token: str, seq: int) -> None:
        """The widget has every event up to `seq` (it keeps its own transcript): drop them from the
        buffer, so an idle conversation holds only what its widget may still have to fetch."""

    @abstractmethod
    async def last_seq(self, token: str) -> int: ...

    @abstractmethod
    async def add_live_message(self, token: str, live: LiveMessage) -> None: ...

    @abstractmethod
    async def live_messages(self, token: str) -> list[LiveMessage]: ...

    @abstractmethod
    def lock(self, token: str) -> contextlib.AbstractAsyncContextManager:
        """Held while one user message is handled, so answers come in order."""

    @abstractmethod
    async def broadcast(self, event: dict, case: str | None = None) -> None:
        """Tell the staff desk pages of every instance: the queue (case None) or one case changed."""

    async def forget_idle(self) -> int:
        """Drop conversations idle too long (not live ones); the Redis store lets keys expire."""
        return 0

    @abstractmethod
    def rate_limiter(self, name: str, per_second: float, burst: int) -> Limiter:
        """A token-bucket limiter (`await limiter.retry_after(key)`) kept where the conversations are."""

    @abstractmethod
    def login_throttle(self, settings: ThrottleSettings) -> Throttle:
        """The staff desk's login throttle (bot.staff.throttle), kept where the conversations are."""

    async def wait_for_events(self, token: str, after: int, timeout: float) -> list[dict]:
        """Events after `after`, waiting up to `timeout` seconds for the first one."""
        with self.notifier.watching(token) as changed:
            events = await self.events_after(token, after)
            if not events:
                await self.notifier.wait(changed, timeout)
                events = await self.events_after(token, after)
        return events


@dataclass
class _Held:
    conversation: Conversation
    events: deque
    live: list[LiveMessage] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    seq: int = 0
    last_active: float = field(default_factory=time.monotonic)


class MemoryConversations(ConversationStore):
    """Conversations in this process's memory: for one web app instance."""

    def __init__(self, hub, buffer_size: int, idle_seconds: float) -> None:
        super().__init__(hub, buffer_size, idle_seconds)
        self._held: dict[str, _Held] = {}

    async def open(self) -> Conversation:
        conversation = new_conversation()
        self._held[conversation.token] = _Held(conversation, deque(maxlen=self.buffer_size))
        return conversation

    async def get(self, token: object) -> Conversation | None:
        held = self._held.get(token) if isinstance(token, str) else None
        if held is None:
            return None
        held.last_active = time.monotonic()
        return held.conversation

    async def update(self, token: str, mode: Mode, case_code: str | None, waiting_since: float | None) -> None:
        if held := self._held.get(token):
            held.conversation = replace(held.conversation, mode=mode, case_code=case_code, waiting_since=waiting_since)
            if mode is Mode.BOT:
                held.live = []

    async def remember_answer(self, token: str, offer: tuple[str, ...], cases: tuple[str, ...]) -> None:
        if held := self._held.get(token):
            held.conversation = replace(held.conversation, offer=offer, cases=cases)

    async def close_conversation(self, token: str) -> None:
        self._held.pop(token, None)
        await self.notifier.notify(token)

    async def by_case(self, code: str) -> Conversation | None:
        return next((c for c in await self.live() if c.case_code == code), None)

    async def live(self) -> list[Conversation]:
        return [h.conversation for h in self._held.values() if h.conversation.mode is not Mode.BOT]

    async def emit(self, token: str, type_: str, **fields) -> dict:
        held = self._held.get(token)
        if held is None:
            return {}
        held.seq += 1
        event = {"seq": held.seq, "type": type_, **fields}
        held.events.append(event)
        await self.notifier.notify(token)
        return event

    async def events_after(self, token: str, seq: int) -> list[dict]:
        held = self._held.get(token)
        return [event for event in held.events if event["seq"] > seq] if held else []

    async def acknowledge(self, token: str, seq: int) -> None:
        if held := self._held.get(token):
            while held.events and held.events[0]["seq"] <= seq:
                held.events.popleft()

    async def last_seq(self, token: str) -> int:
        held = self._held.get(token)
        return held.seq if held else 0

    async def add_live_message(self, token: str, live: LiveMessage) -> None:
        if held := self._held.get(token):
            held.live.append(live)

    async def live_messages(self, token: str) -> list[LiveMessage]:
        held = self._held.get(token)
        return list(held.live) if held else []

    @contextlib.asynccontextmanager
    async def lock(self, token: str) -> AsyncIterator[None]:
        held = self._held.get(token)
        if held is None:
            yield
            return
        async with held.lock:
            yield

    async def broadcast(self, event: dict, case: str | None = None) -> None:
        self.hub.deliver(event, case)

    def rate_limiter(self, name: str, per_second: float, burst: int) -> RateLimiter:
        return RateLimiter(per_second, burst)

    def login_throttle(self, settings: ThrottleSettings) -> LoginThrottle:
        return LoginThrottle(settings)

    async def forget_idle(self) -> int:
        cutoff = time.monotonic() - self.idle_seconds
        idle = [t for t, h in self._held.items() if h.last_active < cutoff and h.conversation.mode is Mode.BOT]
        for token in idle:
            del self._held[token]
        return len(idle)
