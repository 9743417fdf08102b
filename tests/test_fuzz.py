"""Fuzzing the public chat endpoints (hypothesis) through a real web app instance, the running
assistant and its stores: thousands of random, huge, binary, unicode and script-laden messages,
some carrying personal data. No answer may be a server error, and none of the personal data may
reach the tracker store or the handoff store. `make test` runs it against the running assistant."""

import asyncio
import json
import os
import threading
import urllib.error
import urllib.request
from dataclasses import replace

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store.engine import make_engine
from bot.store.settings import database_url, tracker_store_url
from bot.web.app import create_app
from bot.web.settings import web_settings
from tests.test_privacy_acceptance import dump_database

pytestmark = pytest.mark.conversation

RASA_URL = os.environ.get("RASA_URL")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
CPR_NUMBERS = ["020304-1234", "3112991234", "150807 4321"]
PHONES = ["+45 31 42 53 64", "28193746", "0045 61 72 83 94"]
EMAILS = ["fuzz.person@example.dk", "anna_b+bekymret@skole.example.com"]
NAMES = ["Fuzzbert", "Quirinius"]
SCRIPTS = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "javascript:alert(1)",
    "{{7*7}}${7*7}", "'; DROP TABLE handoffs; --", "\u202eevil\u202c", "\x00\x1b[31m",
]
PLANTED = CPR_NUMBERS + PHONES + EMAILS + NAMES


def planted_message():
    """Random text around one piece of personal data, kept apart by spaces as a person would type."""
    data = st.one_of(
        st.sampled_from(CPR_NUMBERS).map(lambda v: f"cpr {v}"),
        st.sampled_from(PHONES).map(lambda v: f"ring på {v}"),
        st.sampled_from(EMAILS),
        st.sampled_from(NAMES).map(lambda v: f"min søn hedder {v}"),
    )
    return st.tuples(st.text(max_size=200), data, st.text(max_size=200)).map(lambda p: f"{p[0]} {p[1]} {p[2]}")


BODIES = st.one_of(
    st.text(max_size=3000).map(lambda t: {"text": t}),
    st.text(min_size=2001, max_size=60_000).map(lambda t: {"text": t}),
    planted_message().map(lambda t: {"text": t}),
    st.tuples(st.sampled_from(SCRIPTS), st.text(max_size=100)).map(lambda p: {"text": p[0] + p[1]}),
    st.one_of(st.integers(), st.none(), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)).map(lambda v: {"text": v}),
    st.tuples(st.text(max_size=50), st.text(max_size=80)).map(lambda p: {"text": p[0], "payload": p[1]}),
    st.binary(max_size=5000),
)


class RunningApp:
    """The web app served from a background thread, talking to the running assistant, with rate
    limits raised so the fuzzer's messages reach it."""

    def __init__(self) -> None:
        defaults = web_settings()
        self.settings = replace(defaults, rate_limit=replace(defaults.rate_limit, message_burst=10**6,
                                                             session_burst=10**6))
        self.loop = asyncio.new_event_loop()
        self.engine = make_engine()
        self.port = 0

    def start(self) -> None:
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        assert ready.wait(30), "the web app did not start"

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        app = create_app(self.engine, assistant_url=f"{RASA_URL}/webhooks/rest/webhook", settings=self.settings)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.engine.dispose()

    def post(self, path: str, body: bytes) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


@pytest.fixture(scope="module")
def app():
    if not RASA_URL:
        pytest.skip("no Rasa server: set RASA_URL, or run `make test`, which starts one")
    running = RunningApp()
    running.start()
    yield running
    running.stop()


def new_conversation(app: RunningApp) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{app.port}/chat/session", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["conversation"]


def test_random_messages_never_cause_a_server_error_nor_leak_personal_data(app):
    conversations = [new_conversation(app) for _ in range(20)]
    statuses: list[int] = []

    # derandomize: the same examples every run, so a failure can be reproduced and CI does not flip.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(body=BODIES, which=st.integers(0, len(conversations) - 1))
    def send(body, which):
        if isinstance(body, bytes):
            status = app.post("/chat/messages", body)
        else:
            status = app.post("/chat/messages", json.dumps({"conversation": conversations[which], **body}).encode())
        statuses.append(status)
        assert status < 500, f"HTTP {status} for {body!r:.200}"

    send()
    assert len(statuses) >= min(EXAMPLES, 500)
    assert statuses.count(200) > len(statuses) // 3, "too few messages reached the assistant"
    stored = dump_database(tracker_store_url()) + dump_database(database_url())
    leaked = [value for value in PLANTED if value in stored]
    assert not leaked, f"personal data reached a store: {leaked}"
