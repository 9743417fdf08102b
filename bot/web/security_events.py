"""Security events (ASVS 16.3): every refusal that may be an attack (a desk 403, a failed CSRF or
Origin check, a throttled log-in, a rate limit) is logged in one structured line, and a desk
refusal is kept in staff_events too. Neither holds user text, a raw path (case codes) or the
client's address: the address is given as its HMAC under a key kept in staff_keys (migration
0005), so events from one source can be told apart without the source being kept."""

import asyncio
import contextlib
import functools
import hashlib
import hmac
import json
import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.staff.accounts import record_event
from bot.staff.csrf import REFUSAL
from bot.staff.keys import shared_key
from bot.web.appkeys import ENGINE

log = logging.getLogger(__name__)
ADDRESS_KEY = "event_addresses"  # the staff_keys row whose key hashes client addresses
ADDRESS_HASH = web.AppKey("address_hash", object)
WATCHED = ("/chat/", "/staff")
DESK = "/staff"


class AddressHasher:
    """Keyed hashes of client addresses, the key read once from the database."""

    def __init__(self, engine) -> None:
        self._load = functools.partial(shared_key, engine, ADDRESS_KEY)
        self._key: bytes | None = None

    async def hash(self, address: str | None) -> str:
        """The address's keyed hash; "-" while the database (and so the key) does not answer."""
        if self._key is None:
            try:
                self._key = await asyncio.to_thread(self._load)
            except SQLAlchemyError:
                return "-"
        return hmac.new(self._key, (address or "").encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def setup_security_events(app: web.Application) -> None:
    app[ADDRESS_HASH] = AddressHasher(app[ENGINE])


def _kind(request: web.Request, status: int) -> str | None:
    """What a refusal says about the request, or None for an answer that is not a security event."""
    if not request.path.startswith(WATCHED) or status not in (403, 429):
        return None
    if request.path.startswith(DESK):
        return request.get(REFUSAL) or ("login_throttled" if status == 429 else "forbidden")
    return "origin_refused" if status == 403 else "rate_limited"


async def report(request: web.Request, kind: str, status: int, account: str | None = None,
                 kept: bool = False, details: dict[str, str] | None = None) -> None:
    """Log one security event; keep a desk event in staff_events too (actor: the `account` it
    concerns, else "-", whoever it was) unless the change it reports already `kept` its own row.
    `details`: more fields for the line, already reduced to what may be logged (no user text)."""
    source = await request.app[ADDRESS_HASH].hash(request.remote)
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "-"
    log.warning("security_event %s", json.dumps(
        {**(details or {}), "event": kind, "status": status, "method": request.method, "route": route,
         "source": source},
        sort_keys=True))
    if request.path.startswith(DESK) and not kept:
        with contextlib.suppress(SQLAlchemyError):  # the refusal stands without its record
            await asyncio.to_thread(record_event, request.app[ENGINE], account or "-", kind, account, source)


@web.middleware
async def security_events(request: web.Request, handler):
    """Middleware: report the refusals that `_kind` names, raised or returned."""
    try:
        response = await handler(request)
    except web.HTTPException as refusal:
        if kind := _kind(request, refusal.status):
            await report(request, kind, refusal.status)
        raise
    if kind := _kind(request, response.status):
        await report(request, kind, response.status)
    return response
