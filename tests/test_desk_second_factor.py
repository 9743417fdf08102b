"""The second factor on the desk, over HTTP on a real SQLite store: setting it up (a QR code drawn
here as a data: image, the secret in text, only a right code confirms, recovery codes shown once),
the code step of a log-in (required, throttled, each code once, recovery codes once, a time limit),
admins sent to set it up before anything else, an admin's reset that ends the owner's sessions,
and no secret or code in the log."""

import logging
import re
import time
import urllib.parse
from dataclasses import replace

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.staff import second_factor
from bot.staff.accounts import Role, create_account, list_accounts
from bot.staff.settings import staff_settings
from bot.store.models import StaffEvent
from bot.web.desk_auth import CODE_STEP, SECOND_FACTOR
from bot.web.security import CONTENT_SECURITY_POLICY
from tests.support.second_factor import RECOVERY_CODES, enrol, next_code
from tests.test_desk_login import desk_app
from tests.test_web_desk import (  # noqa: F401 (engine: the desk fixture)
    PASSWORD, csrf_from, desk_client, engine, give_code, log_in, log_in_with_password, page,
)

SOURCE = {"X-Forwarded-For": "198.51.100.40"}


@pytest.fixture
async def desk(engine, aiohttp_server):
    return await aiohttp_server(desk_app(engine))


@pytest.fixture
async def browser(aiohttp_client, desk):
    return await desk_client(aiohttp_client, desk)


def secret_on(html: str) -> str:
    return re.search(r'data-testid="totp-secret"[^>]*>([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def wrong_code(secret: str) -> str:
    right = {pyotp.TOTP(secret).at(time.time() + offset) for offset in (-30, 0, 30)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in right)


async def set_up(client, code_for=lambda secret: pyotp.TOTP(secret).now()):
    _, html = await page(client, SECOND_FACTOR)
    secret = secret_on(html)
    answer = await client.post(SECOND_FACTOR, data={"code": code_for(secret), "csrf_token": csrf_from(html)})
    return secret, answer, await answer.text()


def events(engine) -> list[tuple[str, str, str | None]]:
    with Session(engine) as session:
        return [(e.actor, e.action, e.target) for e in session.scalars(select(StaffEvent).order_by(StaffEvent.id))]


# -- setting it up --------------------------------------------------------------------------------

async def test_the_set_up_page_shows_a_local_qr_code_and_the_secret_and_only_a_right_code_confirms(browser, engine):
    assert (await log_in(browser, "lise")).status == 303
    response, html = await page(browser, SECOND_FACTOR)
    assert response.status == 200
    qr = re.search(r'<img class="qr" src="([^"]+)"', html).group(1)
    assert qr.startswith("data:image/svg+xml")
    assert "img-src 'self' data:" in CONTENT_SECURITY_POLICY  # the data: image is allowed, nothing more
    svg = urllib.parse.unquote(qr.replace("&amp;", "&").replace("&#34;", '"'))
    assert "<svg" in svg and "<path" in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    secret = secret_on(html)
    assert len(secret) == 32
    assert secret_on((await page(browser, SECOND_FACTOR))[1]) == secret  # a reload keeps the same secret

    token = csrf_from(html)
    refused = await browser.post(SECOND_FACTOR, data={"code": wrong_code(secret), "csrf_token": token})
    assert refused.status == 400 and "Koden passer ikke" in await refused.text()
    assert not [a for a in list_accounts(engine) if a.username == "lise"][0].second_factor

    confirmed = await browser.post(SECOND_FACTOR, data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    html = await confirmed.text()
    assert confirmed.status == 200 and "Dine reservekoder" in html
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", html)
    assert len(codes) == 10
    assert [a for a in list_accounts(engine) if a.username == "lise"][0].second_factor
    _, again = await page(browser, SECOND_FACTOR)  # shown once: afterwards only how many are left
    assert not any(code in again for code in codes) and "10 reservekoder tilbage" in again
    assert ("lise", "second_factor_enrolled", "lise") in events(engine)


async def test_setting_it_up_ends_the_accounts_other_sessions(aiohttp_client, desk):
    here, elsewhere = await desk_client(aiohttp_client, desk), await desk_client(aiohttp_client, desk)
    for client in (here, elsewhere):
        assert (await log_in(client, "lise")).status == 303
    _, answer, _ = await set_up(here)
    assert answer.status == 200
    assert (await page(here, "/staff"))[0].url.path == "/staff"
    assert (await page(elsewhere, "/staff"))[0].url.path == "/staff/login"


# -- logging in with it ---------------------------------------------------------------------------

async def test_log_in_requires_the_code_before_any_desk_page(browser, engine):
    secret = enrol(engine, "lise")
    response = await log_in_with_password(browser, "lise")
    assert response.status == 303 and response.headers["Location"] == CODE_STEP
    assert (await page(browser, "/staff"))[0].url.path == "/staff/login"  # half-way: no desk
    assert (await browser.get("/staff/queue")).status == 401
    response, html = await page(browser, CODE_STEP)
    assert response.status == 200 and 'autocomplete="one-time-code"' in html
    answer = await give_code(browser, pyotp.TOTP(secret).at(time.time() + 30))
    assert answer.status == 303 and answer.headers["Location"] == "/staff"
    assert "Logget ind som lise" in (await page(browser, "/staff"))[1]
    actions = [action for _, action, _ in events(engine)]
    assert actions[-2:] == ["password_accepted", "login"]


async def test_the_code_step_starts_a_new_session_id(browser, engine):
    enrol(engine, "lise")
    half = (await log_in_with_password(browser, "lise")).cookies["__Host-staff_session"].value
    whole = (await give_code(browser, next_code(engine, "lise"))).cookies["__Host-staff_session"].value
    assert half != whole


async def test_a_wrong_code_fails_and_wrong_codes_are_throttled_even_across_new_passwords(browser, engine, caplog):
    caplog.set_level(logging.INFO)
    secret = enrol(engine, "lise")
    limit = staff_settings().login_throttle.per_account_and_address
    assert (await log_in_with_password(browser, "lise")).status == 303
    statuses = []
    for n in range(limit):
        if n == 2:  # a right password again must not wipe out the codes' failures
            assert (await log_in_with_password(browser, "lise")).headers["Location"] == CODE_STEP
        answer = await give_code(browser, wrong_code(secret))
        statuses.append(answer.status)
        assert "Koden passer ikke" in await answer.text()
    assert statuses == [401] * limit
    blocked = await give_code(browser, next_code(engine, "lise"))  # even a right code waits now
    assert blocked.status == 429 and "For mange forsøg" in await blocked.text()
    assert int(blocked.headers["Retry-After"]) > 0
    assert (await page(browser, "/staff"))[0].url.path == "/staff/login"
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.web.security_events"]
    assert sum('"code_failed"' in line for line in logged) == limit and sum('"code_throttled"' in line for line in logged) == 1
    assert [a for _, a, _ in events(engine)].count("code_failed") == limit


async def test_a_used_code_is_refused_the_second_time(aiohttp_client, desk, engine):
    enrol(engine, "lise")
    code = next_code(engine, "lise")
    first, second = await desk_client(aiohttp_client, desk), await desk_client(aiohttp_client, desk)
    for client in (first, second):
        assert (await log_in_with_password(client, "lise")).status == 303
    assert (await give_code(first, code)).status == 303
    reused = await give_code(second, code)
    assert reused.status == 401
    assert (await page(second, "/staff"))[0].url.path == "/staff/login"


async def test_a_recovery_code_works_once(aiohttp_client, desk, engine):
    enrol(engine, "lise")
    code = RECOVERY_CODES[str(engine.url), "lise"][0]
    first, second = await desk_client(aiohttp_client, desk), await desk_client(aiohttp_client, desk)
    assert (await log_in_with_password(first, "lise")).status == 303
    assert (await give_code(first, code.upper())).status == 303
    _, html = await page(first, "/staff")
    assert "Du har brugt en reservekode. Du har 9 tilbage." in html
    assert (await log_in_with_password(second, "lise")).status == 303
    assert (await give_code(second, code)).status == 401
    assert ("lise", "recovery_code_used", "lise") in events(engine)


async def test_the_code_step_has_a_time_limit(browser, engine, monkeypatch):
    secret = enrol(engine, "lise")
    assert (await log_in_with_password(browser, "lise")).status == 303
    token = csrf_from(await (await browser.get(CODE_STEP)).text())
    later = time.time() + staff_settings().second_factor.code_step_seconds + 1
    monkeypatch.setattr("bot.web.desk_second_factor.time.time", lambda: later)
    answer = await browser.post(CODE_STEP, data={"code": pyotp.TOTP(secret).now(), "csrf_token": token},
                                allow_redirects=False)
    assert answer.status == 401 and "Log ind igen" in await answer.text()
    monkeypatch.undo()
    assert (await page(browser, "/staff"))[0].url.path == "/staff/login"


# -- who must have it -----------------------------------------------------------------------------

async def test_an_admin_without_a_second_factor_can_do_nothing_but_set_it_up(browser, engine):
    create_account(engine, "boss", PASSWORD, Role.ADMIN)
    assert (await log_in(browser, "boss")).status == 303
    for path in ("/staff", "/staff/accounts", "/staff/stats", "/staff/password"):
        response, _ = await page(browser, path)
        assert response.url.path == SECOND_FACTOR, path
    assert (await browser.get("/staff/accounts")).status == 403
    with pytest.raises(Exception) as refused:
        await browser.ws_connect("/staff/ws")
    assert getattr(refused.value, "status", None) == 403
    token = csrf_from((await page(browser, SECOND_FACTOR))[1])
    made = await browser.post("/staff/accounts", data={"username": "ny", "password": PASSWORD, "csrf_token": token})
    assert made.status == 403 and "ny" not in {a.username for a in list_accounts(engine)}

    _, answer, _ = await set_up(browser)
    assert answer.status == 200
    response, html = await page(browser, "/staff/accounts")
    assert response.status == 200 and response.url.path == "/staff/accounts"
    socket = await browser.ws_connect("/staff/ws")
    await socket.close()


async def test_staff_must_set_it_up_too_when_the_settings_say_so(browser, monkeypatch):
    settings = staff_settings()
    monkeypatch.setattr(second_factor, "staff_settings",
                        lambda: replace(settings, second_factor=replace(settings.second_factor, required_for_staff=True)))
    assert (await log_in(browser, "lise")).status == 303
    assert (await page(browser, "/staff"))[0].url.path == SECOND_FACTOR


async def test_staff_need_not_set_it_up_by_default(browser):
    assert (await log_in(browser, "lise")).status == 303
    assert (await page(browser, "/staff"))[0].url.path == "/staff"


# -- an admin's reset -----------------------------------------------------------------------------

async def test_an_admin_resets_a_lost_second_factor_which_ends_the_owners_sessions(aiohttp_client, desk, engine):
    create_account(engine, "boss", PASSWORD, Role.ADMIN)
    enrol(engine, "boss")
    boss_phone, admin = await desk_client(aiohttp_client, desk), await desk_client(aiohttp_client, desk)
    assert (await log_in(boss_phone, "boss")).status == 303
    assert (await log_in(admin, "admin")).status == 303
    _, html = await page(admin, "/staff/accounts")
    assert "Nulstil totrin" in html
    token = csrf_from(html)
    own = await admin.post("/staff/accounts/admin", data={"change": "reset_second_factor", "csrf_token": token})
    assert "din egen" in await own.text()
    answer = await admin.post("/staff/accounts/boss", data={"change": "reset_second_factor", "csrf_token": token})
    assert "er nulstillet" in await answer.text()
    assert ("admin", "second_factor_reset", "boss") in events(engine)
    assert (await page(boss_phone, "/staff"))[0].url.path == "/staff/login"  # logged out

    again = await desk_client(aiohttp_client, desk)  # the password alone now, then setting it up again
    assert (await log_in_with_password(again, "boss")).headers["Location"] == "/staff"
    assert (await page(again, "/staff"))[0].url.path == SECOND_FACTOR


async def test_only_admins_reset_a_second_factor(browser, engine):
    enrol(engine, "bodil")
    assert (await log_in(browser, "lise")).status == 303
    token = csrf_from((await page(browser, "/staff"))[1])
    refused = await browser.post("/staff/accounts/bodil", data={"change": "reset_second_factor", "csrf_token": token})
    assert refused.status == 403
    assert [a.second_factor for a in list_accounts(engine) if a.username == "bodil"] == [True]


# -- nothing secret in the log --------------------------------------------------------------------

async def test_no_secret_or_code_reaches_the_log_or_the_events(aiohttp_client, desk, engine, caplog):
    caplog.set_level(logging.DEBUG)
    first = await desk_client(aiohttp_client, desk)
    assert (await log_in(first, "lise")).status == 303
    secret, _, html = await set_up(first)
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", html)
    used = [pyotp.TOTP(secret).at(time.time() + 30)]
    second = await desk_client(aiohttp_client, desk)
    assert (await log_in_with_password(second, "lise")).status == 303
    used.append(wrong_code(secret))
    assert (await give_code(second, used[-1])).status == 401
    assert (await give_code(second, codes[0])).status == 303
    third = await desk_client(aiohttp_client, desk)
    assert (await log_in_with_password(third, "lise")).status == 303
    assert (await give_code(third, used[0])).status == 303
    assert (await log_in(first, "admin")).status == 303
    token = csrf_from((await page(first, "/staff/accounts"))[1])
    await first.post("/staff/accounts/lise", data={"change": "reset_second_factor", "csrf_token": token})

    logged = "\n".join(record.getMessage() for record in caplog.records)
    kept = " ".join(f"{a} {b} {c}" for a, b, c in events(engine))
    secrets_and_codes = [secret, *codes, *(code.replace("-", "") for code in codes), *used]
    assert not [value for value in secrets_and_codes if value in logged or value in kept]
    for event in ("code_failed", "recovery_code_used", "second_factor_enrolled", "second_factor_reset"):
        assert f'"{event}"' in logged and event in kept
