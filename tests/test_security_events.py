"""Security events (ASVS 16.3.1-16.3.3): a desk 403, a failed CSRF check, a foreign Origin, a
throttled log-in and a chat rate limit each give one structured log line, which names the client
only by a keyed hash and holds no user text."""

import hashlib
import json
import logging
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import StaffEvent
from bot.web.app import create_app
from bot.web.settings import web_settings
from tests.test_desk_login import desk_app, engine  # noqa: F401  (the fixture)
from tests.test_web_desk import PASSWORD, csrf_from, desk_client, log_in

SOURCE = "198.51.100.77"
SECRET_TEXT = "min søn hedder Lise"


def events(caplog) -> list[dict]:
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.web.security_events"]
    for line in lines:
        assert SOURCE not in line and "127.0.0.1" not in line and SECRET_TEXT not in line and PASSWORD not in line
    return [json.loads(line.removeprefix("security_event ")) for line in lines]


@pytest.fixture
async def desk(engine, aiohttp_server):  # noqa: F811
    return await aiohttp_server(desk_app(engine))


async def test_desk_refusals_are_logged_once_each_without_the_address(aiohttp_client, desk, engine, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    client = await desk_client(aiohttp_client, desk)
    assert (await log_in(client)).status == 303
    token = csrf_from(await (await client.get("/staff", headers={"Accept": "text/html"})).text())
    from_source = {"X-Forwarded-For": SOURCE}
    response = await client.get("/staff/accounts", headers={"Accept": "text/html", **from_source})
    assert response.status == 403  # lise is no admin
    response = await client.post("/staff/logout", data={"csrf_token": "wrong"}, headers=from_source)
    assert response.status == 403
    response = await client.post("/staff/logout", data={"csrf_token": token},
                                 headers={"Origin": "https://evil.example", **from_source})
    assert response.status == 403
    found = events(caplog)
    assert [e["event"] for e in found] == ["forbidden", "csrf_failed", "origin_refused"]
    assert {e["route"] for e in found} == {"/staff/accounts", "/staff/logout"}
    assert len({e["source"] for e in found}) == 1 and len(found[0]["source"]) == 32
    with Session(engine) as session:  # kept in staff_events too, by the hash and never the address
        rows = session.execute(select(StaffEvent).order_by(StaffEvent.id)).scalars().all()
        kept = [(row.action, row.source) for row in rows if row.source is not None]
        stored = [str(value) for row in rows for value in vars(row).values()]
    assert kept == [(e["event"], e["source"]) for e in found]
    assert not any(SOURCE in value or "127.0.0.1" in value for value in stored)


async def test_a_throttled_log_in_is_logged(aiohttp_client, desk, caplog):
    caplog.set_level(logging.INFO)
    client = await desk_client(aiohttp_client, desk)
    token = csrf_from(await (await client.get("/staff/login")).text())
    statuses = [(await client.post("/staff/login", data={"username": "lise", "password": SECRET_TEXT + "!!",
                                                         "csrf_token": token},
                                   headers={"X-Forwarded-For": SOURCE})).status for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert [e["event"] for e in events(caplog)] == ["login_throttled"]


async def test_chat_refusals_are_logged_and_the_source_is_a_keyed_hash(aiohttp_client, engine, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    settings = web_settings()
    settings = replace(settings, rate_limit=replace(settings.rate_limit, session_burst=1))
    client = await aiohttp_client(create_app(engine, assistant_url="http://127.0.0.1:9/x", settings=settings,
                                             proxies=["127.0.0.1"]))
    from_source = {"X-Forwarded-For": SOURCE}
    assert (await client.post("/chat/session", headers=from_source)).status == 201
    assert (await client.post("/chat/session", headers=from_source)).status == 429
    foreign = {"Origin": "https://evil.example", **from_source}
    assert (await client.post("/chat/session", headers=foreign)).status == 403
    found = events(caplog)
    assert [(e["event"], e["status"], e["route"]) for e in found] == [
        ("rate_limited", 429, "/chat/session"), ("origin_refused", 403, "/chat/session")]
    assert found[0]["source"] == found[1]["source"] != hashlib.sha256(SOURCE.encode()).hexdigest()[:32]  # keyed
