"""Desk sessions and CSRF protection through a tiny aiohttp app on a real SQLite file and a real
PostgreSQL server: cookie flags, a new session id at login, idle and absolute timeouts, only the
id's hash stored, logout, and the CSRF middleware."""

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio
from aiohttp import DummyCookieJar, web
from aiohttp_session import get_session, new_session
from sqlalchemy import insert, inspect, select, text, update
from sqlalchemy.orm import Session

from bot.staff.accounts import create_account, set_active
from bot.staff.csrf import CSRF_FIELD, CSRF_HEADER, csrf_middleware, csrf_token
from bot.staff.sessions import delete_sessions_of, purge_expired_sessions, setup_sessions
from bot.staff.settings import staff_settings
from bot.store.engine import make_engine
from bot.store.migrate import upgrade
from bot.store.models import StaffSession

COOKIE = "staff_session"
FORBIDDEN = "Sikkerhedstjek fejlede. Genindlæs siden og prøv igen."


# -- a tiny desk ----------------------------------------------------------------------------------


async def login_page(request: web.Request) -> web.Response:
    return web.json_response({"csrf": csrf_token(await get_session(request))})


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    session = await new_session(request)
    session["account_id"] = int(form["account_id"])
    return web.json_response({"csrf": csrf_token(session)})


async def whoami(request: web.Request) -> web.Response:
    return web.json_response({"account_id": (await get_session(request)).get("account_id")})


async def logout(request: web.Request) -> web.Response:
    (await get_session(request)).invalidate()
    return web.json_response({})


async def act(request: web.Request) -> web.Response:
    return web.json_response({"done": True})


def desk(engine) -> web.Application:
    app = web.Application()
    setup_sessions(app, engine)
    app.middlewares.append(csrf_middleware())
    app.router.add_get("/staff/login", login_page)
    app.router.add_post("/staff/login", login)
    app.router.add_get("/staff/whoami", whoami)
    app.router.add_post("/staff/logout", logout)
    app.router.add_post("/staff/act", act)
    app.router.add_post("/public/act", act)
    return app


class Browser:
    """A test client that keeps the session cookie by hand, whatever its Secure flag, so a test
    can also replay an old one."""

    def __init__(self, client) -> None:
        self.client = client
        self.cookie: str | None = None
        self.csrf: str | None = None

    async def request(self, method: str, path: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if self.cookie:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        response = await self.client.request(method, path, headers=headers, **kwargs)
        if COOKIE in response.cookies:
            self.cookie = response.cookies[COOKIE].value or None
        return response

    async def login(self, account_id: int):
        self.csrf = (await (await self.request("GET", "/staff/login")).json())["csrf"]
        response = await self.request("POST", "/staff/login", data={CSRF_FIELD: self.csrf, "account_id": account_id})
        assert response.status == 200
        self.csrf = (await response.json())["csrf"]
        return response

    async def whoami(self) -> int | None:
        return (await (await self.request("GET", "/staff/whoami")).json())["account_id"]


@pytest.fixture
def cookie_secure(monkeypatch):
    """Set STAFF_COOKIE_SECURE (None: unset) and reread the settings."""

    def configure(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("STAFF_COOKIE_SECURE", raising=False)
        else:
            monkeypatch.setenv("STAFF_COOKIE_SECURE", value)
        staff_settings.cache_clear()

    configure("false")
    yield configure
    staff_settings.cache_clear()


@pytest_asyncio.fixture
async def browser(store_engine, cookie_secure, aiohttp_client) -> Browser:
    return Browser(await aiohttp_client(desk(store_engine), cookie_jar=DummyCookieJar()))


def rows(engine) -> list[StaffSession]:
    with Session(engine) as session:
        return list(session.scalars(select(StaffSession)))


def set_times(engine, **values) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(StaffSession).values(**values))


# -- sessions -------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("setting, secure", [(None, True), ("1", True), ("0", False), ("false", False)])
async def test_the_cookie_is_http_only_strict_and_scoped_to_the_desk(
    store_engine, cookie_secure, aiohttp_client, setting, secure
):
    cookie_secure(setting)
    client = await aiohttp_client(desk(store_engine), cookie_jar=DummyCookieJar())
    cookies = (await client.get("/staff/login")).cookies
    assert set(cookies) == {f"__Host-{COOKIE}" if secure else COOKIE}  # __Host- needs Secure (ASVS 3.3.1)
    cookie = next(iter(cookies.values()))
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/" and not cookie["domain"]
    assert bool(cookie["secure"]) is secure
    assert not cookie["max-age"] and not cookie["expires"]


@pytest.mark.asyncio
async def test_login_gives_a_new_session_id_and_the_old_one_stops_working(store_engine, browser):
    await browser.request("GET", "/staff/login")
    anonymous = browser.cookie
    assert anonymous and len(rows(store_engine)) == 1

    await browser.login(7)
    assert browser.cookie != anonymous
    assert await browser.whoami() == 7
    assert len(rows(store_engine)) == 1

    first, browser.cookie = browser.cookie, anonymous
    assert await browser.whoami() is None
    browser.cookie = first
    await browser.login(8)
    assert browser.cookie != first
    assert await browser.whoami() == 8
    browser.cookie = first
    assert await browser.whoami() is None


@pytest.mark.asyncio
async def test_only_the_hash_of_the_session_id_is_stored(store_engine, browser):
    await browser.login(7)
    [row] = rows(store_engine)
    assert row.id_hash == hashlib.sha256(browser.cookie.encode()).hexdigest()
    assert row.data == {"account_id": 7, "csrf": browser.csrf}
    stored = [str(getattr(row, column.key)) for column in StaffSession.__table__.columns]
    assert not any(browser.cookie in value for value in stored)


@pytest.mark.asyncio
async def test_logout_deletes_the_session_and_clears_the_cookie(store_engine, browser):
    await browser.login(7)
    old = browser.cookie
    response = await browser.request("POST", "/staff/logout", headers={CSRF_HEADER: browser.csrf})
    assert response.status == 200
    assert response.cookies[COOKIE].value == "" and browser.cookie is None
    assert rows(store_engine) == []
    browser.cookie = old
    assert await browser.whoami() is None


@pytest.mark.asyncio
async def test_a_session_idle_too_long_ends(store_engine, browser):
    await browser.login(7)
    idle = staff_settings().session.idle_timeout
    set_times(store_engine, last_seen_at=datetime.now(timezone.utc) - idle + timedelta(minutes=2))
    assert await browser.whoami() == 7
    [row] = rows(store_engine)
    assert datetime.now(timezone.utc) - row.last_seen_at < timedelta(seconds=30)  # use keeps it alive

    set_times(store_engine, last_seen_at=datetime.now(timezone.utc) - idle - timedelta(seconds=1))
    assert await browser.whoami() is None
    assert rows(store_engine) == []


@pytest.mark.asyncio
async def test_a_session_ends_after_the_absolute_timeout_however_active(store_engine, browser):
    await browser.login(7)
    absolute = staff_settings().session.absolute_timeout
    set_times(store_engine, created_at=datetime.now(timezone.utc) - absolute + timedelta(minutes=1))
    assert await browser.whoami() == 7
    set_times(store_engine, created_at=datetime.now(timezone.utc) - absolute - timedelta(seconds=1))
    assert await browser.whoami() is None
    assert rows(store_engine) == []


@pytest.mark.asyncio
async def test_disabling_an_account_logs_it_out(store_engine, browser):
    alice = create_account(store_engine, "alice", "korrekt hest batteri")
    await browser.login(alice.id)
    set_active(store_engine, "alice", False, actor="admin")
    assert await browser.whoami() is None


def test_sessions_are_deleted_by_account_and_by_age(store_engine):
    now = datetime.now(timezone.utc)
    sessions = {
        "fresh": ({"account_id": 1}, now, now),
        "idle": ({"account_id": 2}, now - timedelta(hours=1), now - timedelta(minutes=31)),
        "old": ({"account_id": 2}, now - timedelta(hours=13), now),
        "anonymous": ({"csrf": "x"}, now, now),
    }
    with Session(store_engine) as session, session.begin():
        for name, (data, created_at, last_seen_at) in sessions.items():
            session.execute(insert(StaffSession).values(
                id_hash=name, data=data, account_id=data.get("account_id"), created_at=created_at,
                last_seen_at=last_seen_at,
            ))
    assert purge_expired_sessions(store_engine, timedelta(minutes=30), timedelta(hours=12)) == 2
    assert delete_sessions_of(store_engine, 1) == 1
    assert [row.id_hash for row in rows(store_engine)] == ["anonymous"]


@pytest.mark.asyncio
async def test_a_session_keeps_its_account_in_an_indexed_column(store_engine, browser):
    """delete_sessions_of finds an account's sessions by an index, not by reading every session."""
    await browser.login(7)
    assert [row.account_id for row in rows(store_engine)] == [7]
    indexes = inspect(store_engine).get_indexes("staff_sessions")
    assert ["account_id"] in [index["column_names"] for index in indexes]


def test_the_migration_fills_in_the_account_and_drops_sessions_that_never_logged_in(database_url):
    upgrade(database_url, "0002")
    engine = make_engine(database_url)
    now = datetime.now(timezone.utc)
    with engine.begin() as connection:
        for id_hash, data in (("in", {"account_id": 3, "csrf": "t"}), ("visitor", {"csrf": "t"})):
            connection.execute(text(
                "INSERT INTO staff_sessions (id_hash, data, created_at, last_seen_at) VALUES (:id, :data, :at, :at)"),
                {"id": id_hash, "data": json.dumps(data), "at": now.replace(tzinfo=None)})
    upgrade(database_url)
    assert [(row.id_hash, row.account_id) for row in rows(engine)] == [("in", 3)]
    engine.dispose()


# -- CSRF -----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_state_changing_requests_need_the_sessions_token(browser):
    await browser.login(7)
    origin = str(browser.client.make_url("/")).rstrip("/")

    refused = [
        await browser.request("POST", "/staff/act"),
        await browser.request("POST", "/staff/act", headers={CSRF_HEADER: "not-the-token"}),
        await browser.request("POST", "/staff/act", data={CSRF_FIELD: browser.csrf + "x"}),
        await browser.request("POST", "/staff/act", headers={CSRF_HEADER: browser.csrf, "Origin": "https://evil.dk"}),
        await browser.request("POST", "/staff/act", headers={CSRF_HEADER: browser.csrf, "Origin": "null"}),
    ]
    assert [response.status for response in refused] == [403] * len(refused)
    assert await refused[0].text() == FORBIDDEN

    accepted = [
        await browser.request("POST", "/staff/act", headers={CSRF_HEADER: browser.csrf}),
        await browser.request("POST", "/staff/act", headers={CSRF_HEADER: browser.csrf, "Origin": origin}),
        await browser.request("POST", "/staff/act", data={CSRF_FIELD: browser.csrf}),
        await browser.request("GET", "/staff/whoami"),
        await browser.request("POST", "/public/act"),
    ]
    assert [response.status for response in accepted] == [200] * len(accepted)


@pytest.mark.asyncio
async def test_the_login_form_needs_a_token_too(browser):
    own = (await (await browser.request("GET", "/staff/login")).json())["csrf"]
    other = Browser(browser.client)
    foreign = (await (await other.request("GET", "/staff/login")).json())["csrf"]
    assert (await browser.request("POST", "/staff/login", data={"account_id": 7})).status == 403
    assert (await browser.request("POST", "/staff/login", data={CSRF_FIELD: foreign, "account_id": 7})).status == 403
    assert await browser.whoami() is None
    assert (await browser.request("POST", "/staff/login", data={CSRF_FIELD: own, "account_id": 7})).status == 200
    assert await browser.whoami() == 7
