"""Open chat conversations, held in memory only: their mode, the events sent to the widget, and the
live messages between user and staff. Nothing here is written to disk; a conversation is forgotten
when it is restarted or idle too long."""

import asyncio
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum


class Mode(str, Enum):
    BOT = "bot"          # messages go to the assistant
    WAITING = "waiting"  # a handoff was made; messages go to the staff desk
    HUMAN = "human"      # a hotline worker has taken the case


@dataclass(frozen=True)
class LiveMessage:
    """A message in the live part of a conversation, kept only while the case is open."""

    sender: str  # "user" or "staff"
    text: str
    at: float    # time.time()


@dataclass
class Conversation:
    token: str
    buffer_size: int
    rasa_sender: str = field(default_factory=lambda: secrets.token_urlsafe(16))  # not the widget's token
    mode: Mode = Mode.BOT
    case_code: str | None = None
    waiting_since: float | None = None
    last_active: float = field(default_factory=time.monotonic)
    events: deque = field(init=False)
    live: list[LiveMessage] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one user message at a time
    _seq: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def __post_init__(self) -> None:
        self.events = deque(maxlen=self.buffer_size)

    async def emit(self, type_: str, **fields) -> dict:
        """Add an event for the widget and wake everyone waiting for one."""
        self._seq += 1
        event = {"seq": self._seq, "type": type_, **fields}
        self.events.append(event)
        async with self._changed:
            self._changed.notify_all()
        return event

    def events_after(self, seq: int) -> list[dict]:
        return [event for event in self.events if event["seq"] > seq]

    async def wait_for_events(self, after: int, timeout: float) -> list[dict]:
        """Events after `after`, waiting up to `timeout` seconds for the first one."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._seq > after), timeout)
            except asyncio.TimeoutError:
                pass
        return self.events_after(after)

    @property
    def last_seq(self) -> int:
        return self._seq

    def touch(self) -> None:
        self.last_active = time.monotonic()


class ConversationRegistry:
    """Conversations by their random token, and the live ones by case code."""

    def __init__(self, buffer_size: int, idle_seconds: float) -> None:
        self.buffer_size = buffer_size
        self.idle_seconds = idle_seconds
        self._by_token: dict[str, Conversation] = {}

    def open(self) -> Conversation:
        conversation = Conversation(token=secrets.token_urlsafe(32), buffer_size=self.buffer_size)
        self._by_token[conversation.token] = conversation
        return conversation

    def get(self, token: object) -> Conversation | None:
        """The conversation with this token; None for an unknown token or anything not a string."""
        conversation = self._by_token.get(token) if isinstance(token, str) else None
        if conversation is not None:
            conversation.touch()
        return conversation

    def by_case(self, code: str) -> Conversation | None:
        return next((c for c in self._by_token.values() if c.case_code == code and c.mode is not Mode.BOT), None)

    def live(self) -> list[Conversation]:
        return [c for c in self._by_token.values() if c.mode is not Mode.BOT]

    def close(self, token: str) -> Conversation | None:
        return self._by_token.pop(token, None)

    def forget_idle(self) -> int:
        """Drop conversations idle longer than the limit (not live ones). Returns how many."""
        cutoff = time.monotonic() - self.idle_seconds
        idle = [t for t, c in self._by_token.items() if c.last_active < cutoff and c.mode is Mode.BOT]
        for token in idle:
            del self._by_token[token]
        return len(idle)
