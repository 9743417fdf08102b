"""A handoff survives a database outage: the action's delivery answers within its deadline, keeps
the record in the local spool, and the record reaches the database exactly once when it is back.
The database is real (SQLite, PostgreSQL behind a TCP proxy we can cut)."""

import asyncio
import hashlib
import sqlite3
import time
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.store.delivery import Delivered, HandoffDelivery, Outcome, flush_spool
from bot.store.engine import make_engine
from bot.store.handoffs import claim_case, resolve_case, save_handoff
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, Handoff
from bot.store.records import HandoffRecord, new_case_code
from bot.store.settings import settings
from bot.store.spool import Spool
from tests.support.databases import fresh_postgres_database
from tests.support.tcp_proxy import TcpProxy

ACTION_DEADLINE_SECONDS = 3.0
TIMING = replace(settings().delivery, retry_initial_seconds=0.2, retry_max_seconds=1.0)


def record(key: str, conversation: str | None = None) -> HandoffRecord:
    """A handoff of the message `key`, from its own conversation unless `conversation` is given."""
    return HandoffRecord(
        code=new_case_code(), idempotency_key=key,
        conversation_hash=hashlib.sha256((conversation or key).encode()).hexdigest(),
        created_at=datetime.now(timezone.utc), urgency="routine", routes=["hotline"],
    )


def rows(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.scalar(select(func.count()).select_from(Handoff)),
                session.scalar(select(func.count()).select_from(AuditEntry)))


class SqliteOutage:
    """Another connection holds the write lock: every write waits, then fails."""

    def __init__(self, url: str) -> None:
        self.path = make_url(url).database
        self.url = url
        self.direct_url = url
        self._connection: sqlite3.Connection | None = None

    def begin(self) -> None:
        self._connection = sqlite3.connect(self.path, isolation_level=None)
        self._connection.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        self._connection.execute("ROLLBACK")
        self._connection.close()


class PostgresOutage:
    """The server goes away: the proxy stops (connections refused, open ones cut) or hangs."""

    def __init__(self, url: str, hang: bool) -> None:
        parsed = make_url(url)
        self.proxy = TcpProxy(parsed.host, parsed.port or 5432)
        self.proxy.start()
        self.direct_url = url
        self.url = parsed.set(host="127.0.0.1", port=self.proxy.port).render_as_string(hide_password=False)
        self.hang = hang

    def begin(self) -> None:
        self.proxy.hang() if self.hang else self.proxy.stop()

    def end(self) -> None:
        self.proxy.resume() if self.hang else self.proxy.start()


@pytest.fixture(params=["sqlite-locked", "postgresql-stopped", "postgresql-hanging"])
def outage(request, tmp_path):
    if request.param == "sqlite-locked":
        url = f"sqlite:///{tmp_path / 'handoffs.db'}"
        upgrade(url)
        yield SqliteOutage(url)
        return
    with fresh_postgres_database() as url:
        upgrade(url)
        scenario = PostgresOutage(url, hang=request.param.endswith("hanging"))
        yield scenario
        scenario.proxy.stop()


def test_a_handoff_during_an_outage_is_answered_in_time_and_written_once_afterwards(outage, tmp_path):
    engine = make_engine(outage.url)
    direct = make_engine(outage.direct_url)
    spool = Spool(tmp_path / "spool")
    delivery = HandoffDelivery(engine, spool, TIMING)

    async def scenario() -> tuple[Delivered, Delivered, float]:
        before = await delivery.deliver(record("before-the-outage"))  # also warms the pool
        outage.begin()
        started = time.monotonic()
        during = await delivery.deliver(record("during-the-outage"))
        elapsed = time.monotonic() - started
        assert [r.idempotency_key for r in Spool(spool.directory).pending()] == ["during-the-outage"]
        outage.end()
        for _ in range(100):  # the delivery's own retry writes it; wait up to 10 s
            if not spool.pending():
                break
            await asyncio.sleep(0.1)
        await delivery.close()
        return before, during, elapsed

    before, during, elapsed = asyncio.run(scenario())
    assert before.outcome is Outcome.STORED
    assert during.outcome is Outcome.SPOOLED
    assert elapsed < ACTION_DEADLINE_SECONDS
    assert spool.pending() == []
    assert rows(direct) == (2, 2)
    # A second flush, or the same record again, changes nothing.
    assert flush_spool(engine, spool).written == 0
    assert save_handoff(direct, record("during-the-outage")) is None
    assert rows(direct) == (2, 2)
    engine.dispose()
    direct.dispose()


def test_the_maintenance_flush_writes_what_waits_in_the_spool(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    upgrade(url)
    engine = make_engine(url)
    Spool(tmp_path / "spool").put(record("left-by-a-crashed-action-server"))
    result = flush_spool(engine, Spool(tmp_path / "spool"))
    assert (result.written, result.pending) == (1, 0)
    assert rows(engine) == (1, 1)
    engine.dispose()


def test_with_no_database_and_no_spool_the_delivery_says_it_failed(tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the spool directory should be")
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'handoffs.db'}")  # never migrated
    delivery = HandoffDelivery(engine, Spool(blocked), TIMING)

    async def scenario() -> Delivered:
        delivered = await delivery.deliver(record("nowhere"))
        await delivery.close()
        return delivered

    assert asyncio.run(scenario()) == Delivered(Outcome.FAILED, None)
    engine.dispose()


def test_a_conversation_has_one_open_case_even_when_it_asks_again_during_an_outage(outage, tmp_path):
    """Rasa may lose what it knows of a conversation while its database is away (it falls back to an
    empty tracker), so the action cannot rely on its slot: the store and the spool decide."""
    engine = make_engine(outage.url)
    direct = make_engine(outage.direct_url)
    delivery = HandoffDelivery(engine, Spool(tmp_path / "spool"), TIMING)

    async def scenario() -> list[Delivered]:
        outage.begin()
        first = await delivery.deliver(record("asked-during-the-outage", conversation="one"))
        again = await delivery.deliver(record("asked-again-during-the-outage", conversation="one"))
        outage.end()
        after = await delivery.deliver(record("asked-again-after-the-outage", conversation="one"))
        await delivery.close()
        return [first, again, after]

    first, again, after = asyncio.run(scenario())
    assert first.outcome is Outcome.SPOOLED
    assert again == after == Delivered(Outcome.EXISTING, first.code)
    assert flush_spool(engine, Spool(tmp_path / "spool")).pending == 0
    assert rows(direct) == (1, 1)
    engine.dispose()
    direct.dispose()


def test_a_closed_case_does_not_count_even_when_the_conversation_still_remembers_its_code(tmp_path):
    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    upgrade(url)
    engine = make_engine(url)
    delivery = HandoffDelivery(engine, Spool(tmp_path / "spool"), TIMING)

    async def scenario() -> list[Delivered]:
        first = await delivery.deliver(record("first", conversation="one"))
        assert claim_case(engine, first.code, "lise") and resolve_case(engine, first.code, "lise")
        second = await delivery.deliver(record("second", conversation="one"), known_code=first.code)
        await delivery.close()
        return [first, second]

    first, second = asyncio.run(scenario())
    assert second.outcome is Outcome.STORED and second.code != first.code
    engine.dispose()


def test_when_the_database_does_not_answer_the_code_the_conversation_remembers_counts(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'never-migrated.db'}")  # every query fails
    delivery = HandoffDelivery(engine, Spool(tmp_path / "spool"), TIMING)

    async def scenario() -> Delivered:
        delivered = await delivery.deliver(record("asked-again", conversation="one"), known_code="K7HM-4XRT")
        await delivery.close()
        return delivered

    assert asyncio.run(scenario()) == Delivered(Outcome.EXISTING, "K7HM-4XRT")
    assert Spool(tmp_path / "spool").pending() == []  # nothing new was made
    engine.dispose()
