"""The public chat endpoints of the web app, with the assistant unreachable or stalled (a real
closed port, and a real TCP server that accepts and never answers): every request gets a kind,
Danish answer with the hotline's number and hours, limits hold, and headers are strict."""

import asyncio
import re
import socket
from dataclasses import replace
from html.parser import HTMLParser

import aiohttp
import pytest
from aiohttp import web

from bot.knowledge.contacts import route
from bot.store.engine import make_engine
from bot.web.app import create_app
from bot.web.settings import web_settings
from tests.support.tcp_proxy import TcpProxy

HOTLINE = route("hotline")


def closed_port() -> int:
    """A port nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fast_settings(**rate_limit):
    settings = web_settings()
    return replace(
        settings,
        chat=replace(settings.chat, rasa_timeout_seconds=1.0, poll_wait_seconds=0.2),
        rate_limit=replace(settings.rate_limit, **rate_limit),
    )


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'web.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
async def client(aiohttp_client, engine):
    app = create_app(engine, assistant_url=f"http://127.0.0.1:{closed_port()}/webhooks/rest/webhook",
                     settings=fast_settings())
    return await aiohttp_client(app)


async def new_conversation(client) -> str:
    response = await client.post("/chat/session")
    assert response.status == 201
    return (await response.json())["conversation"]


async def assistant_answering(aiohttp_server, answer: list) -> str:
    """The URL of an HTTP server that answers every message as Rasa's REST channel would with
    `answer`, for the answers a running assistant cannot be made to give on demand."""
    async def reply(request: web.Request) -> web.Response:
        return web.json_response(answer)

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", reply)
    return str((await aiohttp_server(app)).make_url("/webhooks/rest/webhook"))


def assert_points_to_the_hotline(text: str) -> None:
    assert HOTLINE.number in text and HOTLINE.hours.text_da in text and "112" in text


# -- the assistant does not answer ----------------------------------------------------------------

async def test_assistant_refusing_connections_gets_the_hotline_number_and_hours(client):
    token = await new_conversation(client)
    response = await client.post("/chat/messages", json={"conversation": token, "text": "Min søn er ændret"})
    assert response.status == 200
    events = (await response.json())["events"]
    assert [e["type"] for e in events] == ["notice"]
    assert_points_to_the_hotline(events[0]["text"])


async def test_a_stalled_assistant_is_given_up_on_and_the_user_still_gets_an_answer(aiohttp_client, engine):
    stalled = TcpProxy("127.0.0.1", closed_port())
    stalled.start()
    stalled.hang()
    try:
        app = create_app(engine, assistant_url=f"http://127.0.0.1:{stalled.port}/webhooks/rest/webhook",
                         settings=fast_settings())
        client = await aiohttp_client(app)
        token = await new_conversation(client)
        response = await asyncio.wait_for(
            client.post("/chat/messages", json={"conversation": token, "text": "hej"}), timeout=10
        )
        events = (await response.json())["events"]
        assert_points_to_the_hotline(events[0]["text"])
    finally:
        stalled.stop()


async def test_websocket_greets_and_answers_even_when_the_assistant_is_down(client):
    token = await new_conversation(client)
    socket_ = await client.ws_connect("/chat/ws")
    await socket_.send_json({"type": "resume", "conversation": token, "after": 0})
    greeting = await asyncio.wait_for(socket_.receive_json(), timeout=10)
    assert greeting["seq"] == 1 and greeting["type"] == "notice"
    await socket_.send_json({"type": "message", "text": "Hvad gør jeg?"})
    answer = await asyncio.wait_for(socket_.receive_json(), timeout=10)
    assert answer["seq"] == 2
    assert_points_to_the_hotline(answer["text"])
    await socket_.close()


# -- bad input ------------------------------------------------------------------------------------

async def test_unknown_conversation_is_told_kindly_in_danish(client):
    response = await client.post("/chat/messages", json={"conversation": "nope", "text": "hej"})
    assert response.status == 404
    assert (await response.json())["text"].startswith("Samtalen er udløbet")


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x01\x7f"])
async def test_empty_messages_are_answered_without_asking_the_assistant(client, text):
    token = await new_conversation(client)
    events = (await (await client.post("/chat/messages", json={"conversation": token, "text": text})).json())["events"]
    assert [(e["type"], e["text"]) for e in events] == [("notice", "Skriv en besked, før du sender.")]


async def test_an_oversized_message_is_refused_with_a_clear_message(client):
    token = await new_conversation(client)
    response = await client.post("/chat/messages", json={"conversation": token, "text": "æ" * 2001})
    assert response.status == 413
    assert "2000 tegn" in (await response.json())["text"]


async def test_an_oversized_body_is_refused_cleanly(client):
    token = await new_conversation(client)
    huge = '{"conversation": "%s", "text": "%s"}' % (token, "a" * 100_000)
    response = await client.post("/chat/messages", data=huge, headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert "2000 tegn" in (await response.json())["text"]


@pytest.mark.parametrize("body", [b"\xff\xfe\x00binary", b"[1, 2]", b"{not json"])
async def test_binary_or_malformed_bodies_get_a_kind_answer(client, body):
    response = await client.post("/chat/messages", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "almindelig tekst" in (await response.json())["text"]


async def test_websocket_binary_frames_and_garbage_get_a_notice_and_the_socket_stays_open(client):
    token = await new_conversation(client)
    socket_ = await client.ws_connect("/chat/ws")
    await socket_.send_json({"type": "resume", "conversation": token, "after": 0})
    assert (await asyncio.wait_for(socket_.receive_json(), timeout=10))["seq"] == 1  # the greeting
    await socket_.send_bytes(b"\x00\xff")
    assert "almindelig tekst" in (await socket_.receive_json())["text"]
    await socket_.send_str("{oops")
    assert "almindelig tekst" in (await socket_.receive_json())["text"]
    assert not socket_.closed
    await socket_.close()


# -- limits and headers ---------------------------------------------------------------------------

async def test_messages_are_rate_limited_per_client(aiohttp_client, engine):
    app = create_app(engine, assistant_url=f"http://127.0.0.1:{closed_port()}/x",
                     settings=fast_settings(messages_per_minute=1, message_burst=3))
    client = await aiohttp_client(app)
    token = await new_conversation(client)
    statuses = [
        (await client.post("/chat/messages", json={"conversation": token, "text": "hej"})).status for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    response = await client.post("/chat/messages", json={"conversation": token, "text": "hej"})
    assert int(response.headers["Retry-After"]) >= 1
    assert "Vent et øjeblik" in (await response.json())["text"]


async def test_new_sessions_are_rate_limited_per_client(aiohttp_client, engine):
    app = create_app(engine, settings=fast_settings(sessions_per_hour=1, session_burst=2))
    client = await aiohttp_client(app)
    assert [(await client.post("/chat/session")).status for _ in range(3)] == [201, 201, 429]


async def test_a_conversation_token_in_a_url_is_refused(client):
    token = await new_conversation(client)
    polled = await client.get("/chat/events", params={"conversation": token, "after": "0"})
    assert polled.status == 400 and (await polled.json())["error"] == "token_in_url"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(f"/chat/ws?conversation={token}")
    assert refused.value.status == 400
    polled = await client.get("/chat/events", params={"after": "0"}, headers={"X-Conversation": token})
    assert polled.status == 200 and polled.headers.get("X-Conversation") is None


@pytest.mark.parametrize("first", [{"type": "message", "text": "hej"}, {"type": "resume", "conversation": "nope"}])
async def test_a_websocket_whose_first_frame_does_not_name_a_conversation_is_closed(client, first):
    await new_conversation(client)
    socket_ = await client.ws_connect("/chat/ws")
    await socket_.send_json(first)
    assert (await asyncio.wait_for(socket_.receive_json(), timeout=10))["error"] == "unknown_conversation"
    assert (await asyncio.wait_for(socket_.receive(), timeout=10)).type == aiohttp.WSMsgType.CLOSE


@pytest.mark.parametrize("path", ["/", "/widget.js", "/chat/events"])
async def test_every_answer_carries_strict_security_headers(client, path):
    response = await client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


class _PageAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = self.style_attributes = 0
        self.script_sources: list[str] = []
        self.lang = None
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "script":
            if attributes.get("src"):
                self.script_sources.append(attributes["src"])
            else:
                self.inline_scripts += 1
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.style_attributes += 1
        for name in ("href", "src"):
            if attributes.get(name):
                self.links.append(attributes[name])


async def test_demo_page_embeds_the_widget_with_one_script_tag_and_no_outside_resources(client):
    audit = _PageAudit()
    audit.feed(await (await client.get("/")).text())
    assert audit.lang == "da"
    assert audit.script_sources == ["/widget.js"] and audit.inline_scripts == 0 and audit.style_attributes == 0
    assert not [link for link in audit.links if re.match(r"(https?:)?//", link)]


async def test_the_widget_script_loads_nothing_from_other_hosts(client):
    script = await (await client.get("/widget.js")).text()
    assert not re.search(r"https?://(?!localhost|www\.w3\.org/2000/svg)", script)  # an XML namespace is no request
    assert not re.search(r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function", script)


async def test_an_assistant_answering_with_nothing_still_gets_the_user_the_hotline(aiohttp_client, aiohttp_server, engine):
    """Rasa answers an empty list when the action server is down (seen with Rasa 3.6.21)."""
    app = create_app(engine, assistant_url=await assistant_answering(aiohttp_server, []), settings=fast_settings())
    client = await aiohttp_client(app)
    token = await new_conversation(client)
    events = (await (await client.post("/chat/messages", json={"conversation": token, "text": "hej"})).json())["events"]
    assert [e["type"] for e in events] == ["notice"]
    assert_points_to_the_hotline(events[0]["text"])


async def test_the_server_keeps_only_the_events_the_widget_has_not_acknowledged(aiohttp_client, aiohttp_server, engine):
    """The widget sends `after` (the last event it has) with each message, over HTTP and WebSocket."""
    from bot.web.appkeys import CONVERSATIONS

    answer = [{"text": "Tak, fordi du skriver."}]
    app = create_app(engine, assistant_url=await assistant_answering(aiohttp_server, answer), settings=fast_settings())
    client = await aiohttp_client(app)
    store = app[CONVERSATIONS]
    token = await new_conversation(client)
    for after in (0, 1):
        events = (await (await client.post("/chat/messages", json={"conversation": token, "text": "hej",
                                                                   "after": after})).json())["events"]
        assert [e["seq"] for e in events] == [after + 1]
    assert [e["seq"] for e in await store.events_after(token, 0)] == [2]
    socket_ = await client.ws_connect("/chat/ws")
    await socket_.send_json({"type": "resume", "conversation": token, "after": 2})
    await socket_.send_json({"type": "message", "text": "hej igen", "after": 2})
    assert (await asyncio.wait_for(socket_.receive_json(), timeout=10))["seq"] == 3
    await socket_.send_json({"type": "message", "text": "og igen", "after": True})  # not a number: ignored
    assert (await asyncio.wait_for(socket_.receive_json(), timeout=10))["seq"] == 4
    await socket_.close()
    assert [e["seq"] for e in await store.events_after(token, 0)] == [3, 4]


@pytest.mark.parametrize(("hour", "waits_for_staff"), [(12, True), (23, False)])
async def test_a_handoff_goes_live_only_while_the_hotline_is_open(aiohttp_server, hour, waits_for_staff):
    """Outside the hotline's hours the assistant has told the user to call when it opens (the
    handoff action's own test shows that); the chat then does not make them wait."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.web.chat import ChatService
    from bot.web.conversations import MemoryConversations
    from bot.web.handoff_limit import HandoffLimit
    from bot.web.live import DeskHub, LiveRelay
    from bot.web.rasa import RasaClient
    from bot.web.ratelimit import RateLimiter

    after_handoff = [{"text": "Din sagskode er K7HM-4XRT."}, {"custom": {"handoff": {"case_code": "K7HM-4XRT"}}}]
    rasa = RasaClient(await assistant_answering(aiohttp_server, after_handoff), 2)
    await rasa.start()
    store = MemoryConversations(DeskHub(), 50, 3600)
    noon_or_night = datetime(2026, 11, 23, hour, tzinfo=ZoneInfo("Europe/Copenhagen"))
    handoff_limit = HandoffLimit(None, RateLimiter(1, 1), per_conversation=1)  # this first case is let through
    chat = ChatService(store, LiveRelay(store, 600), rasa, web_settings().chat, handoff_limit, clock=lambda: noon_or_night)
    conversation = await store.open()
    await chat.receive(conversation, "jeg vil tale med et menneske", client="192.0.2.1")
    await rasa.close()
    modes = [e.get("mode") for e in await store.events_after(conversation.token, 0) if e["type"] == "status"]
    assert modes == (["waiting"] if waits_for_staff else [])


@pytest.mark.parametrize("token", [["a list"], {"a": 1}, 42, None])
async def test_a_conversation_token_that_is_not_text_is_an_unknown_conversation(client, token):
    for path in ("/chat/messages", "/chat/restart"):
        response = await client.post(path, json={"conversation": token, "text": "hej"})
        assert response.status in (200, 404), path  # never a server error
    response = await client.post("/chat/messages", json={"conversation": token, "text": "hej"})
    assert (await response.json())["error"] == "unknown_conversation"
