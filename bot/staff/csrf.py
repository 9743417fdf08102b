"""Protection against cross-site request forgery for the staff desk: a random token per session,
sent back with every state-changing request in a header or form field, plus an Origin check.
Install the middleware after the session middleware (setup_sessions) so it can read the session."""

import hmac
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp_session import Session, get_session

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
FORBIDDEN_TEXT = "Sikkerhedstjek fejlede. Genindlæs siden og prøv igen."


def csrf_token(session: Session) -> str:
    """The session's token, made on first use. Anonymous sessions (the login page) get one too."""
    if not isinstance(session.get(SESSION_KEY), str):
        session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


async def csrf_valid(request: web.Request, session: Session) -> bool:
    """Whether the request carries the session's token in the header or the form field."""
    expected = session.get(SESSION_KEY)
    if not isinstance(expected, str) or not expected:
        return False
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and request.content_type in FORM_TYPES:
        supplied = (await request.post()).get(CSRF_FIELD)
    if not isinstance(supplied, str):
        return False
    return hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8"))


def csrf_middleware(prefix: str = "/staff") -> Middleware:
    """Refuse state-changing requests under `prefix` from a foreign Origin or without the token."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method not in SAFE_METHODS and _under(request.path, prefix):
            origin = request.headers.get("Origin")
            if origin is not None and origin != f"{request.scheme}://{request.host}":
                raise web.HTTPForbidden(text=FORBIDDEN_TEXT)
            if not await csrf_valid(request, await get_session(request)):
                raise web.HTTPForbidden(text=FORBIDDEN_TEXT)
        return await handler(request)

    return middleware


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")
