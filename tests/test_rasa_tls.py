"""The web app's client to Rasa over TLS (ASVS 12.3.1 / 12.3.3): against a local HTTPS server with a
certificate made here by trustme, a message and the readiness check go through when the client
trusts the CA that signed it (RASA_CA_FILE), and fail when it trusts another CA or none set up.
Rasa's and the action server's own TLS (--ssl-certificate) are their options, not tested here:
docs/deployment.md, "Internal TLS"."""

import ssl

import pytest
import trustme
from aiohttp import web

from bot.store.engine import make_engine
from bot.web.app import create_app
from bot.web.rasa import AssistantUnavailable, RasaClient, server_verification


@pytest.fixture
def ca():
    return trustme.CA()


@pytest.fixture
async def rasa_over_tls(aiohttp_server, ca):
    """The URL of an HTTPS server for "localhost" answering as Rasa's REST channel would."""
    async def reply(request: web.Request) -> web.Response:
        return web.json_response([{"text": "Hej over TLS"}])

    async def root(request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa")

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", reply)
    app.router.add_get("/", root)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    server = await aiohttp_server(app, ssl=context, host="localhost")
    return f"https://localhost:{server.port}/webhooks/rest/webhook"


def ca_file(ca, tmp_path, name: str = "ca.pem") -> str:
    path = tmp_path / name
    ca.cert_pem.write_to_path(str(path))
    return str(path)


async def test_a_message_goes_over_tls_to_a_server_the_ca_file_vouches_for(rasa_over_tls, ca, tmp_path):
    client = RasaClient(rasa_over_tls, 5, ca_file(ca, tmp_path))
    await client.start()
    try:
        [reply] = await client.send("someone", "hej")
        assert reply.text == "Hej over TLS"
        assert await client.answers()
    finally:
        await client.close()


async def test_a_server_signed_by_another_ca_is_refused(rasa_over_tls, tmp_path):
    client = RasaClient(rasa_over_tls, 5, ca_file(trustme.CA(), tmp_path, "other.pem"))
    await client.start()
    try:
        with pytest.raises(AssistantUnavailable, match="ClientConnectorCertificateError"):
            await client.send("someone", "hej")
        with pytest.raises(ssl.SSLError):
            await client.answers()
    finally:
        await client.close()


async def test_without_a_ca_file_the_systems_cas_decide_and_refuse_a_private_one(rasa_over_tls):
    client = RasaClient(rasa_over_tls, 5)
    await client.start()
    try:
        with pytest.raises(AssistantUnavailable):
            await client.send("someone", "hej")
    finally:
        await client.close()


def test_a_ca_file_with_a_plain_http_address_is_a_configuration_error(ca, tmp_path):
    with pytest.raises(ValueError, match="not https"):
        server_verification("http://rasa:5005/webhooks/rest/webhook", ca_file(ca, tmp_path))
    assert server_verification("http://127.0.0.1:5005/webhooks/rest/webhook", None) is True


async def test_the_web_app_reads_the_ca_file_from_the_environment(aiohttp_client, rasa_over_tls, ca, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("RASA_CA_FILE", ca_file(ca, tmp_path))
    client = await aiohttp_client(create_app(make_engine("sqlite://"), assistant_url=rasa_over_tls, proxies=[]))
    response = await client.post("/chat/session")
    token = (await response.json())["conversation"]
    response = await client.post("/chat/messages", json={"conversation": token, "text": "hej"})
    assert response.status == 200
    texts = [event.get("text") for event in (await response.json())["events"]]
    assert "Hej over TLS" in texts
