"""Staff change their own password: the current one and the new one twice. Every session of the
account ends and this browser gets a new one. Wrong current passwords count in the log-in throttle."""

import asyncio
import contextlib
import math

from aiohttp import web
from aiohttp_session import new_session

from bot.staff.accounts import AccountError, change_own_password, check_password_length
from bot.staff.password_checks import ChecksBusy
from bot.staff.password_policy import new_password_problem
from bot.staff.settings import staff_settings
from bot.staff.throttle import TooManyAttempts
from bot.web.appkeys import ENGINE, PASSWORD_CHECKS, THROTTLE
from bot.web.conversations import StateUnavailable
from bot.web.desk_auth import ACCOUNT, CHANGE_PASSWORD, flash, render, staff_only

routes = web.RouteTableDef()


@routes.get(CHANGE_PASSWORD)
@staff_only(before_password_change=True)
async def password_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post(CHANGE_PASSWORD)
@staff_only(before_password_change=True)
async def change_password(request: web.Request) -> web.Response:
    form = await request.post()
    current, new, again = (str(form.get(field, "")) for field in ("current", "new", "again"))
    account = request[ACCOUNT]
    if new != again:
        return await _page(request, "De to nye adgangskoder er ikke ens. Skriv den samme to gange.", 400)
    try:
        check_password_length(current)
        if reason := new_password_problem(account.username, new):
            raise AccountError(reason)
        throttle = request.app[THROTTLE]
        attempt = await throttle.attempt(account.username, request.remote or "")
        try:
            changed = await request.app[PASSWORD_CHECKS].run(
                change_own_password, request.app[ENGINE], account.id, current, new)
        except ChecksBusy:
            await throttle.cancel(attempt)
            return await _page(request, "Der er travlt lige nu. Prøv igen om lidt.", 503)
    except AccountError as error:
        return await _page(request, str(error), 400)
    except TooManyAttempts as refused:
        minutes = max(1, math.ceil(refused.retry_after / 60))
        return await _page(request, f"For mange forsøg. Prøv igen om {minutes} min.", 429)
    except StateUnavailable:
        return await _page(request, "Det virker ikke lige nu. Prøv igen om et øjeblik.", 503)
    if not changed:
        return await _page(request, "Den nuværende adgangskode er forkert.", 400)
    with contextlib.suppress(StateUnavailable):
        await throttle.succeeded(attempt)
    session = await new_session(request)  # every other session of the account has ended
    session["account_id"] = account.id
    await flash(request, "Din adgangskode er skiftet. Du er logget ud alle andre steder.")
    raise web.HTTPSeeOther("/staff")


async def _page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    return await render(request, "staff/password.html",
                        {"error": error, "password_rules": staff_settings().password}, status=status)
