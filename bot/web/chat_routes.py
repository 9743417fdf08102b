"""The public chat endpoints (see docs/chat-protocol.md): WebSocket first, HTTP as the fallback."""

import asyncio
import json

from aiohttp import WSMessage, WSMsgType, web

from bot.web.appkeys import CHAT, CONVERSATION_LIMIT, CONVERSATIONS, MESSAGE_LIMIT, SESSION_LIMIT, SETTINGS
from bot.web.conversations import Conversation, StateUnavailable
from bot.web.json_body import UnreadableJson, parse_json_object, read_json_object
from bot.web.messages import message
from bot.web.metrics import ERRORS
from bot.web.origins import allowed_origin, normalised
from bot.web.ratelimit import address_key
from bot.web.security_events import report

routes = web.RouteTableDef()
CONVERSATION_HEADER = "X-Conversation"  # the token of a long poll (GET /chat/events)


def client_key(request: web.Request) -> str:
    """The client's address as the limits count it (bot.web.ratelimit.address_key); behind a trusted
    proxy, the address it passed on (bot.web.proxies)."""
    return address_key(request.remote, request.app[SETTINGS].rate_limit.ipv6_prefix_length)


class _Refusal(web.HTTPException):
    """A 4xx or 503 answer with a Danish text the widget shows as a notice."""

    def __init__(self, status: int, code: str, text: str, headers: dict | None = None) -> None:
        self.status_code = status
        super().__init__(
            text=json.dumps({"error": code, "text": text}, ensure_ascii=False), content_type="application/json",
            headers=headers,
        )


def _too_fast(retry_after: float) -> _Refusal:
    return _Refusal(429, "too_fast", message("too_fast"), {"Retry-After": str(max(1, round(retry_after)))})


def _too_long(request: web.Request) -> _Refusal:
    return _Refusal(413, "too_long", message("too_long", max_chars=request.app[SETTINGS].chat.max_message_chars))


@web.middleware
async def state_unavailable(request: web.Request, handler):
    """When the conversation store does not answer, the user still hears how to reach the hotline."""
    try:
        return await handler(request)
    except StateUnavailable:
        ERRORS.labels(reason="state_unavailable").inc()
        raise _Refusal(503, "unavailable", message("assistant_unavailable"))


def from_allowed_pages(allowed: list[str]):
    """Middleware: a request to /chat/ from a page that may not use the chat (bot.web.origins) gets a
    403 before anything is counted or opened."""
    listed = normalised(allowed)

    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path.startswith("/chat/") and not allowed_origin(request, listed):
            raise _Refusal(403, "foreign_origin", message("foreign_origin"))
        return await handler(request)

    return middleware


async def _conversation(request: web.Request, token: object) -> Conversation:
    """The open conversation with this token, or a 404 the widget answers by starting a new one."""
    conversation = await request.app[CONVERSATIONS].get(token)
    if conversation is None:
        raise _Refusal(404, "unknown_conversation", message("unknown_conversation"))
    return conversation


async def _json_body(request: web.Request) -> dict:
    try:
        return await read_json_object(request)
    except web.HTTPRequestEntityTooLarge:
        raise _too_long(request)


@routes.post("/chat/session")
async def open_session(request: web.Request) -> web.Response:
    if (wait := await request.app[SESSION_LIMIT].retry_after(client_key(request))) > 0:
        raise _too_fast(wait)
    if (wait := await request.app[CONVERSATION_LIMIT].retry_after("all")) > 0:
        raise _Refusal(429, "busy", message("busy"), {"Retry-After": str(max(1, round(wait)))})
    conversation = await request.app[CONVERSATIONS].open()
    return web.json_response({"conversation": conversation.token}, status=201)


@routes.post("/chat/messages")
async def post_message(request: web.Request) -> web.Response:
    body = await _json_body(request)
    conversation = await _conversation(request, body.get("conversation"))
    if (wait := await request.app[MESSAGE_LIMIT].retry_after(conversation.token)) > 0:
        raise _too_fast(wait)
    text = body.get("text", "")
    if isinstance(text, str) and len(text) > request.app[SETTINGS].chat.max_message_chars:
        raise _too_long(request)
    store = request.app[CONVERSATIONS]
    await _acknowledge(store, conversation.token, body.get("after"))
    before = await store.last_seq(conversation.token)
    await request.app[CHAT].receive(conversation, text, body.get("payload"), client=client_key(request))
    return web.json_response({"events": await store.events_after(conversation.token, before)})


def _token_not_in_url(request: web.Request) -> None:
    """A conversation token in a URL would reach logs and histories: refused, never looked up."""
    if "conversation" in request.query:
        raise _Refusal(400, "token_in_url", message("unreadable"))


@routes.get("/chat/events")
async def get_events(request: web.Request) -> web.Response:
    _token_not_in_url(request)
    conversation = await _conversation(request, request.headers.get(CONVERSATION_HEADER))
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        after = 0
    await _acknowledge(request.app[CONVERSATIONS], conversation.token, after)
    if after == 0:
        await request.app[CHAT].greet(conversation, client_key(request))
    wait = request.app[SETTINGS].chat.poll_wait_seconds
    events = await request.app[CONVERSATIONS].wait_for_events(conversation.token, after, wait)
    return web.json_response({"events": events})


@routes.post("/chat/restart")
async def restart(request: web.Request) -> web.Response:
    body = await _json_body(request)
    conversation = await request.app[CONVERSATIONS].get(body.get("conversation"))
    if conversation is not None:
        await request.app[CHAT].restart(conversation)
    return web.json_response({"events": []})


@routes.get("/chat/ws")
async def websocket(request: web.Request) -> web.WebSocketResponse:
    _token_not_in_url(request)
    store = request.app[CONVERSATIONS]
    limits = request.app[SETTINGS].chat
    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=limits.max_frame_bytes)
    try:
        await socket.prepare(request)
    except ConnectionResetError:  # the browser left before the handshake finished
        return socket
    first = await _first_resume(socket, store, limits)
    if first is None:
        return socket
    token, first_frame = first
    pusher = None
    try:
        async for frame in _replay_first(socket, first_frame):
            if frame.type == WSMsgType.ERROR:  # e.g. a frame over max_frame_bytes: aiohttp closes the socket
                break
            if frame.type == WSMsgType.TEXT and len(frame.data) > limits.max_body_bytes:
                await _notice(socket, "too_long", max_chars=limits.max_message_chars)
                continue
            command = _command(frame, limits.max_json_depth)
            try:
                conversation = await store.get(token)
                if conversation is None:  # ended in another tab, or forgotten: the widget starts anew
                    await socket.send_json({"error": "unknown_conversation", "text": message("unknown_conversation")})
                    break
                await _acknowledge(store, token, command.get("after"))
                if command.get("type") == "resume" and pusher is None:
                    after = command.get("after") if _is_seq(command.get("after")) else 0
                    pusher = asyncio.create_task(_push_events(socket, store, token, after))
                    if after == 0:
                        await request.app[CHAT].greet(conversation, client_key(request))
                elif command.get("type") == "message":
                    if await request.app[MESSAGE_LIMIT].retry_after(token) > 0:
                        await report(request, "rate_limited", 429)
                        await store.emit(token, "notice", text=message("too_fast"))
                        continue
                    await request.app[CHAT].receive(conversation, command.get("text", ""), command.get("payload"),
                                                    client=client_key(request), channel="ws")
                elif command.get("type") == "restart":
                    await request.app[CHAT].restart(conversation)
                    break
                else:
                    await _notice(socket, "unreadable")
            except StateUnavailable:
                ERRORS.labels(reason="state_unavailable").inc()
                await _notice(socket, "assistant_unavailable")
    finally:
        if pusher is not None:
            pusher.cancel()
    return socket


async def _first_resume(socket: web.WebSocketResponse, store, limits) -> tuple[str, WSMessage] | None:
    """The token of the socket's first frame, a `resume` naming its conversation; otherwise the
    widget is told the conversation is unknown (it starts a new one) and the socket closes."""
    try:
        frame = await socket.receive(timeout=limits.first_frame_seconds)
    except asyncio.TimeoutError:
        frame = None
    command = _command(frame, limits.max_json_depth) if frame is not None else {}
    try:
        conversation = await store.get(command.get("conversation")) if command.get("type") == "resume" else None
    except StateUnavailable:
        ERRORS.labels(reason="state_unavailable").inc()
        await _notice(socket, "assistant_unavailable")
        await socket.close()
        return None
    if conversation is None:
        if not socket.closed:
            await socket.send_json({"error": "unknown_conversation", "text": message("unknown_conversation")})
            await socket.close()
        return None
    return conversation.token, frame


async def _replay_first(socket: web.WebSocketResponse, first: WSMessage):
    """The socket's frames, starting again with the first one (its `resume`)."""
    yield first
    async for frame in socket:
        yield frame


def _is_seq(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


async def _acknowledge(store, token: str, after: object) -> None:
    """The widget tells with each request the last event it has (`after`); the buffer drops those."""
    if _is_seq(after) and after > 0:
        await store.acknowledge(token, after)


async def _notice(socket: web.WebSocketResponse, key: str, **variables: object) -> None:
    """A notice straight to this socket, outside the conversation's numbered events."""
    await socket.send_json({"seq": 0, "type": "notice", "text": message(key, **variables)})


def _command(frame, max_depth: int) -> dict:
    """The widget's command in a WebSocket frame; {} for a binary frame or anything not a JSON object."""
    if frame.type != WSMsgType.TEXT:
        return {}
    try:
        return parse_json_object(frame.data, max_depth)
    except UnreadableJson:
        return {}


async def _push_events(socket: web.WebSocketResponse, store, token: str, after: int) -> None:
    """Send the widget every event after `after`, then each new one as it comes."""
    while not socket.closed:
        try:
            events = await store.wait_for_events(token, after, timeout=30)
        except StateUnavailable:
            await asyncio.sleep(1)  # the store comes back by itself; the widget keeps its socket
            continue
        for event in events:
            await socket.send_json(event)
            after = event["seq"]
