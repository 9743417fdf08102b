"""Staff desk log-in and log-out, who is logged in, and page rendering with the CSRF token."""

import asyncio
import contextlib
import functools
import math
import time

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import STORAGE_KEY, get_session, new_session
from sqlalchemy import Engine

from bot.staff.accounts import Account, AccountError, Role, authenticate, check_password_length, get_account, record_event
from bot.staff.csrf import LoginTokens, csrf_middleware, csrf_token
from bot.staff.keys import shared_key
from bot.staff.password_checks import ChecksBusy, PasswordChecks
from bot.staff.second_factor import must_enrol
from bot.staff.sessions import PENDING_ACCOUNT
from bot.staff.settings import staff_settings
from bot.staff.throttle import TooManyAttempts
from bot.web.appkeys import ENGINE, LOGIN_TOKENS, PASSWORD_CHECKS, THROTTLE
from bot.web.conversations import ConversationStore, StateUnavailable

routes = web.RouteTableDef()
ACCOUNT = "account"  # request key for the logged-in account
LOGIN_KEY = "login_csrf"  # the shared key (staff_keys) that signs the log-in form's token
CHANGE_PASSWORD = "/staff/password"  # the only page (with log-out) before a required change
SECOND_FACTOR = "/staff/totp"  # setting up the second factor: the only page before a required one
CODE_STEP = "/staff/login/code"  # after a right password, the second factor's code
PENDING_UNTIL = "pending_until"  # session key: when the code step's time is up (Unix time)


def setup_login(app: web.Application, engine: Engine, store: ConversationStore) -> None:
    """The log-in throttle (kept where the conversations are), the password checks and the log-in
    form's tokens, then the CSRF checks that read sessions and those tokens."""
    settings = staff_settings()
    app[THROTTLE] = store.login_throttle(settings.login_throttle)
    app[PASSWORD_CHECKS] = PasswordChecks(settings.password_checks.at_once, settings.password_checks.waiting)
    app[LOGIN_TOKENS] = LoginTokens(functools.partial(shared_key, engine, LOGIN_KEY),
                                    settings.session.login_cookie_name, settings.session.secure)
    app.middlewares.append(csrf_middleware("/staff", app[LOGIN_TOKENS]))
    app.cleanup_ctx.append(_password_checks)


async def _password_checks(app: web.Application):
    yield
    app[PASSWORD_CHECKS].close()


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


def session_id_of(request: web.Request) -> str | None:
    """The desk session id the request's cookie carries (the storage's own reading of it)."""
    return request[STORAGE_KEY].load_cookie(request)


async def still_logged_in(request: web.Request, session_id: str | None) -> bool:
    """Whether the session a desk WebSocket was opened with still gives desk access: not logged out,
    expired or ended, its account active, nothing due first. Reading it counts as no activity."""
    account_id = await request[STORAGE_KEY].account_of(session_id)
    if account_id is None:
        return False
    account = await asyncio.to_thread(get_account, request.app[ENGINE], account_id)
    return account is not None and account.active and first_things_first(account) is None


def first_things_first(account: Account, before_password_change: bool = False,
                       before_enrolment: bool = False) -> tuple[str, str] | None:
    """What the account must do before anything else (the page and a refusal's text), or None: a
    password an admin chose is changed first, then a required second factor is set up."""
    if account.must_change_password and not before_password_change:
        return CHANGE_PASSWORD, "Skift din adgangskode først."
    if must_enrol(account) and not before_enrolment:
        return SECOND_FACTOR, "Slå totrinsbekræftelse til først."
    return None


def staff_only(admin: bool = False, before_password_change: bool = False, before_enrolment: bool = False):
    """Handlers for logged-in staff (or admins): others are sent to the log-in page, or get
    401/403 when they ask for data rather than a page. An account whose password an admin chose
    reaches only the handlers marked `before_password_change` until it has a new one; one that must
    have a second factor and has none, only those marked `before_enrolment`."""
    def decorate(handler):
        @functools.wraps(handler)
        async def guarded(request: web.Request):
            account = await current_account(request)
            wants_page = request.method == "GET" and "text/html" in request.headers.get("Accept", "")
            if account is None:
                if wants_page:
                    raise web.HTTPSeeOther("/staff/login")
                raise web.HTTPUnauthorized(text="Du er ikke logget ind.")
            if due := first_things_first(account, before_password_change, before_enrolment):
                page, refusal = due
                if wants_page:
                    raise web.HTTPSeeOther(page)
                raise web.HTTPForbidden(text=refusal)
            if admin and account.role is not Role.ADMIN:
                raise web.HTTPForbidden(text="Kun administratorer har adgang.")
            request[ACCOUNT] = account
            return await handler(request)
        return guarded
    return decorate


async def render(request: web.Request, template: str, context: dict, status: int = 200) -> web.Response:
    """A desk page with the CSRF token, the account and any one-time message. A visitor who is not
    logged in gets the log-in form's signed token (a cookie), so nothing is stored for them."""
    session = await get_session(request)
    logged_in = isinstance(session.get("account_id", session.get(PENDING_ACCOUNT)), int)  # half-way too
    tokens = request.app[LOGIN_TOKENS]
    token = csrf_token(session) if logged_in else await tokens.token(request)
    context = {
        "csrf_token": token,
        "account": request.get(ACCOUNT),
        "flash": session.pop("flash", None),
        **context,
    }
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    if not logged_in:
        tokens.set_cookie(response, token)
    return response


async def flash(request: web.Request, text: str) -> None:
    (await get_session(request))["flash"] = text


@routes.get("/staff/login")
async def login_page(request: web.Request) -> web.Response:
    if await current_account(request) is not None:
        raise web.HTTPSeeOther("/staff")
    return await render(request, "staff/login.html", {})


@routes.post("/staff/login")
async def log_in(request: web.Request) -> web.Response:
    """Count the try first (throttle), then check the password in one of a few threads; a try that
    never reached its check is handed back."""
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    throttle = request.app[THROTTLE]
    try:
        check_password_length(password)  # longer than any account's password: no guess to count
        attempt = await throttle.attempt(username, request.remote or "")
        try:
            account = await request.app[PASSWORD_CHECKS].run(authenticate, request.app[ENGINE], username, password)
        except ChecksBusy:
            await throttle.cancel(attempt)
            return await _login_refused(request, username, "Der er travlt lige nu. Prøv igen om lidt.", 503,
                                        staff_settings().password_checks.retry_after_seconds)
    except AccountError as error:
        return await _login_refused(request, username, str(error), 400)
    except TooManyAttempts as refused:
        minutes = max(1, math.ceil(refused.retry_after / 60))
        return await _login_refused(request, username, f"For mange forsøg. Prøv igen om {minutes} min.", 429,
                                    math.ceil(refused.retry_after))
    except StateUnavailable:  # the shared throttle (Redis) does not answer: no unthrottled tries
        return await _login_refused(request, username, "Log-ind virker ikke lige nu. Prøv igen om et øjeblik.", 503)
    if account is None:
        return await _login_refused(request, username, "Forkert brugernavn eller adgangskode.", 401)
    with contextlib.suppress(StateUnavailable):  # the password was right: log in even so
        await throttle.succeeded(attempt)
    session = await new_session(request)  # a new session id at log-in
    if account.second_factor:  # half-way: this session reaches the code step and nothing else
        session[PENDING_ACCOUNT] = account.id
        session[PENDING_UNTIL] = time.time() + staff_settings().second_factor.code_step_seconds
        raise web.HTTPSeeOther(CODE_STEP)
    session["account_id"] = account.id
    raise web.HTTPSeeOther("/staff")


async def _login_refused(request: web.Request, username: str, error: str, status: int,
                         retry_after: int | None = None) -> web.Response:
    response = await render(request, "staff/login.html", {"username": username, "error": error}, status=status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@routes.post("/staff/logout")
async def log_out(request: web.Request) -> web.Response:
    account = await current_account(request)
    if account is not None:
        await asyncio.to_thread(record_event, request.app[ENGINE], account.username, "logout")
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther("/staff/login")
