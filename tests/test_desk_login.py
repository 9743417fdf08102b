"""The staff desk's log-in under pressure, over HTTP on a real SQLite store with the throttle in
memory and in Redis: a burst of log-ins runs only a few password checks at once (and a real web
app process stays small), concurrent guesses are counted before they are checked, strangers lock
neither an account nor an office out, the log-in page stores nothing, and one password length."""

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import aiohttp
import pytest
from aiohttp import CookieJar, DummyCookieJar
from sqlalchemy import func, inspect, select, table

from bot.staff import accounts
from bot.staff.settings import staff_settings
from bot.store.migrate import upgrade
from bot.web.app import create_app
from bot.web.appkeys import THROTTLE
from tests.support.processes import free_port, wait_until_listening
from tests.test_web_desk import PASSWORD, csrf_from, desk_client, engine  # noqa: F401 (engine: the desk fixture)

ROOT = Path(__file__).resolve().parents[1]
WRONG = "forkert forkert"
RSS_LIMIT_MB = 200


def desk_app(engine):
    """The desk behind a trusted proxy on this machine, so a test can log in from any address."""
    return create_app(engine, assistant_url="http://127.0.0.1:9/none", proxies=["127.0.0.1"])


@pytest.fixture
async def desk(engine, aiohttp_server):
    return await aiohttp_server(desk_app(engine))


@pytest.fixture
async def desk_in_either_store(engine, aiohttp_server, conversation_store):
    """The desk with its log-in throttle in each conversation store (Redis under a key prefix of its
    own); the throttle's algorithm is the same in both (tests/test_staff_accounts.py)."""
    app = desk_app(engine)
    app[THROTTLE] = conversation_store.login_throttle(staff_settings().login_throttle)
    return await aiohttp_server(app)


async def browser(aiohttp_client, desk):
    """A desk client with the log-in form's token."""
    client = await desk_client(aiohttp_client, desk)
    client.token = csrf_from(await (await client.get("/staff/login")).text())
    return client


async def log_in_from(client, address: str, username: str = "lise", password: str = PASSWORD):
    return await client.post("/staff/login", data={"username": username, "password": password,
                                                   "csrf_token": client.token},
                             headers={"X-Forwarded-For": address}, allow_redirects=False)


class CheckCounter:
    """The real argon2 check, counting the checks and how many run at once."""

    def __init__(self, check) -> None:
        self.check, self.lock = check, threading.Lock()
        self.running = self.most = self.total = 0

    def __call__(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.running += 1
            self.total += 1
            self.most = max(self.most, self.running)
        try:
            return self.check(password_hash, password)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def checks(monkeypatch) -> CheckCounter:
    counter = CheckCounter(accounts._verify)
    monkeypatch.setattr(accounts, "_verify", counter)
    return counter


# -- finding: a burst of log-ins ------------------------------------------------------------------

async def test_fifty_log_ins_at_once_run_only_a_few_password_checks_together(aiohttp_client, desk, checks):
    client = await browser(aiohttp_client, desk)
    responses = await asyncio.gather(*(log_in_from(client, "198.51.100.1", f"ukendt{n:02}", WRONG)
                                       for n in range(50)))
    statuses = [response.status for response in responses]
    limits = staff_settings().password_checks
    assert checks.most <= limits.at_once
    assert set(statuses) == {401, 503} and checks.total == statuses.count(401)
    busy = [response for response in responses if response.status == 503]
    assert {response.headers["Retry-After"] for response in busy} == {str(limits.retry_after_seconds)}
    assert "Prøv igen om lidt" in await busy[0].text()
    assert (await log_in_from(client, "198.51.100.1")).status == 303  # the refused tries were handed back


def _peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


@pytest.fixture
def web_process(tmp_path):
    """`python -m bot.web` on SQLite, with no Rasa behind it: the process a pod runs."""
    url = f"sqlite:///{tmp_path / 'process.db'}"
    upgrade(url)
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": url, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port),
                   "RASA_URL": "http://127.0.0.1:9", "STAFF_COOKIE_SECURE": "0"}
    for name in ("CHAT_STATE_URL", "TRUSTED_PROXIES", "WEB_SETTINGS"):
        environment.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_listening(process, port)
    yield process, f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


async def test_a_web_app_process_stays_small_under_fifty_log_ins_at_once(web_process):
    process, base = web_process
    async with aiohttp.ClientSession(base, cookie_jar=CookieJar(unsafe=True)) as client:
        token = csrf_from(await (await client.get("/staff/login")).text())
        for round_ in range(3):
            responses = await asyncio.gather(*(
                client.post("/staff/login", data={"username": f"ukendt{round_}x{n:02}", "password": WRONG,
                                                  "csrf_token": token}, allow_redirects=False)
                for n in range(50)))
            assert {response.status for response in responses} <= {401, 503}
    assert _peak_rss_mb(process.pid) < RSS_LIMIT_MB


# -- finding: concurrent guesses ------------------------------------------------------------------

async def test_concurrent_guesses_are_counted_before_any_is_checked(aiohttp_client, desk_in_either_store, checks):
    client = await browser(aiohttp_client, desk_in_either_store)
    responses = await asyncio.gather(*(log_in_from(client, "198.51.100.2", password=WRONG) for _ in range(40)))
    allowed = staff_settings().login_throttle.per_account_and_address
    statuses = [response.status for response in responses]
    assert statuses.count(401) == allowed and statuses.count(429) == 40 - allowed
    assert checks.total == allowed
    assert all(int(response.headers["Retry-After"]) > 0 for response in responses if response.status == 429)


# -- finding: no lock-out by others ---------------------------------------------------------------

async def test_strangers_failures_do_not_lock_the_owner_out_from_another_address(aiohttp_client, desk):
    limits = staff_settings().login_throttle
    stranger = await browser(aiohttp_client, desk)
    # Enough strangers' addresses that the account is busy (one try a pair) before the last.
    addresses = [f"198.51.100.{10 + n}" for n in range(limits.per_account // limits.per_account_and_address + 1)]
    for address in addresses:
        statuses = [(await log_in_from(stranger, address, password=WRONG)).status
                    for _ in range(limits.per_account_and_address + 1)]
        assert 401 in statuses and statuses[-1] == 429
    assert (await log_in_from(stranger, addresses[0])).status == 429  # that pair waits, right or wrong

    owner = await browser(aiohttp_client, desk)
    assert (await log_in_from(owner, "203.0.113.9")).status == 303


async def test_one_addresss_failures_block_a_colleague_only_past_the_addresss_allowance(aiohttp_client, desk):
    limits = staff_settings().login_throttle
    office, home = "192.0.2.10", "203.0.113.20"
    guesser = await browser(aiohttp_client, desk)
    statuses = [(await log_in_from(guesser, office, password=WRONG)).status
                for _ in range(limits.per_account_and_address + 1)]
    assert statuses == [401] * limits.per_account_and_address + [429]
    assert (await log_in_from(await browser(aiohttp_client, desk), office, "bodil")).status == 303

    # Other usernames from the office until the address has had its allowance of failures.
    for n in range(limits.per_address - limits.per_account_and_address):
        assert (await log_in_from(guesser, office, f"gaet{n}", WRONG)).status == 401
    colleague = await browser(aiohttp_client, desk)
    assert (await log_in_from(colleague, office, "admin")).status == 303  # the one try each is left
    tries = [(await log_in_from(colleague, office, "bodil", WRONG)).status for _ in range(limits.when_busy + 1)]
    assert tries == [401] * limits.when_busy + [429]
    assert (await log_in_from(colleague, home, "bodil")).status == 303


# -- finding: the log-in page stores nothing -----------------------------------------------------

def row_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(table(name)))
                for name in inspect(engine).get_table_names()}


async def test_a_hundred_visits_to_the_log_in_page_write_no_row(aiohttp_client, desk, engine):
    before = row_counts(engine)
    visitor = await aiohttp_client(desk, cookie_jar=DummyCookieJar())  # never sends a cookie back
    for _ in range(100):
        assert (await visitor.get("/staff/login")).status == 200
    assert row_counts(engine) == before and before["staff_sessions"] == 0

    client = await browser(aiohttp_client, desk)
    assert (await log_in_from(client, "198.51.100.30")).status == 303
    assert row_counts(engine)["staff_sessions"] == 1


async def test_the_log_in_form_needs_the_visitors_own_signed_token(aiohttp_client, desk):
    client, other = await browser(aiohttp_client, desk), await browser(aiohttp_client, desk)
    theirs, client.token = client.token, other.token
    assert (await log_in_from(client, "198.51.100.31")).status == 403  # someone else's token
    forger = await desk_client(aiohttp_client, desk)
    forger.token = "a" * 32 + ".forged"
    forger.session.cookie_jar.update_cookies({"__Host-staff_login": forger.token}, desk.make_url("/"))
    assert (await log_in_from(forger, "198.51.100.31")).status == 403  # a cookie the desk did not sign
    client.token = theirs
    assert (await log_in_from(client, "198.51.100.31")).status == 303


# -- finding: one password length ----------------------------------------------------------------

async def test_a_password_longer_than_any_account_may_have_is_refused_with_a_clear_message(
        aiohttp_client, desk, checks):
    longest = staff_settings().password.max_length
    client = await browser(aiohttp_client, desk)
    response = await log_in_from(client, "198.51.100.40", password="x" * (longest + 1))
    assert response.status == 400 and f"Adgangskoden må højst være {longest} tegn lang." in await response.text()
    assert checks.total == 0
