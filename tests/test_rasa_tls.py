"""The web app's client to Rasa over TLS (ASVS 12.3.1 / 12.3.3): against a local HTTPS server with a
certificate made here by trustme, a message and the readiness check go through when the client
trusts the CA that signed it (RASA_CA_FILE), and fail when it trusts another CA or none set up.
The action server started with --ssl-certificate as in actions.yaml serves HTTPS only, and Rasa's
own client, reading deploy/docker/rasa-endpoints.yml, reaches it only with the right CA file. Rasa
serving HTTPS itself (`rasa run --ssl-certificate`) needs a model and ~30 s: not tested here
(docs/deployment.md, "Internal TLS")."""

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import trustme
from aiohttp import web

from bot.store.engine import make_engine
from bot.web.app import create_app
from bot.web.rasa import AssistantUnavailable, RasaClient, server_verification

ROOT = Path(__file__).resolve().parents[1]


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


# -- the action server's HTTPS and Rasa's verification of it (both cheap: no model, no Rasa server) --

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
CALL_THE_ACTIONS = """
import asyncio, sys
from rasa.utils.endpoints import read_endpoint_config

async def main():
    endpoint = read_endpoint_config(sys.argv[1], "action_endpoint")
    try:
        await endpoint.request(json={"next_action": "action_none", "sender_id": "x", "tracker": {}, "domain": {}},
                               method="post")
        print("answered")
    except Exception as error:
        print(type(error).__name__)

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def action_server_over_tls(ca, tmp_path):
    """rasa-sdk's action server (an empty actions package) serving HTTPS with a certificate for
    "localhost", started the way actions.yaml starts it: its URL."""
    cert = ca.issue_cert("localhost")
    cert.private_key_pem.write_to_path(str(tmp_path / "tls.key"))
    (tmp_path / "tls.crt").write_bytes(b"".join(pem.bytes() for pem in cert.cert_chain_pems))
    (tmp_path / "no_actions").mkdir()
    (tmp_path / "no_actions" / "__init__.py").write_text("")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "no_actions", "--port", str(port),
         "--ssl-certificate", str(tmp_path / "tls.crt"), "--ssl-keyfile", str(tmp_path / "tls.key")],
        cwd=tmp_path, env={**os.environ, "SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(tmp_path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(cafile=ca_file(ca, tmp_path))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"https://localhost:{port}/health", context=context, timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the action server did not start"
                time.sleep(0.2)
        yield f"https://localhost:{port}/webhook"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_action_server_serves_https_only(action_server_over_tls):
    plain = action_server_over_tls.replace("https://", "http://").replace("/webhook", "/health")
    with pytest.raises(OSError):  # no fallback to plain HTTP on the same port
        urllib.request.urlopen(plain, timeout=2)


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="Rasa's environment (.venv-rasa) is not set up")
def test_rasa_reaches_the_action_server_only_through_the_ca_of_its_endpoints_file(action_server_over_tls, ca,
                                                                                    tmp_path):
    """deploy/docker/rasa-endpoints.yml as the image has it, read by Rasa's own code: with the CA
    that signed the action server's certificate the request goes through (the empty package has no
    such action: 404), with another CA it is refused before anything is sent."""
    environment = {"ACTION_ENDPOINT_URL": action_server_over_tls, "LOCK_STORE_HOST": "localhost",
                   "LOCK_STORE_PORT": "6379", "LOCK_STORE_DB": "1", "LOCK_STORE_PASSWORD": ""}
    answers = {}
    for name, authority in (("right", ca), ("other", trustme.CA())):
        environment["ACTION_ENDPOINT_CA_FILE"] = ca_file(authority, tmp_path, f"{name}.pem")
        result = subprocess.run(
            [str(RASA_PYTHON), "-c", CALL_THE_ACTIONS, str(ROOT / "deploy" / "docker" / "rasa-endpoints.yml")],
            env={**os.environ, **environment, "RASA_TELEMETRY_ENABLED": "false"},
            capture_output=True, text=True, timeout=120)
        answers[name] = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:]
    assert answers == {"right": "ClientResponseError", "other": "ClientConnectorCertificateError"}
