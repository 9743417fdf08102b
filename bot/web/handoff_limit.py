"""A cap on new cases per conversation and per client address, so that a script cannot fill the
staff queue. The web app sees a case only once the assistant has made it, so a case past the cap is
taken out of the queue again at once, and the user is told to call the hotline instead."""

import asyncio
import logging

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.store.handoffs import withdraw_case
from bot.web.conversations import Conversation
from bot.web.ratelimit import Limiter

log = logging.getLogger(__name__)


class HandoffLimit:
    def __init__(self, engine: Engine, per_address: Limiter, per_conversation: int) -> None:
        self.engine = engine
        self.per_address = per_address
        self.per_conversation = per_conversation

    async def admits(self, conversation: Conversation, client: str, code: str) -> bool:
        """Whether the case `code`, just handed over from `conversation`, stays in the queue. The
        conversation's own case, asked for again, always does."""
        if code in conversation.cases:
            return True
        if len(conversation.cases) < self.per_conversation and await self.per_address.retry_after(client) == 0:
            return True
        try:
            if await asyncio.to_thread(withdraw_case, self.engine, code):
                return False
            log.warning("a case past the handoff limit was not in the database (spooled?): it stays queued")
        except SQLAlchemyError as error:
            log.warning("a case past the handoff limit could not be withdrawn (%s): it stays queued",
                        type(error).__name__)
        return True
