"""Staff desk log-in and log-out, who is logged in, and page rendering with the CSRF token."""

import asyncio
import functools
import math

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from bot.staff.accounts import Account, Role, authenticate, get_account, record_event
from bot.staff.csrf import csrf_token
from bot.web.appkeys import ENGINE, THROTTLE
from bot.web.conversations import StateUnavailable

routes = web.RouteTableDef()
ACCOUNT = "account"  # request key for the logged-in account


async def current_account(request: web.Request) -> Account | None:
    """The logged-in, still active account, or None (the session is then cleared)."""
    session = await get_session(request)
    account_id = session.get("account_id")
    if not isinstance(account_id, int):
        return None
    account = await asyncio.to_thread(get_account, request.app[ENGINE], account_id)
    if account is None or not account.active:
        session.invalidate()
        return None
    return account


def staff_only(admin: bool = False):
    """Handlers for logged-in staff (or admins): others are sent to the log-in page, or get
    401/403 when they ask for data rather than a page."""
    def decorate(handler):
        @functools.wraps(handler)
        async def guarded(request: web.Request):
            account = await current_account(request)
            wants_page = request.method == "GET" and "text/html" in request.headers.get("Accept", "")
            if account is None:
                if wants_page:
                    raise web.HTTPSeeOther("/staff/login")
                raise web.HTTPUnauthorized(text="Du er ikke logget ind.")
            if admin and account.role is not Role.ADMIN:
                raise web.HTTPForbidden(text="Kun administratorer har adgang.")
            request[ACCOUNT] = account
            return await handler(request)
        return guarded
    return decorate


async def render(request: web.Request, template: str, context: dict, status: int = 200) -> web.Response:
    """A desk page with the CSRF token, the account and any one-time message."""
    session = await get_session(request)
    context = {
        "csrf_token": csrf_token(session),
        "account": request.get(ACCOUNT),
        "flash": session.pop("flash", None),
        **context,
    }
    return aiohttp_jinja2.render_template(template, request, context, status=status)


async def flash(request: web.Request, text: str) -> None:
    (await get_session(request))["flash"] = text


@routes.get("/staff/login")
async def login_page(request: web.Request) -> web.Response:
    if await current_account(request) is not None:
        raise web.HTTPSeeOther("/staff")
    return await render(request, "staff/login.html", {})


@routes.post("/staff/login")
async def log_in(request: web.Request) -> web.Response:
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    keys = (f"user:{username}", f"ip:{request.remote}")
    throttle = request.app[THROTTLE]
    try:
        if (wait := await throttle.retry_after(*keys)) > 0:
            minutes = max(1, math.ceil(wait / 60))
            return await render(request, "staff/login.html", {"username": username,
                                "error": f"For mange forsøg. Prøv igen om {minutes} min."}, status=429)
        account = await asyncio.to_thread(authenticate, request.app[ENGINE], username, password)
        if account is None:
            await throttle.failed(*keys)
            return await render(request, "staff/login.html", {"username": username,
                                "error": "Forkert brugernavn eller adgangskode."}, status=401)
        await throttle.succeeded(*keys)
    except StateUnavailable:  # the shared throttle (Redis) does not answer: no unthrottled tries
        return await render(request, "staff/login.html", {"username": username,
                            "error": "Log-ind virker ikke lige nu. Prøv igen om et øjeblik."}, status=503)
    session = await new_session(request)  # a new session id at log-in
    session["account_id"] = account.id
    raise web.HTTPSeeOther("/staff")


@routes.post("/staff/logout")
async def log_out(request: web.Request) -> web.Response:
    account = await current_account(request)
    if account is not None:
        await asyncio.to_thread(record_event, request.app[ENGINE], account.username, "logout")
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther("/staff/login")
