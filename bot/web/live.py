"""The live part of a handoff: the user waits for staff, staff take the case and write, and the
assistant takes over again. Messages are relayed between the chat and the staff desk through the
conversation store (memory or Redis, never a disk); nothing of what either side writes is stored."""

import asyncio
import time

from bot.web.conversations import Conversation, ConversationStore, LiveMessage, Mode
from bot.web.messages import message

QUEUE_CHANGED = {"type": "queue"}


class DeskHub:
    """The staff desk pages of this process listening for queue changes or one case's messages."""

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
        for code in [code for code, listeners in self._case_listeners.items() if listener in listeners]:
            self._case_listeners[code].discard(listener)
            if not self._case_listeners[code]:
                del self._case_listeners[code]

    def deliver(self, event: dict, case: str | None = None) -> None:
        """Hand an event to the queue pages (case None) or to the pages of one case."""
        listeners = self._queue_listeners if case is None else self._case_listeners.get(case, ())
        for listener in listeners:
            listener.put_nowait(event)


def _live_event(live: LiveMessage) -> dict:
    return {"type": live.sender, "text": live.text, "at": live.at}


class LiveRelay:
    def __init__(self, store: ConversationStore, claim_timeout_seconds: float) -> None:
        self.store = store
        self.claim_timeout_seconds = claim_timeout_seconds

    async def start_waiting(self, conversation: Conversation, code: str) -> None:
        """A handoff was made while the hotline is open: the user now waits for a worker."""
        if conversation.mode is not Mode.BOT and conversation.case_code == code:
            return
        await self.store.update(conversation.token, Mode.WAITING, code, time.time())
        await self.store.emit(conversation.token, "status", mode=Mode.WAITING.value, case_code=code,
                              text=message("waiting", case_code=code))
        await self.store.broadcast(QUEUE_CHANGED)

    async def transcript(self, code: str) -> list[dict] | None:
        """The live messages of a case whose user is still in the chat, else None."""
        conversation = await self.store.by_case(code)
        if conversation is None:
            return None
        return [_live_event(m) for m in await self.store.live_messages(conversation.token)]

    async def live_cases(self) -> set[str]:
        """The case codes whose users are in the chat now."""
        return {c.case_code for c in await self.store.live() if c.case_code}

    async def from_user(self, conversation: Conversation, text: str) -> None:
        live = LiveMessage("user", text, time.time())
        await self.store.add_live_message(conversation.token, live)
        await self.store.broadcast(_live_event(live), case=conversation.case_code)

    async def from_staff(self, code: str, text: str) -> bool:
        """Relay a worker's message; False when the user is no longer in the chat."""
        conversation = await self.store.by_case(code)
        if conversation is None or conversation.mode is not Mode.HUMAN:
            return False
        live = LiveMessage("staff", text, time.time())
        await self.store.add_live_message(conversation.token, live)
        await self.store.emit(conversation.token, "staff", text=text)
        await self.store.broadcast(_live_event(live), case=code)
        return True

    async def claimed(self, code: str) -> None:
        conversation = await self.store.by_case(code)
        if conversation is not None:
            await self.store.update(conversation.token, Mode.HUMAN, code, conversation.waiting_since)
            await self.store.emit(conversation.token, "status", mode=Mode.HUMAN.value, case_code=code,
                                  text=message("claimed"))
        await self.store.broadcast({"type": "presence", "in_chat": conversation is not None}, case=code)
        await self.store.broadcast(QUEUE_CHANGED)

    async def released(self, code: str) -> None:
        conversation = await self.store.by_case(code)
        if conversation is not None:
            await self.store.update(conversation.token, Mode.WAITING, code, time.time())
            await self.store.emit(conversation.token, "status", mode=Mode.WAITING.value, case_code=code,
                                  text=message("released", case_code=code))
        await self.store.broadcast(QUEUE_CHANGED)

    async def resolved(self, code: str) -> None:
        conversation = await self.store.by_case(code)
        if conversation is not None:
            await self._back_to_assistant(conversation, message("resolved"))
        await self.store.broadcast(QUEUE_CHANGED)

    async def user_left(self, conversation: Conversation) -> None:
        """The user started over or closed the conversation while it was live."""
        if conversation.mode is not Mode.BOT:
            await self.store.update(conversation.token, Mode.BOT, conversation.case_code, None)
            await self.store.broadcast({"type": "presence", "in_chat": False}, case=conversation.case_code)
            await self.store.broadcast(QUEUE_CHANGED)

    async def send_waiting_home(self) -> int:
        """Users nobody answered within the claim timeout are told to call with their case code. Every
        instance checks; the conversation's lock and a second look make sure it happens once."""
        sent = 0
        for candidate in await self.store.live():
            if not self._overdue(candidate):
                continue
            async with self.store.lock(candidate.token):
                conversation = await self.store.get(candidate.token)
                if conversation is not None and self._overdue(conversation):
                    code = conversation.case_code
                    await self._back_to_assistant(conversation, message("claim_timeout", case_code=code))
                    await self.store.broadcast({"type": "presence", "in_chat": False}, case=code)
                    sent += 1
        return sent

    def _overdue(self, conversation: Conversation) -> bool:
        cutoff = time.time() - self.claim_timeout_seconds
        return conversation.mode is Mode.WAITING and (conversation.waiting_since or 0) < cutoff

    async def _back_to_assistant(self, conversation: Conversation, text: str) -> None:
        code = conversation.case_code
        await self.store.update(conversation.token, Mode.BOT, code, None)
        await self.store.emit(conversation.token, "status", mode=Mode.BOT.value, case_code=code, text=text)
