"""The staff desk's case work: the live queue, one case with its summary, audit trail and live
chat, and claiming, releasing and closing a case. Every action is audited in the store."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone

from aiohttp import WSMsgType, web

from bot.knowledge.contacts import service_timezone
from bot.staff.csrf import REFUSAL
from bot.staff.settings import staff_settings
from bot.store.handoffs import (
    cases_with_status,
    claim_case,
    find_case,
    record_case_action,
    release_case,
    resolve_case,
)
from bot.store.models import Handoff, Status
from bot.web.appkeys import ENGINE, HUB, RELAY, SETTINGS
from bot.web.chat import clean_text
from bot.web.conversations import StateUnavailable
from bot.web.desk_auth import (ACCOUNT, current_account, first_things_first, flash, render, session_id_of, staff_only,
                               still_logged_in)
from bot.web.desk_labels import label, outcomes, urgency_rank
from bot.web.json_body import read_json_object

routes = web.RouteTableDef()


def waited(since: datetime, now: datetime) -> str:
    """"4 min", "2 t 5 min", "3 dage"."""
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} t {minutes % 60} min"
    return f"{minutes // (24 * 60)} dage"


@dataclass(frozen=True)
class CaseView:
    """A case as the desk shows it: Danish words, local times, and whether the user is in the chat."""

    case: Handoff
    in_chat: bool
    now: datetime

    def __getattr__(self, name):
        return getattr(self.case, name)

    @property
    def waiting(self) -> str:
        return waited(self.case.created_at, self.now)

    @property
    def created_local(self) -> str:
        return self.case.created_at.astimezone(service_timezone()).strftime("%d.%m.%Y kl. %H:%M")

    def words(self, kind: str, code: str | None) -> str:
        return label(kind, code)

    def local(self, moment: datetime) -> str:
        return moment.astimezone(service_timezone()).strftime("%d.%m. kl. %H:%M:%S")


def _open_cases(engine) -> list[Handoff]:
    cases = cases_with_status(engine, Status.QUEUED) + cases_with_status(engine, Status.CLAIMED)
    return sorted(cases, key=lambda c: (urgency_rank(c.urgency), -c.created_at.timestamp()))


CHAT_UNREACHABLE = "Chatten svarer ikke lige nu, så brugeren har ikke fået det at vide. Sagen er gemt."


async def _tell_chat(request: web.Request, news) -> None:
    """Pass a desk action on to the user's chat. It counts even when the chat cannot be reached."""
    try:
        await news
    except StateUnavailable:
        await flash(request, CHAT_UNREACHABLE)


async def _queue_context(request: web.Request) -> dict:
    cases = await asyncio.to_thread(_open_cases, request.app[ENGINE])
    now = datetime.now(timezone.utc)
    try:
        live = await request.app[RELAY].live_cases()
    except StateUnavailable:  # the queue itself comes from the database
        live = set()
    return {"cases": [CaseView(c, c.code in live, now) for c in cases]}


@routes.get("/staff")
@staff_only()
async def queue_page(request: web.Request) -> web.Response:
    code = request.query.get("code", "").strip()
    if code:
        case = await asyncio.to_thread(find_case, request.app[ENGINE], code)
        if case is not None:
            raise web.HTTPSeeOther(f"/staff/cases/{case.code}")
        return await render(request, "staff/queue.html", {**await _queue_context(request), "searched": code,
                            "not_found": True}, status=404)
    return await render(request, "staff/queue.html", await _queue_context(request))


@routes.get("/staff/queue")
@staff_only()
async def queue_rows(request: web.Request) -> web.Response:
    """The queue's rows alone, for the page to refresh itself."""
    return await render(request, "staff/_queue_rows.html", await _queue_context(request))


async def _case_or_404(request: web.Request) -> Handoff:
    case = await asyncio.to_thread(find_case, request.app[ENGINE], request.match_info["code"])
    if case is None:
        raise web.HTTPNotFound(text="Sagen findes ikke (længere).")
    return case


@routes.get("/staff/cases/{code}")
@staff_only()
async def case_page(request: web.Request) -> web.Response:
    case = await _case_or_404(request)
    try:
        transcript = await request.app[RELAY].transcript(case.code)
    except StateUnavailable:
        transcript = None
    return await render(request, "staff/case.html", {
        "case": CaseView(case, transcript is not None, datetime.now(timezone.utc)),
        "transcript": transcript or [],
        "mine": case.status is Status.CLAIMED and case.claimed_by == request[ACCOUNT].username,
        "outcomes": outcomes(),
        "max_chars": request.app[SETTINGS].chat.max_message_chars,
    })


@routes.post("/staff/cases/{code}/claim")
@staff_only()
async def claim(request: web.Request) -> web.Response:
    case = await _case_or_404(request)
    if await asyncio.to_thread(claim_case, request.app[ENGINE], case.code, request[ACCOUNT].username):
        await _tell_chat(request, request.app[RELAY].claimed(case.code))
    else:
        await flash(request, "Sagen er allerede taget af en anden.")
    raise web.HTTPSeeOther(f"/staff/cases/{case.code}")


@routes.post("/staff/cases/{code}/release")
@staff_only()
async def release(request: web.Request) -> web.Response:
    case = await _case_or_404(request)
    if await asyncio.to_thread(release_case, request.app[ENGINE], case.code, request[ACCOUNT].username):
        await _tell_chat(request, request.app[RELAY].released(case.code))
    raise web.HTTPSeeOther(f"/staff/cases/{case.code}")


@routes.post("/staff/cases/{code}/resolve")
@staff_only()
async def resolve(request: web.Request) -> web.Response:
    case = await _case_or_404(request)
    outcome = (await request.post()).get("outcome")
    if outcome not in outcomes():
        await flash(request, "Vælg, hvordan sagen endte, før du afslutter den.")
        raise web.HTTPSeeOther(f"/staff/cases/{case.code}")
    if await asyncio.to_thread(resolve_case, request.app[ENGINE], case.code, request[ACCOUNT].username, outcome):
        await flash(request, f"Sag {case.code} er afsluttet.")
        await _tell_chat(request, request.app[RELAY].resolved(case.code))
        raise web.HTTPSeeOther("/staff")
    await flash(request, "Kun den, der har taget sagen, kan afslutte den.")
    raise web.HTTPSeeOther(f"/staff/cases/{case.code}")


@routes.post("/staff/cases/{code}/messages")
@staff_only()
async def send_message(request: web.Request) -> web.Response:
    """A live message to the user (JSON from the page's script, or the plain form without it)."""
    case = await _case_or_404(request)
    form = await read_json_object(request) if request.content_type == "application/json" else await request.post()
    text = clean_text(str(form.get("text", "")))
    limit = request.app[SETTINGS].chat.max_message_chars
    wants_json = request.content_type == "application/json"
    problem = None
    if not text or len(text) > limit:
        problem = f"Skriv en besked på højst {limit} tegn."
    elif not await asyncio.to_thread(record_case_action, request.app[ENGINE], case.code, request[ACCOUNT].username, "message"):
        problem = "Du skal have taget sagen for at skrive til brugeren."
    else:
        problem = await _relay_staff_message(request, case.code, text)
    if wants_json:
        return web.json_response({"error": problem} if problem else {}, status=409 if problem else 200)
    if problem:
        await flash(request, problem)
    raise web.HTTPSeeOther(f"/staff/cases/{case.code}")


async def _relay_staff_message(request: web.Request, code: str, text: str) -> str | None:
    """None when the user got the message, else what the worker should know."""
    try:
        if await request.app[RELAY].from_staff(code, text):
            return None
    except StateUnavailable:
        return "Chatten svarer ikke lige nu, så beskeden er ikke sendt. Prøv igen om lidt."
    return "Brugeren er ikke længere i chatten. Sagen kan tages op, hvis brugeren ringer med koden."


@routes.get("/staff/ws")
async def desk_socket(request: web.Request) -> web.WebSocketResponse:
    """Live updates for a desk page: queue changes, or one case's messages (`?case=CODE`)."""
    if request.headers.get("Origin") not in (None, f"{request.scheme}://{request.host}"):
        request[REFUSAL] = "origin_refused"
        raise web.HTTPForbidden(text="Forbindelsen blev afvist.")
    account = await current_account(request)
    if account is None:
        raise web.HTTPUnauthorized(text="Du er ikke logget ind.")
    if due := first_things_first(account):  # a new password or the second factor comes first
        raise web.HTTPForbidden(text=due[1])
    hub = request.app[HUB]
    code = request.query.get("case")
    listener = hub.listen_to_case(code) if code else hub.listen_to_queue()
    socket = web.WebSocketResponse(heartbeat=30)
    try:
        await socket.prepare(request)
    except ConnectionResetError:  # the page was left before the handshake finished
        hub.stop_listening(listener)
        return socket
    forward = asyncio.create_task(_forward(request, session_id_of(request), listener, socket))
    try:
        async for frame in socket:
            if frame.type == WSMsgType.ERROR:
                break
    finally:
        forward.cancel()
        hub.stop_listening(listener)
    return socket


SESSION_ENDED = 4401  # the desk WebSocket's close code when its session no longer gives access


async def _forward(request: web.Request, session_id: str | None, listener: asyncio.Queue,
                   socket: web.WebSocketResponse) -> None:
    """Send the listener's events while the session lasts: it is checked before every event and at
    least every `socket_recheck_seconds`; once it is over, the socket is closed and nothing more sent."""
    recheck = staff_settings().session.socket_recheck_seconds
    while not socket.closed:
        try:
            event = await asyncio.wait_for(listener.get(), timeout=recheck)
        except asyncio.TimeoutError:
            event = None
        if not await still_logged_in(request, session_id):
            await socket.close(code=SESSION_ENDED, message=b"session ended")
            return
        if event is not None:
            await socket.send_json(event)
