"""Reading JSON from users and staff: every endpoint and the chat WebSocket go through here, so
that nesting too deep for Python's parser (a RecursionError) or anything not a JSON object is a
clean 400 or a kind notice, never a server error."""

import json

from aiohttp import web

from bot.web.appkeys import SETTINGS
from bot.web.messages import message

OPENING, CLOSING = frozenset("[{"), frozenset("]}")


class UnreadableJson(ValueError):
    """Not a JSON object, or nested deeper than allowed."""


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text` (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif char in CLOSING:
            depth -= 1
    return deepest


def parse_json_object(text: str | bytes, max_depth: int) -> dict:
    """The JSON object in `text`; UnreadableJson for anything else, before the parser sees it
    when it nests deeper than `max_depth`."""
    value = parse_json_value(text, max_depth)
    if not isinstance(value, dict):
        raise UnreadableJson("not an object")
    return value


def parse_json_value(text: str | bytes, max_depth: int) -> object:
    """Any JSON value in `text` (the Reporting API posts an array); UnreadableJson as above."""
    try:
        text = text.decode("utf-8") if isinstance(text, bytes) else text
    except UnicodeDecodeError as error:
        raise UnreadableJson("not UTF-8") from error
    if nesting_depth(text) > max_depth:
        raise UnreadableJson("nested too deeply")
    try:
        value = json.loads(text)
    except ValueError as error:  # JSONDecodeError, and numbers too long to convert
        raise UnreadableJson("not JSON") from error
    return value


async def read_json_object(request: web.Request) -> dict:
    """The request's JSON object body. A 400 with the kind 'unreadable' text when it is not one;
    a body over the size limit is aiohttp's 413 (HTTPRequestEntityTooLarge)."""
    body = await request.read()
    try:
        return parse_json_object(body, request.app[SETTINGS].chat.max_json_depth)
    except UnreadableJson:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "bad_request", "text": message("unreadable")}, ensure_ascii=False),
            content_type="application/json",
        ) from None
