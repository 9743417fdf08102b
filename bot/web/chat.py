"""What happens to a user's message: checked, then answered by the assistant, or relayed to the
hotline worker while the conversation is live. Message text is never logged."""

import logging
import re
import sys
import unicodedata
from collections.abc import Callable
from datetime import datetime, timezone

from bot.knowledge.contacts import route
from bot.store.records import normalise_case_code
from bot.web.conversations import Conversation, ConversationStore, Mode
from bot.web.live import LiveRelay
from bot.web.messages import message
from bot.web.metrics import ASSISTANT_LATENCY, ERRORS, HANDOFFS, MESSAGES
from bot.web.rasa import AssistantUnavailable, RasaClient
from bot.web.settings import ChatSettings

log = logging.getLogger(__name__)

PAYLOAD = re.compile(r"/[a-z_]{1,64}(\{.{0,200}\})?")  # a quick reply's intent payload
SESSION_START = "/session_start"


def clean_text(text: str) -> str:
    """Drop control and format characters (but keep line breaks and tabs); trim."""
    return "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    ).strip()


class ChatService:
    def __init__(
        self, store: ConversationStore, relay: LiveRelay, rasa: RasaClient, settings: ChatSettings,
        always_open: bool = False, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.store = store
        self.relay = relay
        self.rasa = rasa
        self.settings = settings
        self.always_open = always_open  # live chat at any hour (LIVE_CHAT_HOURS=always)
        self.clock = clock

    async def greet(self, conversation: Conversation) -> None:
        """The assistant's introduction, once, when the widget first connects."""
        async with self.store.lock(conversation.token):
            if await self.store.last_seq(conversation.token) == 0:
                await self._ask_assistant(conversation, SESSION_START)

    async def receive(self, conversation: Conversation, text: object, payload: object = None, channel: str = "http") -> None:
        """Handle one message from the user; the answers are emitted as events. StateUnavailable
        when the conversation store does not answer."""
        handled_by = await self._handle(conversation, text, payload)
        MESSAGES.labels(channel=channel, handled_by=handled_by).inc()

    async def _handle(self, conversation: Conversation, text: object, payload: object) -> str:
        if not isinstance(text, str) or (payload is not None and not isinstance(payload, str)):
            await self.store.emit(conversation.token, "notice", text=message("unreadable"))
            return "refused"
        text = clean_text(text)
        if payload is not None and not PAYLOAD.fullmatch(payload):
            payload = None
        if not text and payload is None:
            await self.store.emit(conversation.token, "notice", text=message("empty"))
            return "refused"
        if len(text) > self.settings.max_message_chars:
            await self.store.emit(conversation.token, "notice", text=message("too_long", max_chars=self.settings.max_message_chars))
            return "refused"
        if conversation.mode is not Mode.BOT:
            await self.relay.from_user(conversation, text)
            return "staff"
        async with self.store.lock(conversation.token):
            await self._ask_assistant(conversation, payload or text)
        return "assistant"

    async def restart(self, conversation: Conversation) -> Conversation:
        """End a conversation ("Start forfra") and open a new one."""
        await self.relay.user_left(conversation)
        await self.store.close_conversation(conversation.token)
        return await self.store.open()

    async def _ask_assistant(self, conversation: Conversation, text: str) -> None:
        try:
            with ASSISTANT_LATENCY.time():
                replies = await self.rasa.send(conversation.rasa_sender, text)
        except AssistantUnavailable as error:
            log.warning("assistant unavailable: %s", error)
            ERRORS.labels(reason="assistant_unavailable").inc()
            await self.store.emit(conversation.token, "notice", text=message("assistant_unavailable"))
            return
        shown = 0
        for reply in replies:
            handoff = reply.custom.get("handoff")
            if isinstance(handoff, dict):
                await self._handoff(conversation, handoff)
            elif reply.text or reply.buttons:
                # The assistant's answers repeat across conversations: one shared copy of each text.
                await self.store.emit(conversation.token, "bot", text=sys.intern(reply.text or ""), buttons=list(reply.buttons))
                shown += 1
        if not shown:  # Rasa answers with nothing when the action server is down
            log.warning("assistant gave no answer")
            ERRORS.labels(reason="assistant_silent").inc()
            await self.store.emit(conversation.token, "notice", text=message("assistant_unavailable"))

    async def _handoff(self, conversation: Conversation, handoff: dict) -> None:
        """A case was made: while the live chat is open, the user waits here for a worker; otherwise
        the assistant has already told them to call when the hotline opens."""
        code = normalise_case_code(str(handoff.get("case_code", "")))
        live = bool(code) and (self.always_open or self._hotline_open_now())
        HANDOFFS.labels(live="yes" if live else "no").inc()
        if live:
            await self.relay.start_waiting(conversation, code)

    def _hotline_open_now(self) -> bool:
        hours = route("hotline").hours
        return hours is None or hours.is_open(self.clock())
