"""The public chat endpoints (see docs/chat-protocol.md): WebSocket first, HTTP as the fallback."""

import asyncio
import json

from aiohttp import WSMsgType, web

from bot.web.appkeys import CHAT, MESSAGE_LIMIT, REGISTRY, SESSION_LIMIT, SETTINGS
from bot.web.conversations import Conversation
from bot.web.messages import message

routes = web.RouteTableDef()


def client_key(request: web.Request) -> str:
    """The client's address (behind a proxy, the proxy must pass it on; see issue 5)."""
    return request.remote or "unknown"


def _too_fast(retry_after: float) -> web.Response:
    return web.json_response(
        {"error": "too_fast", "text": message("too_fast")},
        status=429,
        headers={"Retry-After": str(max(1, round(retry_after)))},
    )


def _unknown() -> web.Response:
    return web.json_response({"error": "unknown_conversation", "text": message("unknown_conversation")}, status=404)


class _Refusal(web.HTTPClientError):
    """A 4xx answer with a Danish text the widget shows as a notice."""

    def __init__(self, status: int, code: str, text: str) -> None:
        self.status_code = status
        super().__init__(text=json.dumps({"error": code, "text": text}, ensure_ascii=False), content_type="application/json")


async def _json_body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[SETTINGS].chat.max_message_chars
        raise _Refusal(413, "too_long", message("too_long", max_chars=limit))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _Refusal(400, "bad_request", message("unreadable"))
    if not isinstance(body, dict):
        raise _Refusal(400, "bad_request", message("unreadable"))
    return body


@routes.post("/chat/session")
async def open_session(request: web.Request) -> web.Response:
    if (wait := request.app[SESSION_LIMIT].retry_after(client_key(request))) > 0:
        return _too_fast(wait)
    conversation = request.app[REGISTRY].open()
    return web.json_response({"conversation": conversation.token}, status=201)


@routes.post("/chat/messages")
async def post_message(request: web.Request) -> web.Response:
    body = await _json_body(request)
    conversation = request.app[REGISTRY].get(body.get("conversation"))
    if conversation is None:
        return _unknown()
    if (wait := request.app[MESSAGE_LIMIT].retry_after(conversation.token)) > 0:
        return _too_fast(wait)
    text = body.get("text", "")
    if isinstance(text, str) and len(text) > request.app[SETTINGS].chat.max_message_chars:
        limit = request.app[SETTINGS].chat.max_message_chars
        return web.json_response({"error": "too_long", "text": message("too_long", max_chars=limit)}, status=413)
    before = conversation.last_seq
    await request.app[CHAT].receive(conversation, text, body.get("payload"))
    return web.json_response({"events": conversation.events_after(before)})


@routes.get("/chat/events")
async def get_events(request: web.Request) -> web.Response:
    conversation = request.app[REGISTRY].get(request.query.get("conversation"))
    if conversation is None:
        return _unknown()
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        after = 0
    if after == 0:
        await request.app[CHAT].greet(conversation)
    wait = request.app[SETTINGS].chat.poll_wait_seconds
    return web.json_response({"events": await conversation.wait_for_events(after, wait)})


@routes.post("/chat/restart")
async def restart(request: web.Request) -> web.Response:
    body = await _json_body(request)
    conversation = request.app[REGISTRY].get(body.get("conversation"))
    if conversation is not None:
        await request.app[CHAT].restart(conversation)
    return web.json_response({"events": []})


@routes.get("/chat/ws")
async def websocket(request: web.Request) -> web.WebSocketResponse:
    conversation = request.app[REGISTRY].get(request.query.get("conversation"))
    if conversation is None:
        return _unknown()
    socket = web.WebSocketResponse(heartbeat=30, max_msg_size=request.app[SETTINGS].chat.max_body_bytes)
    try:
        await socket.prepare(request)
    except ConnectionResetError:  # the browser left before the handshake finished
        return socket
    pusher = None
    try:
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                await socket.send_json({"seq": 0, "type": "notice", "text": message("unreadable")})
                continue
            try:
                command = json.loads(frame.data)
            except json.JSONDecodeError:
                command = {}
            kind = command.get("type") if isinstance(command, dict) else None
            if kind == "resume" and pusher is None:
                after = command.get("after") if isinstance(command.get("after"), int) else 0
                pusher = asyncio.create_task(_push_events(socket, conversation, after))
                if after == 0:
                    await request.app[CHAT].greet(conversation)
            elif kind == "message":
                if request.app[MESSAGE_LIMIT].retry_after(conversation.token) > 0:
                    await conversation.emit("notice", text=message("too_fast"))
                    continue
                await request.app[CHAT].receive(conversation, command.get("text", ""), command.get("payload"), channel="ws")
            elif kind == "restart":
                await request.app[CHAT].restart(conversation)
                break
            else:
                await socket.send_json({"seq": 0, "type": "notice", "text": message("unreadable")})
    finally:
        if pusher is not None:
            pusher.cancel()
    return socket


async def _push_events(socket: web.WebSocketResponse, conversation: Conversation, after: int) -> None:
    """Send the widget every event after `after`, then each new one as it comes."""
    while not socket.closed:
        events = await conversation.wait_for_events(after, timeout=30)
        for event in events:
            await socket.send_json(event)
            after = event["seq"]
