"""Who may use which desk route: every route under /staff the app registers (pages, APIs, the
WebSocket) asked by an anonymous visitor, a staff member, an admin, someone past the password but
not the second factor's code, and an admin who must set a second factor up first, against the
answer this table expects. A route added without a row fails the first test. The desk
WebSocket refuses a foreign Origin."""

from dataclasses import dataclass

import aiohttp
import pytest

from bot.staff.accounts import Role, create_account
from bot.store.engine import make_engine
from bot.web.app import create_app
from bot.web.desk_auth import CODE_STEP, SECOND_FACTOR
from tests.support.second_factor import enrol
from tests.test_web_desk import (  # noqa: F401 (engine: the desk fixture)
    PASSWORD, csrf_from, desk_client, engine, log_in, log_in_with_password, new_case,
)

WEBSOCKET = 101


@dataclass(frozen=True)
class Row:
    """The status each visitor gets, and what the request sends. `pending`: past the password of an
    account with a second factor, its code not given yet; `enrolling`: an admin logged in who must
    set a second factor up first."""

    anonymous: int
    staff: int
    admin: int
    pending: int
    enrolling: int
    form: dict | None = None  # a POST's form (the CSRF token is added); None: a JSON body
    json: dict | None = None


# Anonymous POSTs are refused by the CSRF check first: a visitor's only token is the log-in form's.
# Only a GET that asks for a page (Accept: text/html) is sent elsewhere (the log-in page, or what
# must come first); the rest get 401 (not logged in) or 403.
ROUTES: dict[tuple[str, str], Row] = {
    ("GET", "/staff/login"): Row(200, 303, 303, 200, 303),
    ("HEAD", "/staff/login"): Row(200, 303, 303, 200, 303),
    ("POST", "/staff/login"): Row(401, 401, 401, 401, 401, form={"username": "lise", "password": "forkert forkert"}),
    ("GET", "/staff/login/code"): Row(303, 303, 303, 200, 303),
    ("HEAD", "/staff/login/code"): Row(303, 303, 303, 200, 303),
    ("POST", "/staff/login/code"): Row(403, 303, 303, 401, 303, form={"code": "000000"}),
    ("POST", "/staff/logout"): Row(403, 303, 303, 303, 303, form={}),
    ("GET", "/staff"): Row(303, 200, 200, 303, 303),
    ("HEAD", "/staff"): Row(401, 200, 200, 401, 403),
    ("GET", "/staff/queue"): Row(303, 200, 200, 303, 303),
    ("HEAD", "/staff/queue"): Row(401, 200, 200, 401, 403),
    ("GET", "/staff/cases/{code}"): Row(303, 200, 200, 303, 303),
    ("HEAD", "/staff/cases/{code}"): Row(401, 200, 200, 401, 403),
    ("POST", "/staff/cases/{code}/claim"): Row(403, 303, 303, 401, 403, form={}),
    ("POST", "/staff/cases/{code}/release"): Row(403, 303, 303, 401, 403, form={}),
    ("POST", "/staff/cases/{code}/resolve"): Row(403, 303, 303, 401, 403, form={"outcome": "advice_given"}),
    ("POST", "/staff/cases/{code}/messages"): Row(403, 409, 409, 401, 403, json={"text": "hej"}),  # not claimed
    ("GET", "/staff/ws"): Row(401, WEBSOCKET, WEBSOCKET, 401, 403),
    ("HEAD", "/staff/ws"): Row(401, 400, 400, 401, 403),
    ("GET", "/staff/stats"): Row(303, 200, 200, 303, 303),
    ("HEAD", "/staff/stats"): Row(401, 200, 200, 401, 403),
    ("GET", "/staff/stats.csv"): Row(303, 200, 200, 303, 303),
    ("HEAD", "/staff/stats.csv"): Row(401, 200, 200, 401, 403),
    ("GET", "/staff/accounts"): Row(303, 403, 200, 303, 303),
    ("HEAD", "/staff/accounts"): Row(401, 403, 200, 401, 403),
    ("POST", "/staff/accounts"): Row(403, 403, 303, 401, 403, form={"username": "nyansat", "password": PASSWORD}),
    ("POST", "/staff/accounts/{username}"): Row(403, 403, 303, 401, 403, form={"change": "close"}),
    ("GET", "/staff/password"): Row(303, 200, 200, 303, 303),
    ("HEAD", "/staff/password"): Row(401, 200, 200, 401, 403),
    ("POST", "/staff/password"): Row(403, 400, 400, 401, 403,
                                     form={"current": PASSWORD, "new": "ikke ens", "again": "ens"}),
    # Staff without a second factor get the set-up page (a wrong code: 400); the admin has one.
    ("GET", "/staff/totp"): Row(303, 200, 200, 303, 200),
    ("HEAD", "/staff/totp"): Row(401, 200, 200, 401, 200),
    ("POST", "/staff/totp"): Row(403, 400, 303, 401, 400, form={"code": "000000"}),
}
VISITORS = ["anonymous", "staff", "admin", "pending", "enrolling"]


@pytest.fixture
async def server(engine, aiohttp_server):
    create_account(engine, "tove", PASSWORD)  # staff with a second factor: the pending visitor
    enrol(engine, "tove")
    create_account(engine, "nyadmin", PASSWORD, Role.ADMIN)  # an admin without one yet
    return await aiohttp_server(create_app(engine, assistant_url="http://127.0.0.1:9/none"))


def test_every_desk_route_the_app_registers_has_a_row():
    app = create_app(make_engine("sqlite://"), assistant_url="http://127.0.0.1:9/none")
    registered = {(route.method, route.resource.canonical) for route in app.router.routes()
                  if route.resource is not None and route.resource.canonical.startswith("/staff")}
    assert registered == set(ROUTES)


async def visitor(aiohttp_client, server, who: str):
    """A new client: anonymous with the log-in form's token, or logged in with its session's."""
    client = await desk_client(aiohttp_client, server)
    if who == "anonymous":
        client.token = csrf_from(await (await client.get("/staff/login")).text())
    elif who == "pending":
        assert (await log_in_with_password(client, "tove")).headers["Location"] == CODE_STEP
        client.token = csrf_from(await (await client.get(CODE_STEP)).text())
    elif who == "enrolling":
        assert (await log_in(client, "nyadmin")).status == 303
        client.token = csrf_from(await (await client.get(SECOND_FACTOR, headers={"Accept": "text/html"})).text())
    else:
        assert (await log_in(client, "lise" if who == "staff" else "admin")).status == 303
        client.token = csrf_from(await (await client.get("/staff", headers={"Accept": "text/html"})).text())
    return client


async def status_of(client, server, method: str, path: str, row: Row) -> int:
    origin = str(server.make_url("")).rstrip("/")
    if path == "/staff/ws" and method == "GET":
        try:
            socket = await client.ws_connect(path, headers={"Origin": origin})
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status
        await socket.close()
        return WEBSOCKET
    if method == "POST" and row.json is not None:
        response = await client.post(path, json=row.json, headers={"X-CSRF-Token": client.token},
                                     allow_redirects=False)
    elif method == "POST":
        response = await client.post(path, data={**row.form, "csrf_token": client.token}, allow_redirects=False)
    else:
        response = await client.request(method, path, headers={"Accept": "text/html"}, allow_redirects=False)
    return response.status


@pytest.mark.parametrize("who", VISITORS)
async def test_each_desk_route_answers_each_visitor_as_expected(aiohttp_client, server, engine, who):
    """One visitor asks every route, each with a fresh case; logging out comes last."""
    client = await visitor(aiohttp_client, server, who)
    answered, expected = {}, {}
    for method, route in sorted(ROUTES, key=lambda key: key == ("POST", "/staff/logout")):
        row = ROUTES[method, route]
        path = route.format(code=new_case(engine), username="bodil")
        answered[method, route] = await status_of(client, server, method, path, row)
        expected[method, route] = getattr(row, who)
    assert answered == expected


async def test_the_desk_socket_refuses_a_foreign_origin(aiohttp_client, server):
    client = await visitor(aiohttp_client, server, "staff")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/staff/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403
    socket = await client.ws_connect("/staff/ws", headers={"Origin": str(server.make_url("")).rstrip("/")})
    await socket.close()
