"""The live part of a handoff: the user waits for staff, staff take the case and write, and the
assistant takes over again. Messages are relayed between the chat and the staff desk in memory;
nothing of what either side writes is stored."""

import asyncio
import time

from bot.web.conversations import Conversation, ConversationRegistry, LiveMessage, Mode
from bot.web.messages import message


class DeskHub:
    """Staff desk pages listening for queue changes and for the live messages of one case."""

    def __init__(self) -> None:
        self._queue_listeners: set[asyncio.Queue] = set()
        self._case_listeners: dict[str, set[asyncio.Queue]] = {}

    def listen_to_queue(self) -> asyncio.Queue:
        listener: asyncio.Queue = asyncio.Queue()
        self._queue_listeners.add(listener)
        return listener

    def listen_to_case(self, code: str) -> asyncio.Queue:
        listener: asyncio.Queue = asyncio.Queue()
        self._case_listeners.setdefault(code, set()).add(listener)
        return listener

    def stop_listening(self, listener: asyncio.Queue) -> None:
        self._queue_listeners.discard(listener)
        for listeners in self._case_listeners.values():
            listeners.discard(listener)

    def queue_changed(self) -> None:
        for listener in self._queue_listeners:
            listener.put_nowait({"type": "queue"})

    def case_event(self, code: str, event: dict) -> None:
        for listener in self._case_listeners.get(code, ()):
            listener.put_nowait(event)


def _live_event(live: LiveMessage) -> dict:
    return {"type": live.sender, "text": live.text, "at": live.at}


class LiveRelay:
    def __init__(self, registry: ConversationRegistry, hub: DeskHub, claim_timeout_seconds: float) -> None:
        self.registry = registry
        self.hub = hub
        self.claim_timeout_seconds = claim_timeout_seconds

    async def start_waiting(self, conversation: Conversation, code: str) -> None:
        """A handoff was made while the hotline is open: the user now waits for a worker."""
        if conversation.mode is not Mode.BOT and conversation.case_code == code:
            return
        conversation.mode, conversation.case_code, conversation.waiting_since = Mode.WAITING, code, time.time()
        await conversation.emit("status", mode=Mode.WAITING.value, case_code=code, text=message("waiting", case_code=code))
        self.hub.queue_changed()

    def transcript(self, code: str) -> list[dict] | None:
        """The live messages of a case whose user is still in the chat, else None."""
        conversation = self.registry.by_case(code)
        return [_live_event(m) for m in conversation.live] if conversation else None

    async def from_user(self, conversation: Conversation, text: str) -> None:
        live = LiveMessage("user", text, time.time())
        conversation.live.append(live)
        self.hub.case_event(conversation.case_code, _live_event(live))

    async def from_staff(self, code: str, text: str) -> bool:
        """Relay a worker's message; False when the user is no longer in the chat."""
        conversation = self.registry.by_case(code)
        if conversation is None or conversation.mode is not Mode.HUMAN:
            return False
        live = LiveMessage("staff", text, time.time())
        conversation.live.append(live)
        await conversation.emit("staff", text=text)
        self.hub.case_event(code, _live_event(live))
        return True

    async def claimed(self, code: str) -> None:
        conversation = self.registry.by_case(code)
        if conversation is not None:
            conversation.mode = Mode.HUMAN
            await conversation.emit("status", mode=Mode.HUMAN.value, case_code=code, text=message("claimed"))
        self.hub.case_event(code, {"type": "presence", "in_chat": conversation is not None})
        self.hub.queue_changed()

    async def released(self, code: str) -> None:
        conversation = self.registry.by_case(code)
        if conversation is not None:
            conversation.mode, conversation.waiting_since = Mode.WAITING, time.time()
            await conversation.emit("status", mode=Mode.WAITING.value, case_code=code, text=message("released", case_code=code))
        self.hub.queue_changed()

    async def resolved(self, code: str) -> None:
        conversation = self.registry.by_case(code)
        if conversation is not None:
            await self._back_to_assistant(conversation, message("resolved"))
        self.hub.queue_changed()

    async def user_left(self, conversation: Conversation) -> None:
        """The user started over or closed the conversation while it was live."""
        if conversation.mode is not Mode.BOT:
            code = conversation.case_code
            conversation.mode, conversation.live = Mode.BOT, []
            self.hub.case_event(code, {"type": "presence", "in_chat": False})
            self.hub.queue_changed()

    async def send_waiting_home(self) -> int:
        """Users nobody answered within the claim timeout are told to call with their case code."""
        cutoff = time.time() - self.claim_timeout_seconds
        overdue = [c for c in self.registry.live() if c.mode is Mode.WAITING and (c.waiting_since or 0) < cutoff]
        for conversation in overdue:
            code = conversation.case_code
            await self._back_to_assistant(conversation, message("claim_timeout", case_code=code))
            self.hub.case_event(code, {"type": "presence", "in_chat": False})
        return len(overdue)

    async def _back_to_assistant(self, conversation: Conversation, text: str) -> None:
        code = conversation.case_code
        conversation.mode, conversation.live, conversation.waiting_since = Mode.BOT, [], None
        await conversation.emit("status", mode=Mode.BOT.value, case_code=code, text=text)
