"""Several web app instances behind a load balancer: any instance serves any request of any
conversation, the live relay between a user and a worker crosses instances, Redis stopping still
gives every user a kind answer with the hotline's number within seconds and recovers by itself, and
the client's address, scheme and host are taken only from a trusted proxy's headers."""

import asyncio
import time

import pytest
from aiohttp import web

from bot.knowledge.contacts import route
from bot.store.engine import make_engine
from bot.store.migrate import upgrade
from bot.web.app import create_app
from tests.support.redis_server import redis_process
from tests.test_web_chat import assert_points_to_the_hotline, fast_settings
from tests.test_web_desk import PASSWORD, csrf_from, desk_client, log_in, new_case, page

HOTLINE = route("hotline")


@pytest.fixture
def engine(tmp_path):
    from bot.staff.accounts import create_account

    url = f"sqlite:///{tmp_path / 'scaleout.db'}"
    upgrade(url)
    engine = make_engine(url)
    create_account(engine, "lise", PASSWORD)
    yield engine
    engine.dispose()


@pytest.fixture
def redis_server():
    with redis_process() as server:
        yield server


async def assistant(aiohttp_server, engine) -> str:
    """A server answering as Rasa's REST channel: an echo, and a handoff (a real stored case) when
    the user asks for a person."""
    async def reply(request: web.Request) -> web.Response:
        body = await request.json()
        if "menneske" in body["message"]:
            code = await asyncio.to_thread(new_case, engine)
            return web.json_response([{"text": f"Din sagskode er {code}."}, {"custom": {"handoff": {"case_code": code}}}])
        return web.json_response([{"text": f"svar på: {body['message']}"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", reply)
    return str((await aiohttp_server(app)).make_url("/webhooks/rest/webhook"))


async def instances(aiohttp_server, engine, state_url: str, count: int = 2, **limits) -> list:
    url = await assistant(aiohttp_server, engine)
    settings = fast_settings(**limits)
    return [await aiohttp_server(create_app(engine, assistant_url=url, settings=settings, state_url=state_url))
            for _ in range(count)]


async def test_any_instance_serves_any_request_of_a_conversation(aiohttp_client, aiohttp_server, engine, redis_server):
    first, second = [await aiohttp_client(server) for server in await instances(aiohttp_server, engine, redis_server.url)]
    token = (await (await first.post("/chat/session")).json())["conversation"]

    response = await second.post("/chat/messages", json={"conversation": token, "text": "hej"})
    assert [e["text"] for e in (await response.json())["events"]] == ["svar på: hej"]
    polled = await (await first.get("/chat/events", params={"after": "0"}, headers={"X-Conversation": token})).json()
    assert [e["text"] for e in polled["events"]] == ["svar på: hej"]

    socket = await first.ws_connect("/chat/ws")
    await socket.send_json({"type": "resume", "conversation": token, "after": 0})
    assert (await asyncio.wait_for(socket.receive_json(), 5))["text"] == "svar på: hej"
    await second.post("/chat/messages", json={"conversation": token, "text": "igen"})
    assert (await asyncio.wait_for(socket.receive_json(), 5))["text"] == "svar på: igen"
    await socket.close()


async def test_the_rate_limits_hold_across_instances(aiohttp_client, aiohttp_server, engine, redis_server):
    servers = await instances(aiohttp_server, engine, redis_server.url, sessions_per_hour=1, session_burst=2,
                              messages_per_minute=1, message_burst=2)
    first, second = [await aiohttp_client(server) for server in servers]
    assert (await first.post("/chat/session")).status == 201
    token = (await (await second.post("/chat/session")).json())["conversation"]
    assert (await first.post("/chat/session")).status == 429  # one address, whichever instance
    statuses = [(await client.post("/chat/messages", json={"conversation": token, "text": "hej"})).status
                for client in (first, second, first)]
    assert statuses == [200, 200, 429]


async def test_failed_logins_count_across_instances_and_nobody_logs_in_unthrottled_without_redis(
        aiohttp_client, aiohttp_server, engine, redis_server):
    first, second = [await desk_client(aiohttp_client, server)
                     for server in await instances(aiohttp_server, engine, redis_server.url)]
    statuses = [(await log_in(client, password="forkert forkert")).status for client in (first, second) * 3]
    assert statuses == [401] * 5 + [429]  # five failures allowed in all, not five per instance
    assert (await log_in(first)).status == 429  # even the right password now waits

    redis_server.stop()
    response = await log_in(second)
    assert response.status == 503 and "Prøv igen om et øjeblik" in await response.text()


async def test_a_user_on_one_instance_talks_live_with_a_worker_on_another(aiohttp_client, aiohttp_server, engine,
                                                                         redis_server, monkeypatch):
    monkeypatch.setenv("LIVE_CHAT_HOURS", "always")  # whatever the hour the test runs
    user_server, desk_server = await instances(aiohttp_server, engine, redis_server.url)
    user = await aiohttp_client(user_server)
    token = (await (await user.post("/chat/session")).json())["conversation"]
    chat = await user.ws_connect("/chat/ws")
    await chat.send_json({"type": "resume", "conversation": token, "after": 0})
    await asyncio.wait_for(chat.receive_json(), 5)  # the greeting
    await chat.send_json({"type": "message", "text": "jeg vil tale med et menneske"})
    events = [await asyncio.wait_for(chat.receive_json(), 5) for _ in range(2)]
    assert events[1]["mode"] == "waiting"
    code = events[1]["case_code"]

    desk = await desk_client(aiohttp_client, desk_server)
    await log_in(desk)
    _, html = await page(desk, "/staff")
    assert code in html and "I chatten nu" in html
    _, html = await page(desk, f"/staff/cases/{code}")
    csrf = csrf_from(html)
    origin = str(desk_server.make_url("")).rstrip("/")
    case_socket = await desk.ws_connect(f"/staff/ws?case={code}", headers={"Origin": origin})

    await desk.post(f"/staff/cases/{code}/claim", data={"csrf_token": csrf})
    assert (await asyncio.wait_for(chat.receive_json(), 5))["mode"] == "human"
    await desk.post(f"/staff/cases/{code}/messages", json={"text": "Hej, jeg hedder Lise"}, headers={"X-CSRF-Token": csrf})
    assert (await asyncio.wait_for(chat.receive_json(), 5))["text"] == "Hej, jeg hedder Lise"

    await chat.send_json({"type": "message", "text": "<b>tak</b>"})
    heard = [await asyncio.wait_for(case_socket.receive_json(), 5) for _ in range(3)]
    assert {"type": "user", "text": "<b>tak</b>"}.items() <= heard[-1].items()

    await desk.post(f"/staff/cases/{code}/resolve", data={"csrf_token": csrf, "outcome": next(iter(_outcomes()))})
    assert (await asyncio.wait_for(chat.receive_json(), 5))["mode"] == "bot"
    await chat.send_json({"type": "message", "text": "hej igen"})
    assert (await asyncio.wait_for(chat.receive_json(), 5))["text"] == "svar på: hej igen"
    await chat.close()
    await case_socket.close()


def _outcomes():
    from bot.web.desk_labels import outcomes

    return outcomes()


async def test_with_redis_stopped_every_message_gets_the_hotline_number_fast_and_it_recovers(
        aiohttp_client, aiohttp_server, engine, redis_server):
    (server,) = await instances(aiohttp_server, engine, redis_server.url, count=1)
    client = await aiohttp_client(server)
    token = (await (await client.post("/chat/session")).json())["conversation"]
    socket = await client.ws_connect("/chat/ws")
    await socket.send_json({"type": "resume", "conversation": token, "after": 0})
    await asyncio.wait_for(socket.receive_json(), 5)

    redis_server.stop()
    started = time.monotonic()
    response = await client.post("/chat/messages", json={"conversation": token, "text": "hjælp"})
    assert response.status == 503 and time.monotonic() - started < 5
    assert_points_to_the_hotline((await response.json())["text"])
    started = time.monotonic()
    await socket.send_json({"type": "message", "text": "hjælp"})
    notice = await asyncio.wait_for(socket.receive_json(), 5)
    assert notice["type"] == "notice" and time.monotonic() - started < 5
    assert_points_to_the_hotline(notice["text"])
    response = await client.post("/chat/session")
    assert response.status == 503
    assert_points_to_the_hotline((await response.json())["text"])
    assert (await (await client.get("/readyz")).json())["conversations"] is False

    redis_server.start()  # empty: Redis keeps nothing on disk, so the widget starts a new conversation
    response = await client.post("/chat/messages", json={"conversation": token, "text": "hej"})
    assert response.status == 404 and (await response.json())["error"] == "unknown_conversation"
    token = (await (await client.post("/chat/session")).json())["conversation"]
    response = await client.post("/chat/messages", json={"conversation": token, "text": "hej"})
    assert [e["text"] for e in (await response.json())["events"]] == ["svar på: hej"]
    await socket.close()


# -- behind a trusted proxy -------------------------------------------------------------------------

@pytest.fixture
async def behind_proxy(aiohttp_server, engine):
    """The desk and chat as nginx on the same machine (127.0.0.1) would reach them."""
    return await aiohttp_server(create_app(engine, assistant_url="http://127.0.0.1:9/none",
                                           settings=fast_settings(sessions_per_hour=1, session_burst=1),
                                           proxies=["127.0.0.1"]))


async def test_the_client_address_comes_from_the_trusted_proxy(aiohttp_client, behind_proxy):
    client = await aiohttp_client(behind_proxy)
    outside = {"X-Forwarded-For": "80.62.117.9"}
    assert (await client.get("/metrics", headers=outside)).status == 403
    assert (await client.get("/metrics")).status == 200  # the machine itself
    # A client's own X-Forwarded-For entry is passed over: the proxy appended the real address.
    spoofed = {"X-Forwarded-For": "127.0.0.1, 80.62.117.9"}
    assert (await client.get("/metrics", headers=spoofed)).status == 403
    # The limit on new conversations counts per client address, not per proxy.
    assert (await client.post("/chat/session", headers=outside)).status == 201
    assert (await client.post("/chat/session", headers=outside)).status == 429
    assert (await client.post("/chat/session", headers={"X-Forwarded-For": "80.62.117.10"})).status == 201


async def test_without_trusted_proxies_the_forwarded_headers_are_ignored(aiohttp_client, aiohttp_server, engine):
    client = await aiohttp_client(await aiohttp_server(create_app(
        engine, assistant_url="http://127.0.0.1:9/none", proxies=[])))
    assert (await client.get("/metrics", headers={"X-Forwarded-For": "80.62.117.9"})).status == 200


async def test_the_desk_accepts_the_public_https_origin_the_proxy_passes_on(aiohttp_client, behind_proxy):
    desk = await desk_client(aiohttp_client, behind_proxy)
    public = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hotline.example.dk", "X-Forwarded-For": "80.62.117.9"}
    csrf = csrf_from(await (await desk.get("/staff/login", headers=public)).text())
    form = {"username": "lise", "password": PASSWORD, "csrf_token": csrf}
    response = await desk.post("/staff/login", data=form, headers={**public, "Origin": "https://hotline.example.dk"},
                               allow_redirects=False)
    assert response.status == 303
    response = await desk.post("/staff/login", data=form, headers={**public, "Origin": "https://evil.example"},
                               allow_redirects=False)
    assert response.status == 403
