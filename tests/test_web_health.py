"""Liveness, readiness and metrics of the web app: readiness names the part that does not answer,
and the metrics count messages without ever carrying what a user wrote."""

import pytest
from aiohttp import web

from bot.store.engine import make_engine
from bot.store.migrate import upgrade
from bot.web.app import create_app
from bot.web.health import internal_address
from tests.test_web_chat import closed_port, fast_settings


async def rasa_like_server(aiohttp_server) -> str:
    """A server that answers like Rasa's root page and REST channel (a greeting, one reply)."""
    async def root(request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def webhook(request: web.Request) -> web.Response:
        return web.json_response([{"text": "Hej! Jeg er en automatisk assistent."}])

    app = web.Application()
    app.router.add_get("/", root)
    app.router.add_post("/webhooks/rest/webhook", webhook)
    return str((await aiohttp_server(app)).make_url("/webhooks/rest/webhook"))


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'health.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


async def test_liveness_answers(aiohttp_client, engine):
    client = await aiohttp_client(create_app(engine, assistant_url=f"http://127.0.0.1:{closed_port()}/x"))
    response = await client.get("/healthz")
    assert response.status == 200 and (await response.json())["status"] == "ok"


async def test_ready_only_when_the_store_and_the_assistant_answer(aiohttp_client, aiohttp_server, engine):
    ready = await aiohttp_client(create_app(engine, assistant_url=await rasa_like_server(aiohttp_server)))
    response = await ready.get("/readyz")
    assert response.status == 200 and await response.json() == {"ready": True, "database": True, "assistant": True, "conversations": True}

    no_assistant = await aiohttp_client(create_app(engine, assistant_url=f"http://127.0.0.1:{closed_port()}/webhooks/rest/webhook"))
    response = await no_assistant.get("/readyz")
    assert response.status == 503 and await response.json() == {"ready": False, "database": True, "assistant": False, "conversations": True}

    broken = make_engine(f"postgresql://postgres@127.0.0.1:{closed_port()}/gone")  # a stopped server
    no_store = await aiohttp_client(create_app(broken, assistant_url=await rasa_like_server(aiohttp_server)))
    response = await no_store.get("/readyz")
    assert response.status == 503 and (await response.json())["database"] is False
    broken.dispose()

    no_redis = await aiohttp_client(create_app(engine, assistant_url=await rasa_like_server(aiohttp_server),
                                               state_url=f"redis://127.0.0.1:{closed_port()}/0"))
    response = await no_redis.get("/readyz")
    assert response.status == 503 and (await response.json())["conversations"] is False


async def test_metrics_count_messages_and_never_carry_user_text(aiohttp_client, aiohttp_server, engine):
    client = await aiohttp_client(create_app(engine, assistant_url=await rasa_like_server(aiohttp_server),
                                             settings=fast_settings()))
    token = (await (await client.post("/chat/session")).json())["conversation"]
    await client.post("/chat/messages", json={"conversation": token, "text": "Min søn Hemmeligsen-7x er 15"})
    body = await (await client.get("/metrics")).text()
    assert 'chat_messages_total{channel="http",handled_by="assistant"}' in body
    assert "assistant_latency_seconds_count" in body
    assert "Hemmeligsen" not in body and token not in body


@pytest.mark.parametrize(("address", "internal"), [
    ("127.0.0.1", True), ("::1", True), ("10.1.2.3", True), ("192.168.0.7", True),
    ("93.184.216.34", False), ("8.8.8.8", False), (None, False), ("not an address", False),
])
def test_metrics_are_for_the_machine_and_the_operators_network_only(address, internal):
    assert internal_address(address) is internal
