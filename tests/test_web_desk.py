"""The staff desk over HTTP on a real (SQLite) store: log-in with a new session id, anonymous
users refused, CSRF required, claiming, live messages, closing with an outcome, user text escaped,
statistics and account administration for admins only."""

import re
from datetime import datetime, timezone

import pytest
from aiohttp import CookieJar

from bot.knowledge.readiness import answers, question_keys
from bot.staff.accounts import Role, create_account, list_accounts
from bot.store.engine import make_engine
from bot.store.handoffs import find_case, save_handoff
from bot.store.migrate import upgrade
from bot.store.models import Status
from bot.store.statistics import count_readiness_check
from bot.store.records import HandoffRecord, new_case_code
from bot.web.app import create_app
from bot.web.appkeys import CONVERSATIONS, ENGINE, RELAY
from bot.web.desk_auth import CODE_STEP
from bot.web.desk_labels import desk_words
from tests.support.second_factor import enrol, next_code

PASSWORD = "et langt kodeord 123"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    engine = make_engine(url)
    create_account(engine, "lise", PASSWORD)
    create_account(engine, "bodil", PASSWORD)
    create_account(engine, "admin", PASSWORD, Role.ADMIN)
    enrol(engine, "admin")  # admins must have a second factor
    yield engine
    engine.dispose()


@pytest.fixture
async def app(engine, aiohttp_server):
    """The desk on a test server; its origin counts as secure, as a browser treats localhost."""
    return await aiohttp_server(create_app(engine, assistant_url="http://127.0.0.1:9/none"))


async def desk_client(aiohttp_client, server):
    origin = str(server.make_url("")).rstrip("/")
    return await aiohttp_client(server, cookie_jar=CookieJar(unsafe=True, treat_as_secure_origin=[origin]))


@pytest.fixture
async def client(aiohttp_client, app):
    return await desk_client(aiohttp_client, app)


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def log_in_with_password(client, username="lise", password=PASSWORD):
    """The log-in form alone: an account with a second factor is then half-way, at the code step."""
    token = csrf_from(await (await client.get("/staff/login")).text())
    return await client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token},
                             allow_redirects=False)


async def give_code(client, code: str):
    token = csrf_from(await (await client.get(CODE_STEP)).text())
    return await client.post(CODE_STEP, data={"code": code, "csrf_token": token}, allow_redirects=False)


async def log_in(client, username="lise", password=PASSWORD):
    """Log in, with a code the account has not used yet if it has a second factor."""
    response = await log_in_with_password(client, username, password)
    if response.status == 303 and response.headers["Location"] == CODE_STEP:
        return await give_code(client, next_code(client.app[ENGINE], username))
    return response


async def page(client, path):
    response = await client.get(path, headers={"Accept": "text/html"})
    return response, await response.text()


def new_case(engine, summary="Min søn [NAVN] ser videoer", urgency="serious") -> str:
    record = HandoffRecord(
        code=new_case_code(), idempotency_key=new_case_code(), conversation_hash="c" * 64,
        created_at=datetime.now(timezone.utc), urgency=urgency, role="parent", age_band="13_17", kommune="Aarhus",
        police_district="Østjyllands Politi", sign_groups=["violence"], routes=["infohus"], summary=summary,
    )
    return save_handoff(engine, record)


# -- log-in and access ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/staff", "/staff/queue", "/staff/stats", "/staff/stats.csv", "/staff/accounts"])
async def test_anonymous_users_are_refused_everywhere(client, path):
    response, _ = await page(client, path)
    assert response.url.path == "/staff/login"
    assert (await client.get(path)).status == 401


async def test_desk_socket_refuses_anonymous_users(client):
    response = await client.get("/staff/ws")
    assert response.status == 401


async def test_logging_in_starts_a_session_with_strict_cookie_flags(client):
    await client.get("/staff/login")
    assert {c.key for c in client.session.cookie_jar} == {"__Host-staff_login"}  # no session before log-in
    response = await log_in(client)
    assert response.status == 303
    cookie = response.cookies["__Host-staff_session"]  # Secure, Path=/, no Domain (ASVS 3.3.1)
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == "/" and not cookie["domain"]
    _, html = await page(client, "/staff")
    assert "Logget ind som lise" in html


async def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(client):
    statuses = [(await log_in(client, password="forkert forkert")).status for _ in range(5)]
    assert statuses == [401] * 5
    blocked = await log_in(client)  # even the right password now waits
    assert blocked.status == 429 and "For mange forsøg" in await blocked.text()


async def test_state_changes_without_the_csrf_token_are_refused(client):
    await log_in(client)
    response = await client.post("/staff/logout", data={})
    assert response.status == 403
    response = await client.post("/staff/logout", data={"csrf_token": "wrong"})
    assert response.status == 403
    _, html = await page(client, "/staff")
    assert "Logget ind som lise" in html  # still logged in


async def test_login_from_a_foreign_origin_is_refused(client):
    token = csrf_from(await (await client.get("/staff/login")).text())
    response = await client.post("/staff/login", data={"username": "lise", "password": PASSWORD, "csrf_token": token},
                                 headers={"Origin": "https://evil.example"})
    assert response.status == 403


# -- case work ------------------------------------------------------------------------------------

async def test_a_case_is_claimed_answered_live_and_closed_with_an_outcome(client, engine):
    code = new_case(engine)
    conversation = await client.app[CONVERSATIONS].open()
    await client.app[RELAY].start_waiting(conversation, code)
    await client.app[RELAY].from_user(conversation, XSS)
    await log_in(client)
    _, html = await page(client, "/staff")
    assert code in html and "I chatten nu" in html
    _, html = await page(client, f"/staff/cases/{code}")
    token = csrf_from(html)
    assert XSS not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert (await client.post(f"/staff/cases/{code}/claim", data={"csrf_token": token})).status == 200
    assert find_case(engine, code).claimed_by == "lise"
    response = await client.post(f"/staff/cases/{code}/messages", json={"text": "Hej, jeg er fra hotlinen"},
                                 headers={"X-CSRF-Token": token})
    assert response.status == 200
    assert (await client.app[CONVERSATIONS].events_after(conversation.token, 0))[-1]["text"] == "Hej, jeg er fra hotlinen"
    await client.post(f"/staff/cases/{code}/resolve", data={"csrf_token": token, "outcome": "advice_given"})
    case = find_case(engine, code)
    assert case.status is Status.RESOLVED and case.outcome == "advice_given"
    assert [(a.action, a.to_status.value, a.detail) for a in case.audit] == [
        ("status", "queued", None), ("status", "claimed", None), ("message", "claimed", None),
        ("status", "resolved", "advice_given"),
    ]
    assert (await client.app[CONVERSATIONS].events_after(conversation.token, 0))[-1]["mode"] == "bot"


async def test_only_one_staff_member_gets_a_case_and_only_the_claimer_may_write(aiohttp_client, app, engine):
    code = new_case(engine)
    lise, bo = await desk_client(aiohttp_client, app), await desk_client(aiohttp_client, app)
    await log_in(lise, "lise")
    await log_in(bo, "bodil")
    lise_token = csrf_from((await page(lise, f"/staff/cases/{code}"))[1])
    bo_token = csrf_from((await page(bo, f"/staff/cases/{code}"))[1])
    await lise.post(f"/staff/cases/{code}/claim", data={"csrf_token": lise_token})
    response = await bo.post(f"/staff/cases/{code}/claim", data={"csrf_token": bo_token})
    assert "allerede taget af en anden" in await response.text()
    refused = await bo.post(f"/staff/cases/{code}/messages", json={"text": "hej"}, headers={"X-CSRF-Token": bo_token})
    assert refused.status == 409
    assert find_case(engine, code).claimed_by == "lise"


async def test_the_queue_puts_acute_cases_first_then_the_newest(client, engine):
    routine, acute, newer = new_case(engine, urgency="routine"), new_case(engine, urgency="acute"), new_case(engine, urgency="routine")
    await log_in(client)
    _, html = await page(client, "/staff/queue")
    order = re.findall(r'data-code="([^"]+)"', html)
    assert order == [acute, newer, routine]


async def test_search_by_case_code_opens_the_case_however_it_is_typed(client, engine):
    code = new_case(engine)
    await log_in(client)
    response, _ = await page(client, f"/staff?code={code.lower().replace('-', ' ')}")
    assert response.url.path == f"/staff/cases/{code}"
    response, html = await page(client, "/staff?code=XXXX-XXXX")
    assert response.status == 404 and "ingen sag med koden" in html


# -- statistics and accounts ----------------------------------------------------------------------

async def test_statistics_as_a_page_and_a_csv_file_from_the_monthly_counts(client, engine):
    new_case(engine)
    new_case(engine)
    await log_in(client)
    _, html = await page(client, "/staff/stats")
    assert "<svg" in html and "vold eller voldelige sammenstød" in html
    csv_text = await (await client.get("/staff/stats.csv")).text()
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert f"{month},total,,Ikke oplyst,2" in csv_text.replace("\r", "")
    assert f"{month},sign,violence,vold eller voldelige sammenstød,2" in csv_text.replace("\r", "")
    assert "[NAVN]" not in csv_text and "Min søn" not in csv_text


async def test_statistics_show_completed_readiness_checks_answer_by_answer(client, engine):
    midsummer = datetime(2026, 6, 15, 12, tzinfo=timezone.utc)
    count_readiness_check(engine, "jjnnvdd", midsummer)
    count_readiness_check(engine, "jdnnjjj", midsummer)
    await log_in(client)
    _, html = await page(client, "/staff/stats")
    assert "Gennemførte tjek i alt: 2." in html
    row = re.search(r"<th scope=\"row\">Strategi og vision</th>(.*?)</tr>", html).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "1", "0", "0"]  # ja, delvis, nej, ved ikke
    row = re.search(r"<th scope=\"row\">Arbejdsgange ved bekymring</th>(.*?)</tr>", html).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "0", "0", "1"]
    csv_text = (await (await client.get("/staff/stats.csv")).text()).replace("\r", "")
    assert "2026-06,readiness,jjnnvdd,Fælles forståelse: Ja; Strategi og vision: Ja; Interessenter: Nej;" in csv_text


def test_the_desk_names_every_readiness_question_and_answer_the_check_has():
    words = desk_words()
    assert list(words["readiness_questions"]) == list(question_keys())
    assert set(words["readiness_answers"]) == {answer.letter for answer in answers()}


async def test_only_admins_manage_accounts(aiohttp_client, app, engine):
    staff = await desk_client(aiohttp_client, app)
    await log_in(staff, "lise")
    assert (await staff.get("/staff/accounts")).status == 403
    admin = await desk_client(aiohttp_client, app)
    await log_in(admin, "admin")
    token = csrf_from((await page(admin, "/staff/accounts"))[1])
    await admin.post("/staff/accounts", data={"csrf_token": token, "username": "nyansat", "password": PASSWORD, "role": "staff"})
    await admin.post("/staff/accounts/lise", data={"csrf_token": token, "change": "close"})
    _, html = await page(admin, "/staff/accounts")
    assert "nyansat" in html
    response, _ = await page(staff, "/staff")  # lise's account was closed: her session ends
    assert response.url.path == "/staff/login"


async def test_an_admin_cannot_demote_or_close_their_own_account_however_the_name_is_written(
        aiohttp_client, app, engine):
    create_account(engine, "boss", PASSWORD, Role.ADMIN)  # not the last admin: only the own-account rule applies
    admin = await desk_client(aiohttp_client, app)
    await log_in(admin, "admin")
    token = csrf_from((await page(admin, "/staff/accounts"))[1])
    for change, refusal in (({"change": "role", "role": "staff"}, "Du kan ikke ændre din egen rolle."),
                            ({"change": "close"}, "Du kan ikke lukke din egen konto.")):
        response = await admin.post("/staff/accounts/ADMIN", data={"csrf_token": token, **change})
        assert refusal in await response.text()
    assert [(a.role, a.active) for a in list_accounts(engine) if a.username == "admin"] == [(Role.ADMIN, True)]
