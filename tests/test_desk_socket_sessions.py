"""A desk WebSocket lasts only as long as its session (issue 15): log-out, a closed account and an
expired session close it, and no queue or case event reaches it after; it keeps no session alive."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import WSMsgType
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.staff.accounts import set_active
from bot.staff.settings import staff_settings
from bot.store.models import StaffSession
from bot.web import desk_cases
from bot.web.appkeys import HUB
from bot.web.desk_cases import SESSION_ENDED
from tests.test_web_desk import app, client, csrf_from, engine, log_in, page  # noqa: F401 (fixtures)

EVENT = {"type": "queue"}


@pytest.fixture
def quick_recheck(monkeypatch):
    """The socket checks its session every 0.2 s instead of every few seconds."""
    settings = staff_settings()
    quick = replace(settings, session=replace(settings.session, socket_recheck_seconds=0.2))
    monkeypatch.setattr(desk_cases, "staff_settings", lambda: quick)


async def open_socket(client):
    assert (await log_in(client)).status == 303
    return await client.ws_connect("/staff/ws")


async def next_frame(socket):
    return await socket.receive(timeout=5)


async def test_a_socket_gets_the_desk_events_while_its_session_lasts(client):
    socket = await open_socket(client)
    client.server.app[HUB].deliver(EVENT)
    frame = await next_frame(socket)
    assert frame.type == WSMsgType.TEXT and frame.json() == EVENT
    await socket.close()


async def test_logging_out_closes_the_socket_before_the_next_event(client):
    socket = await open_socket(client)
    _, html = await page(client, "/staff")
    assert (await client.post("/staff/logout", data={"csrf_token": csrf_from(html)}, allow_redirects=False)).status == 303
    client.server.app[HUB].deliver(EVENT)
    frame = await next_frame(socket)
    assert frame.type == WSMsgType.CLOSE and frame.data == SESSION_ENDED, "no event after log-out"


async def test_closing_the_account_closes_its_socket(client, engine):
    socket = await open_socket(client)
    set_active(engine, "lise", False, "admin")
    client.server.app[HUB].deliver(EVENT, case=None)
    frame = await next_frame(socket)
    assert frame.type == WSMsgType.CLOSE and frame.data == SESSION_ENDED


async def test_an_expired_session_closes_its_socket_without_any_event(client, engine, quick_recheck):
    socket = await open_socket(client)
    idle = staff_settings().session.idle_timeout
    long_ago = datetime.now(timezone.utc) - idle - timedelta(minutes=1)
    with Session(engine) as db, db.begin():
        db.execute(update(StaffSession).values(last_seen_at=long_ago))
    frame = await next_frame(socket)  # no event is sent: the timer finds it
    assert frame.type == WSMsgType.CLOSE and frame.data == SESSION_ENDED


async def test_an_open_socket_keeps_no_session_alive(client, engine, quick_recheck):
    socket = await open_socket(client)
    with Session(engine) as db:
        before = db.execute(select(StaffSession.last_seen_at)).scalars().all()
    for _ in range(3):
        client.server.app[HUB].deliver(EVENT)
        assert (await next_frame(socket)).json() == EVENT
    with Session(engine) as db:
        assert db.execute(select(StaffSession.last_seen_at)).scalars().all() == before
    await socket.close()
