"""The desk's second factor: the code step of a log-in (after a right password, a TOTP code or a
recovery code before the session reaches anything), and setting TOTP up from the desk (a QR code
drawn here as an SVG data: image, the secret in text, one code to confirm, then the recovery codes
shown once). Wrong codes count in the log-in throttle under a name of their own per account, so a
right password never wipes out a code's failures."""

import asyncio
import contextlib
import math
import time

import segno
from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.staff.accounts import Account, get_account
from bot.staff.csrf import REFUSAL
from bot.staff.second_factor import confirm_enrolment, new_secret, provisioning_uri, required, status, verify
from bot.staff.settings import staff_settings
from bot.staff.sessions import PENDING_ACCOUNT, delete_sessions_of
from bot.staff.throttle import TooManyAttempts
from bot.web.appkeys import ENGINE, THROTTLE
from bot.web.conversations import StateUnavailable
from bot.web.desk_auth import (
    ACCOUNT, CODE_STEP, PENDING_UNTIL, SECOND_FACTOR, current_account, flash, render, staff_only,
)
from bot.web.security_events import report

routes = web.RouteTableDef()
DRAFT_SECRET = "second_factor_draft"  # session key: the secret being set up, until a code confirms it
CODE_THROTTLE_PREFIX = "code:"  # the throttle's name for an account's codes (no username has a colon)
WRONG_CODE = "Koden passer ikke. Prøv igen med den kode, appen viser nu."


async def pending_account(request: web.Request) -> Account | None:
    """The account whose password was right and whose code is still due, if its time is not up."""
    session = await get_session(request)
    account_id, until = session.get(PENDING_ACCOUNT), session.get(PENDING_UNTIL)
    if not isinstance(account_id, int) or not isinstance(until, (int, float)):
        return None
    account = await asyncio.to_thread(get_account, request.app[ENGINE], account_id)
    if time.time() > until or account is None or not account.active or not account.second_factor:
        session.invalidate()
        return None
    return account


@routes.get(CODE_STEP)
async def code_page(request: web.Request) -> web.Response:
    if await current_account(request) is not None:
        raise web.HTTPSeeOther("/staff")
    if await pending_account(request) is None:
        raise web.HTTPSeeOther("/staff/login")
    return await _code_page(request)


@routes.post(CODE_STEP)
async def check_code(request: web.Request) -> web.Response:
    """Count the try first (throttle), then check the code; only a right one starts a session
    with desk access (with a new id)."""
    if await current_account(request) is not None:
        raise web.HTTPSeeOther("/staff")
    account = await pending_account(request)
    if account is None:
        return await render(request, "staff/login.html",
                            {"error": "Der gik for lang tid. Log ind igen med din adgangskode."}, status=401)
    code = str((await request.post()).get("code", ""))[:64]
    throttle = request.app[THROTTLE]
    try:
        attempt = await throttle.attempt(CODE_THROTTLE_PREFIX + account.username, request.remote or "")
    except TooManyAttempts as refused:
        request[REFUSAL] = "code_throttled"
        minutes = max(1, math.ceil(refused.retry_after / 60))
        response = await _code_page(request, f"For mange forsøg. Prøv igen om {minutes} min.", 429)
        response.headers["Retry-After"] = str(math.ceil(refused.retry_after))
        return response
    except StateUnavailable:
        return await _code_page(request, "Log-ind virker ikke lige nu. Prøv igen om et øjeblik.", 503)
    kind = await asyncio.to_thread(verify, request.app[ENGINE], account.id, code)
    if kind is None:
        await report(request, "code_failed", 401, account.username)
        return await _code_page(request, WRONG_CODE, 401)
    with contextlib.suppress(StateUnavailable):
        await throttle.succeeded(attempt)
    session = await new_session(request)  # the half log-in's session id ends here
    session["account_id"] = account.id
    if kind == "recovery":
        await report(request, "recovery_code_used", 303, account.username, kept=True)
        left = (await asyncio.to_thread(status, request.app[ENGINE], account.id)).recovery_codes_left
        await flash(request, f"Du har brugt en reservekode. Du har {left} tilbage.")
    raise web.HTTPSeeOther("/staff")


async def _code_page(request: web.Request, error: str | None = None, status_code: int = 200) -> web.Response:
    return await render(request, "staff/login_code.html",
                        {"error": error, "issuer": staff_settings().second_factor.issuer}, status=status_code)


@routes.get(SECOND_FACTOR)
@staff_only(before_enrolment=True)
async def second_factor_page(request: web.Request) -> web.Response:
    account = request[ACCOUNT]
    if account.second_factor:
        return await render(request, "staff/totp.html",
                            {"status": await asyncio.to_thread(status, request.app[ENGINE], account.id)})
    session = await get_session(request)
    if not isinstance(session.get(DRAFT_SECRET), str):
        session[DRAFT_SECRET] = new_secret()
    return await _enrolment_page(request, session[DRAFT_SECRET])


@routes.post(SECOND_FACTOR)
@staff_only(before_enrolment=True)
async def confirm_second_factor(request: web.Request) -> web.Response:
    """One right code sets the second factor up; every other session of the account ends, this
    browser gets a new session id, and the recovery codes are shown this once."""
    account = request[ACCOUNT]
    secret = (await get_session(request)).get(DRAFT_SECRET)
    if account.second_factor or not isinstance(secret, str):
        raise web.HTTPSeeOther(SECOND_FACTOR)
    code = str((await request.post()).get("code", ""))[:64]
    engine = request.app[ENGINE]
    codes = await asyncio.to_thread(confirm_enrolment, engine, account.id, secret, code)
    if codes is None:
        return await _enrolment_page(request, secret, WRONG_CODE, 400)
    await asyncio.to_thread(delete_sessions_of, engine, account.id)
    session = await new_session(request)
    session["account_id"] = account.id
    request[ACCOUNT] = await asyncio.to_thread(get_account, engine, account.id)
    await report(request, "second_factor_enrolled", 200, account.username, kept=True)
    return await render(request, "staff/totp.html", {"recovery_codes": codes})


async def _enrolment_page(request: web.Request, secret: str, error: str | None = None,
                          status_code: int = 200) -> web.Response:
    """The QR code (drawn here: nothing is fetched, and the secret goes nowhere else) and the
    secret in groups of four for typing."""
    qr = segno.make(provisioning_uri(secret, request[ACCOUNT].username), error="m")
    return await render(request, "staff/totp.html", {
        "qr": qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff"),
        "secret_groups": [secret[i:i + 4] for i in range(0, len(secret), 4)],
        "error": error,
        "required": required(request[ACCOUNT]),
    }, status=status_code)
