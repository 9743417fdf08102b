"""Protection against cross-site request forgery for the staff desk: a random token per session,
sent back with every state-changing request in a header or form field, plus an Origin check.
Before log-in no session is stored, and the log-in form's token is a signed cookie instead
(`LoginTokens`). Install the middleware after the session middleware (setup_sessions) so it can
read the session."""

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp_session import Session, get_session

from bot.staff.cookies import PATH, desk_cookie_name

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
REFUSAL = "refusal"  # request key: why the request was refused, for the security log
LOGIN_PATH = "/staff/login"  # the only form the log-in token is good for
FORBIDDEN_TEXT = "Sikkerhedstjek fejlede. Genindlæs siden og prøv igen."


class LoginTokens:
    """The log-in form's token without a stored session: a random value signed with the desk's
    shared key, sent both as a cookie (bot.staff.cookies) and in the form (a signed
    double-submit cookie). A foreign page can neither read the cookie nor forge its signature."""

    def __init__(self, load_key: Callable[[], bytes], cookie_name: str, secure: bool) -> None:
        self._load_key = load_key
        self._key: bytes | None = None
        self.cookie_name, self._secure = desk_cookie_name(cookie_name, secure), secure

    async def token(self, request: web.Request) -> str:
        """The token the visitor's cookie holds if it is sound, else a new one."""
        presented = request.cookies.get(self.cookie_name)
        if presented and await self._sound(presented):
            return presented
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._signature(await self._signing_key(), nonce)}"

    def set_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(self.cookie_name, token, path=PATH, secure=self._secure, httponly=True,
                            samesite="Strict")

    async def valid(self, request: web.Request, supplied: str) -> bool:
        """Whether `supplied` is the visitor's cookie and that cookie is sound."""
        presented = request.cookies.get(self.cookie_name)
        if not presented or not hmac.compare_digest(supplied.encode("utf-8"), presented.encode("utf-8")):
            return False
        return await self._sound(presented)

    async def _sound(self, token: str) -> bool:
        nonce, _, signature = token.partition(".")
        expected = self._signature(await self._signing_key(), nonce)
        return bool(nonce) and hmac.compare_digest(signature.encode("utf-8"), expected.encode("utf-8"))

    async def _signing_key(self) -> bytes:
        if self._key is None:
            self._key = await asyncio.to_thread(self._load_key)
        return self._key

    @staticmethod
    def _signature(key: bytes, nonce: str) -> str:
        digest = hmac.new(key, nonce.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def csrf_token(session: Session) -> str:
    """The session's token, made on first use."""
    if not isinstance(session.get(SESSION_KEY), str):
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


async def csrf_valid(request: web.Request, session: Session, login_tokens: LoginTokens | None = None) -> bool:
    """Whether the request carries, in the header or the form field, the session's token or, with
    `login_tokens`, the visitor's sound log-in token."""
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and request.content_type in FORM_TYPES:
        supplied = (await request.post()).get(CSRF_FIELD)
    if not isinstance(supplied, str) or not supplied:
        return False
    expected = session.get(SESSION_KEY)
    if isinstance(expected, str) and hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8")):
        return True
    return login_tokens is not None and await login_tokens.valid(request, supplied)


def csrf_middleware(prefix: str = "/staff", login_tokens: LoginTokens | None = None) -> Middleware:
    """Refuse state-changing requests under `prefix` from a foreign Origin or without a token."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method not in SAFE_METHODS and _under(request.path, prefix):
            origin = request.headers.get("Origin")
            if origin is not None and origin != f"{request.scheme}://{request.host}":
                request[REFUSAL] = "origin_refused"
                raise web.HTTPForbidden(text=FORBIDDEN_TEXT)
            form_tokens = login_tokens if request.path == LOGIN_PATH else None  # its cookie has Path=/
            if not await csrf_valid(request, await get_session(request), form_tokens):
                request[REFUSAL] = "csrf_failed"
                raise web.HTTPForbidden(text=FORBIDDEN_TEXT)
        return await handler(request)

    return middleware


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")
