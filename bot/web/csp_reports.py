"""What the Content-Security-Policy blocked (ASVS 3.4.7): browsers post a report to /csp-report
(`report-uri`, and `report-to` with the Reporting-Endpoints header, bot.web.security), and each
becomes a security event line (bot.web.security_events). A report is written by whoever sends it,
so only three reduced fields are logged: the directive (from a fixed list), the blocked address's
scheme and host (never its path or query), and the page as the app's own route (never a case code
or a query). Small bodies only, read with the depth-guarded JSON reader, rate limited per address
and for all together so that reports cannot flood the logs."""

import json
import re
from urllib.parse import urlsplit

from aiohttp import web

from bot.web.appkeys import CONVERSATIONS, SETTINGS
from bot.web.json_body import UnreadableJson, parse_json_value
from bot.web.ratelimit import Limiter, address_key
from bot.web.security import CSP_REPORT_PATH
from bot.web.security_events import report

routes = web.RouteTableDef()
CONTENT_TYPES = frozenset({"application/csp-report", "application/reports+json", "application/json"})
REPORTS_PER_REQUEST = 5  # the Reporting API batches reports; more in one request are not logged
ADDRESS_LIMIT = web.AppKey("csp_report_limit", Limiter)
ALL_LIMIT = web.AppKey("csp_report_all_limit", Limiter)

DIRECTIVES = frozenset({
    "default-src", "script-src", "script-src-elem", "script-src-attr", "style-src", "style-src-elem",
    "style-src-attr", "img-src", "connect-src", "font-src", "object-src", "media-src", "frame-src", "child-src",
    "worker-src", "manifest-src", "base-uri", "form-action", "frame-ancestors", "navigate-to", "sandbox",
    "require-trusted-types-for", "trusted-types", "upgrade-insecure-requests", "fenced-frame-src",
})
BLOCKED_KEYWORDS = frozenset({"inline", "eval", "wasm-eval", "self", "data", "blob", "trusted-types-policy",
                              "trusted-types-sink"})
SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,19}")
HOST = re.compile(r"[a-z0-9.:-]{1,253}")


def setup_csp_reports(app: web.Application) -> None:
    """The report limits, kept where the chat's rate limits are (memory, or Redis when shared)."""
    settings, store = app[SETTINGS].csp_reports, app[CONVERSATIONS]
    app[ADDRESS_LIMIT] = store.rate_limiter("csp_reports", settings.per_minute / 60, settings.burst)
    app[ALL_LIMIT] = store.rate_limiter("csp_reports_all", settings.all_per_minute / 60, settings.all_burst)


def directive(value: object) -> str:
    """The directive a report names (its first word: Firefox sends the whole "script-src 'self'")."""
    word = value.split(maxsplit=1)[0] if isinstance(value, str) and value.strip() else ""
    return word if word in DIRECTIVES else "other"


def blocked_origin(value: object) -> str:
    """Scheme and host of what was blocked, or the keyword browsers use (inline, eval ...)."""
    if not isinstance(value, str) or not value:
        return "-"
    if value in BLOCKED_KEYWORDS:
        return value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        return "other"
    scheme = parts.scheme.lower()
    if not SCHEME.fullmatch(scheme):
        return "other"
    if not host:
        return scheme  # data:, blob: and the like
    return f"{scheme}://{host}" if HOST.fullmatch(host) else "other"


def document_route(app: web.Application, value: object) -> str:
    """The app's route the page was served from ("/staff/cases/{code}", never a code), or "other"."""
    try:
        path = urlsplit(value).path if isinstance(value, str) else ""
    except ValueError:
        return "other"
    for resource in app.router.resources():
        info = resource.get_info()
        if info.get("path") == path or ("pattern" in info and info["pattern"].fullmatch(path)):
            return resource.canonical
        if "prefix" in info and path.startswith(info["prefix"].rstrip("/") + "/"):
            return resource.canonical
    return "other"


def violations(content_type: str, body: object) -> list[dict[str, object]]:
    """The reports in a body, each its directive, blocked address and page as sent; UnreadableJson for
    other shapes.
    application/csp-report: {"csp-report": {...}}; application/reports+json: [{"type":
    "csp-violation", "body": {...}}, ...] (other report types are skipped)."""
    if isinstance(body, dict) and isinstance(body.get("csp-report"), dict):
        found = body["csp-report"]
        return [{"directive": found.get("effective-directive") or found.get("violated-directive"),
                 "blocked": found.get("blocked-uri"), "document": found.get("document-uri")}]
    if content_type != "application/csp-report" and isinstance(body, list):
        reports = [item["body"] for item in body if isinstance(item, dict) and item.get("type") == "csp-violation"
                   and isinstance(item.get("body"), dict)]
        if reports:
            return [{"directive": found.get("effectiveDirective"), "blocked": found.get("blockedURL"),
                     "document": found.get("documentURL")} for found in reports]
    raise UnreadableJson("not a CSP report")


def _bad_request() -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": "bad_request"}), content_type="application/json")


async def _read_at_most(request: web.Request, size: int) -> bytes:
    """Up to `size` bytes of the body, whatever its Content-Length says (chunked bodies too)."""
    body = bytearray()
    while len(body) < size and (chunk := await request.content.read(size - len(body))):
        body += chunk
    return bytes(body)


@routes.post(CSP_REPORT_PATH)
async def csp_report(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    limit = settings.csp_reports.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    if request.content_type not in CONTENT_TYPES:
        raise web.HTTPUnsupportedMediaType(text=json.dumps({"error": "unsupported_media_type"}),
                                           content_type="application/json")
    client = address_key(request.remote, settings.rate_limit.ipv6_prefix_length)
    for limiter, key in ((request.app[ADDRESS_LIMIT], client), (request.app[ALL_LIMIT], "all")):
        if (wait := await limiter.retry_after(key)) > 0:
            raise web.HTTPTooManyRequests(headers={"Retry-After": str(max(1, round(wait)))})
    body = await _read_at_most(request, limit + 1)
    if len(body) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    try:
        found = violations(request.content_type, parse_json_value(body, settings.chat.max_json_depth))
    except UnreadableJson:
        raise _bad_request() from None
    for violation in found[:REPORTS_PER_REQUEST]:
        await report(request, "csp_violation", 204, details={
            "directive": directive(violation["directive"]),
            "blocked": blocked_origin(violation["blocked"]),
            "document": document_route(request.app, violation["document"]),
        })
    return web.Response(status=204)
