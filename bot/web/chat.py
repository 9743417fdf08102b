"""What happens to a user's message: checked, then answered by the assistant, or relayed to the
hotline worker while the conversation is live. Message text is never logged."""

import logging
import sys
import unicodedata
from collections.abc import Callable
from datetime import datetime, timezone

from bot.knowledge.contacts import route
from bot.store.records import normalise_case_code
from bot.web.conversations import Conversation, ConversationStore, Mode
from bot.web.handoff_limit import HandoffLimit
from bot.web.live import LiveRelay
from bot.web.messages import message
from bot.web.metrics import ASSISTANT_LATENCY, ERRORS, HANDOFFS, MESSAGES
from bot.web.rasa import AssistantUnavailable, RasaClient
from bot.web.settings import ChatSettings

log = logging.getLogger(__name__)

SESSION_START = "/session_start"
INTENT_PREFIX = "/"  # Rasa 3.6 takes a message starting with it, once stripped, for an intent payload


def clean_text(text: str) -> str:
    """Drop control and format characters (but keep line breaks and tabs); trim."""
    return "".join(
        ch for ch in text if ch in "\n\t" or not unicodedata.category(ch).startswith("C")
    ).strip()


def for_assistant(text: str, payload: str | None, offer: tuple[str, ...]) -> str:
    """What goes to Rasa: a button's intent payload only when the assistant's last answer offered
    it; anything else as text for the NLU to read. Rasa strips whitespace before it looks for the
    payload's slash (YAMLStoryReader.unpack_regex_message), so the leading slashes are dropped."""
    if payload is not None and payload.startswith(INTENT_PREFIX) and payload in offer:
        return payload
    text = text.strip()
    while text.startswith(INTENT_PREFIX):
        text = text.lstrip(INTENT_PREFIX).strip()
    return text


def _text_to_copy(replies: list, index: int) -> str | None:
    """The text the assistant offers for copying under this reply (the readiness check's summary):
    Rasa sends a message's custom part {"copy": "<the whole text>"} right after the text's last
    paragraph (it sends each paragraph as a reply of its own)."""
    following = replies[index + 1] if index + 1 < len(replies) else None
    if not replies[index].text or following is None or following.text:
        return None
    copy = following.custom.get("copy")
    return copy if isinstance(copy, str) and copy.strip() else None


class ChatService:
    def __init__(
        self, store: ConversationStore, relay: LiveRelay, rasa: RasaClient, settings: ChatSettings,
        handoff_limit: HandoffLimit, always_open: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.store = store
        self.relay = relay
        self.rasa = rasa
        self.settings = settings
        self.handoff_limit = handoff_limit
        self.always_open = always_open  # live chat at any hour (LIVE_CHAT_HOURS=always)
        self.clock = clock

    async def greet(self, conversation: Conversation, client: str) -> None:
        """The assistant's introduction, once, when the widget first connects."""
        async with self.store.lock(conversation.token):
            if await self.store.last_seq(conversation.token) == 0:
                await self._ask_assistant(conversation, SESSION_START, client)

    async def receive(self, conversation: Conversation, text: object, payload: object = None, *, client: str,
                      channel: str = "http") -> None:
        """Handle one message from the user at address `client` (bot.web.chat_routes.client_key);
        the answers are emitted as events. StateUnavailable when the conversation store does not answer."""
        handled_by = await self._handle(conversation, text, payload, client)
        MESSAGES.labels(channel=channel, handled_by=handled_by).inc()

    async def _handle(self, conversation: Conversation, text: object, payload: object, client: str) -> str:
        if not isinstance(text, str) or (payload is not None and not isinstance(payload, str)):
            await self.store.emit(conversation.token, "notice", text=message("unreadable"))
            return "refused"
        text = clean_text(text)
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
            conversation = await self.store.get(conversation.token) or conversation  # its latest offer
            said = for_assistant(text, payload, conversation.offer)
            if not said:  # nothing but slashes
                await self.store.emit(conversation.token, "notice", text=message("empty"))
                return "refused"
            await self._ask_assistant(conversation, said, client)
        return "assistant"

    async def restart(self, conversation: Conversation) -> Conversation:
        """End a conversation ("Start forfra") and open a new one."""
        await self.relay.user_left(conversation)
        await self.store.close_conversation(conversation.token)
        return await self.store.open()

    async def _ask_assistant(self, conversation: Conversation, text: str, client: str) -> None:
        try:
            with ASSISTANT_LATENCY.time():
                replies = await self.rasa.send(conversation.rasa_sender, text)
        except AssistantUnavailable as error:
            log.warning("assistant unavailable: %s", error)
            ERRORS.labels(reason="assistant_unavailable").inc()
            await self.store.emit(conversation.token, "notice", text=message("assistant_unavailable"))
            return
        codes = [normalise_case_code(str(reply.custom["handoff"].get("case_code", ""))) for reply in replies
                 if isinstance(reply.custom.get("handoff"), dict)]
        code = next(filter(None, codes), None)
        if code and not await self.handoff_limit.admits(conversation, client, code):
            ERRORS.labels(reason="handoff_limit").inc()
            await self.store.remember_answer(conversation.token, (), conversation.cases)
            await self.store.emit(conversation.token, "notice", text=message("handoff_limit"))
            return  # the whole answer was about the withdrawn case: a rule ends the turn with the handoff
        cases = conversation.cases + ((code,) if code and code not in conversation.cases else ())
        offer = tuple(dict.fromkeys(button["payload"] for reply in replies for button in reply.buttons))
        await self.store.remember_answer(conversation.token, offer, cases)
        shown = 0
        for index, reply in enumerate(replies):
            if reply.text or reply.buttons:
                # The assistant's answers repeat across conversations: one shared copy of each text.
                copy_text = _text_to_copy(replies, index)
                copy = {"copy": copy_text} if copy_text else {}
                await self.store.emit(conversation.token, "bot", text=sys.intern(reply.text or ""),
                                      buttons=list(reply.buttons), **copy)
                shown += 1
        if code:
            await self._handoff(conversation, code)
        if not shown:  # Rasa answers with nothing when the action server is down
            log.warning("assistant gave no answer")
            ERRORS.labels(reason="assistant_silent").inc()
            await self.store.emit(conversation.token, "notice", text=message("assistant_unavailable"))

    async def _handoff(self, conversation: Conversation, code: str) -> None:
        """A case was made: while the live chat is open, the user waits here for a worker; otherwise
        the assistant has already told them to call when the hotline opens."""
        live = self.always_open or self._hotline_open_now()
        HANDOFFS.labels(live="yes" if live else "no").inc()
        if live:
            await self.relay.start_waiting(conversation, code)

    def _hotline_open_now(self) -> bool:
        hours = route("hotline").hours
        return hours is None or hours.is_open(self.clock())
