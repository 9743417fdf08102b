"""Liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics) of the web app.
Metrics are for the machine itself and logged-in staff only."""

import asyncio
import contextlib
import ipaddress
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bot.web.appkeys import CONVERSATIONS, ENGINE, RASA
from bot.web.conversations import StateUnavailable
from bot.web.desk_auth import current_account, first_things_first
from bot.web.metrics import LIVE_CONVERSATIONS

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """The process answers."""
    return web.json_response({"status": "ok"})


def _database_answers(engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("select 1")).scalar() == 1


async def _conversations_ready(store) -> str | bool:
    """True when the conversation store answers and keeps nothing on disk; else False, or why not."""
    if not await store.answers():
        return False
    if found := await store.disk_writes():
        return (f"the chat state's Redis writes to disk ({'; '.join(found)}): live chats must never reach a disk; "
                "turn off snapshots and the append-only file (docs/deployment.md)")
    return True


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Ready for users: the handoff store, the assistant and the conversation store answer, and the
    conversation store keeps nothing on disk (503 names what is not ready, and `why` when known)."""
    checks = {
        "database": asyncio.wait_for(asyncio.to_thread(_database_answers, request.app[ENGINE]), 3),
        "assistant": request.app[RASA].answers(),
        "conversations": _conversations_ready(request.app[CONVERSATIONS]),
    }
    results = await asyncio.gather(*checks.values(), return_exceptions=True)
    status = {name: result is True for name, result in zip(checks, results)}
    why = {name: result for name, result in zip(checks, results) if isinstance(result, str)}
    for reason in why.values():
        log.error("not ready: %s", reason)
    body = {"ready": all(status.values()), **status} | ({"why": why} if why else {})
    return web.json_response(body, status=200 if all(status.values()) else 503)


def internal_address(address: str | None) -> bool:
    """A loopback or private address: the machine itself or the operator's own network."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return parsed.is_loopback or parsed.is_private


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    if not internal_address(request.remote):
        account = await current_account(request)
        if account is None or first_things_first(account):  # staff with nothing left to do first
            raise web.HTTPForbidden(text="Kun til drift.")
    with contextlib.suppress(StateUnavailable):
        LIVE_CONVERSATIONS.set(len(await request.app[CONVERSATIONS].live()))
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})
