"""Handing a record to the store without making the user wait: spool first, then the database
within a deadline, and a background retry for whatever the database did not take in time."""

import asyncio
import enum
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.store.handoffs import open_case_of_conversation, save_handoff
from bot.store.records import HandoffRecord
from bot.store.settings import Delivery
from bot.store.spool import FlushResult, Spool

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    STORED = "stored"      # the database has it
    SPOOLED = "spooled"    # on local disk; written to the database as soon as it answers
    EXISTING = "existing"  # the conversation already has an open case: that one counts
    FAILED = "failed"      # neither: the user is told to call instead


@dataclass(frozen=True)
class Delivered:
    outcome: Outcome
    code: str | None  # the case code to tell the user (None when FAILED)


def flush_spool(engine: Engine, spool: Spool) -> FlushResult:
    """Write whatever waits in the spool to the database (blocking)."""
    return spool.flush(lambda record: save_handoff(engine, record))


class HandoffDelivery:
    def __init__(self, engine: Engine, spool: Spool, timing: Delivery) -> None:
        self.engine = engine
        self.spool = spool
        self.timing = timing
        # Our own threads, so a hanging database cannot starve the event loop's default pool.
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="handoff-store")
        self._retry_task: asyncio.Task | None = None

    async def deliver(self, record: HandoffRecord, known_code: str | None = None) -> Delivered:
        """One open case per conversation: the conversation's open case if it has one (in the
        database, else in the spool, else `known_code` when the database does not answer);
        otherwise spool `record`, then try the database. Returns within the configured deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timing.store_timeout_seconds
        look_up_by = loop.time() + self.timing.store_timeout_seconds / 2  # leave time to spool and store
        answered, existing = await self._within(look_up_by, open_case_of_conversation, self.engine,
                                                record.conversation_hash)
        waiting = self.spool.waiting_for(record.conversation_hash)
        existing = existing or (waiting.code if waiting else None) or (None if answered else known_code)
        if existing:
            return Delivered(Outcome.EXISTING, existing)
        spooled, _ = await self._within(deadline, self.spool.put, record)
        if not spooled:
            log.error("A handoff could not be written to the local spool")
        if (await self._within(deadline, self._store_and_unspool, record))[0]:
            return Delivered(Outcome.STORED, record.code)
        if not spooled:
            return Delivered(Outcome.FAILED, None)
        self._keep_retrying()
        return Delivered(Outcome.SPOOLED, record.code)

    async def _within(self, deadline: float, function, *args) -> tuple[bool, object]:
        """(True, the result) when `function(*args)` finished in time, else (False, None)."""
        loop = asyncio.get_running_loop()
        remaining = max(deadline - loop.time(), 0.05)
        try:
            result = await asyncio.wait_for(loop.run_in_executor(self._executor, function, *args), remaining)
        except Exception as error:  # a timeout or any storage error: the caller falls back
            log.warning("Handoff %s did not complete: %s", function.__name__.strip("_"), type(error).__name__)
            return False, None
        return True, result

    def _store_and_unspool(self, record: HandoffRecord) -> None:
        save_handoff(self.engine, record)
        self.spool.remove(record)

    def flush(self) -> FlushResult:
        return flush_spool(self.engine, self.spool)

    def _keep_retrying(self) -> None:
        if self._retry_task is None or self._retry_task.done():
            self._retry_task = asyncio.get_running_loop().create_task(self._retry_until_empty())

    async def _retry_until_empty(self) -> None:
        loop = asyncio.get_running_loop()
        pause = self.timing.retry_initial_seconds
        while True:
            await asyncio.sleep(pause)
            result = await loop.run_in_executor(self._executor, self.flush)
            if result.written:
                log.info("Wrote %d spooled handoff(s) to the store", result.written)
            if result.pending == 0:
                return
            pause = min(pause * 2, self.timing.retry_max_seconds)

    async def close(self) -> None:
        if self._retry_task is not None:
            self._retry_task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
