"""Hostile input to the web app (security review, OWASP ASVS 5.0 level 2): JSON nested deeper than
Python's parser can follow, malformed JSON to the staff desk, and every error answer with the same
security headers as any other answer."""

import asyncio

import pytest
from aiohttp import web

from bot.web.app import create_app
from bot.web.appkeys import CONVERSATIONS
from bot.web.security import HEADERS
from tests.test_web_chat import closed_port, fast_settings
from tests.test_web_desk import csrf_from, desk_client, engine, log_in, new_case, page  # noqa: F401  (fixture)

DEEPEST = "[" * 100_000 + "]" * 100_000        # 200 kB: over the body limit, so refused as too large
DEEP_BUT_SMALL = "[" * 20_000 + "]" * 20_000    # 40 kB: under the limit, far deeper than json.loads can go
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def chat_engine(tmp_path):
    """A store without staff accounts, for the tests that need no log-in."""
    from bot.store.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    yield engine
    engine.dispose()


def assert_security_headers(response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "Server" not in response.headers  # no software names or versions (ASVS 13.4.6)


@pytest.fixture
async def client(aiohttp_client, aiohttp_server, engine):  # noqa: F811
    """The chat (its assistant down) and the staff desk of one app."""
    app = create_app(engine, assistant_url=f"http://127.0.0.1:{closed_port()}/webhooks/rest/webhook",
                     settings=fast_settings())
    return await desk_client(aiohttp_client, await aiohttp_server(app))


async def staff_on_a_case(client, engine) -> tuple[str, str]:  # noqa: F811
    """Lise logged in, holding a case: its code and the page's CSRF token."""
    code = new_case(engine)
    await log_in(client)
    token = csrf_from((await page(client, f"/staff/cases/{code}"))[1])
    await client.post(f"/staff/cases/{code}/claim", data={"csrf_token": token})
    return code, token


@pytest.mark.parametrize(("body", "status"), [(DEEPEST, 413), (DEEP_BUT_SMALL, 400)])
async def test_deeply_nested_json_is_refused_kindly_on_every_chat_endpoint(client, body, status):
    token = (await (await client.post("/chat/session")).json())["conversation"]
    for path in ("/chat/messages", "/chat/restart"):
        response = await client.post(path, data=body, headers=JSON)
        assert response.status == status, path
        assert_security_headers(response)
        assert (await response.json())["text"]  # a Danish text the widget shows
    response = await client.post("/chat/session", data=body, headers=JSON)  # reads no body at all
    assert response.status == 201
    assert_security_headers(response)
    answer = await client.post("/chat/messages", json={"conversation": token, "text": "hej"})
    assert answer.status == 200  # the conversation goes on


@pytest.mark.parametrize(("body", "status"), [(DEEPEST, 413), (DEEP_BUT_SMALL, 400), ("{not json", 400),
                                              ("[1, 2]", 400)])
async def test_deep_or_malformed_json_to_the_staff_message_endpoint_is_a_400_not_a_server_error(
        client, engine, body, status):  # noqa: F811
    code, csrf = await staff_on_a_case(client, engine)
    response = await client.post(f"/staff/cases/{code}/messages", data=body, headers={**JSON, "X-CSRF-Token": csrf})
    assert response.status == status
    assert_security_headers(response)


async def test_deeply_nested_json_over_the_websocket_gets_a_notice_and_the_socket_stays_open(client):
    token = (await (await client.post("/chat/session")).json())["conversation"]
    socket = await client.ws_connect("/chat/ws")
    await socket.send_json({"type": "resume", "conversation": token, "after": 0})
    assert (await asyncio.wait_for(socket.receive_json(), 5))["seq"] == 1  # the greeting
    await socket.send_str(DEEPEST)
    assert "2000 tegn" in (await asyncio.wait_for(socket.receive_json(), 5))["text"]
    await socket.send_str(DEEP_BUT_SMALL)
    assert "almindelig tekst" in (await asyncio.wait_for(socket.receive_json(), 5))["text"]
    await socket.send_str('{"type": "message", "text": [[[[[[[[[[[["hej"]]]]]]]]]]]]}')
    assert "almindelig tekst" in (await asyncio.wait_for(socket.receive_json(), 5))["text"]
    await socket.send_json({"type": "message", "text": "hej"})
    answer = await asyncio.wait_for(socket.receive_json(), 5)
    assert answer["type"] == "notice" and answer["seq"] == 2  # the answer: the assistant is down here
    assert not socket.closed
    await socket.close()
    assert await client.app[CONVERSATIONS].get(token) is not None


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/no/such/page", 404), ("GET", "/chat/messages", 405), ("DELETE", "/", 405), ("GET", "/boom", 500),
])
async def test_every_error_answer_carries_the_security_headers(aiohttp_client, chat_engine, method, path, status):
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("a bug nobody expected")

    app = create_app(chat_engine, assistant_url=f"http://127.0.0.1:{closed_port()}/x", settings=fast_settings())
    app.router.add_get("/boom", boom)
    client = await aiohttp_client(app)
    response = await client.request(method, path)
    assert response.status == status
    assert_security_headers(response)
    assert "Traceback" not in await response.text()


async def test_a_rate_limited_answer_carries_the_security_headers(aiohttp_client, chat_engine):
    app = create_app(chat_engine, settings=fast_settings(sessions_per_hour=1, session_burst=1))
    client = await aiohttp_client(app)
    await client.post("/chat/session")
    response = await client.post("/chat/session")
    assert response.status == 429
    assert_security_headers(response)


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("GET", "/", None, 200), ("GET", "/widget.js", None, 200), ("GET", "/static/staff.css", None, 200),
    ("GET", "/healthz", None, 200), ("GET", "/staff/login", None, 200), ("GET", "/no/such/page", None, 404),
    ("POST", "/chat/messages", b"x" * 300_000, 413), ("POST", "/staff/login", None, 403),
])
async def test_no_answer_names_the_server_software(aiohttp_client, engine, method, path, body, status):  # noqa: F811
    client = await aiohttp_client(create_app(engine, assistant_url=f"http://127.0.0.1:{closed_port()}/x",
                                             settings=fast_settings()))
    response = await client.request(method, path, data=body, headers={"Content-Type": "application/json"})
    assert response.status == status
    assert "Server" not in response.headers and "aiohttp" not in str(response.headers)


@pytest.mark.parametrize("request_bytes", [b"GARBAGE\r\n\r\n", b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n"])
async def test_the_parsers_own_answer_to_a_malformed_request_names_no_software(aiohttp_server, chat_engine,
                                                                               request_bytes):
    server = await aiohttp_server(create_app(chat_engine, assistant_url=f"http://127.0.0.1:{closed_port()}/x"))
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request_bytes)
    await writer.drain()
    head = (await reader.read(4096)).split(b"\r\n\r\n")[0].decode("latin-1")
    writer.close()
    assert head.startswith("HTTP/1.") and " 400 " in head.splitlines()[0]
    assert "aiohttp" not in head and "Python" not in head
