"""Security headers on every response the app sends (errors included: a 404, 405, 413, 429 or 500
carries them too), and a plain 500 instead of a crash for any error nobody expected."""

import logging
import traceback

from aiohttp import web, web_response

log = logging.getLogger(__name__)
CSP_REPORT_PATH = "/csp-report"
CSP_REPORT_ENDPOINT = "csp"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        # What the policy blocks is reported to bot.web.csp_reports: `report-uri` for browsers
        # without the Reporting API, `report-to` (the endpoint in Reporting-Endpoints) for the rest.
        f"report-uri {CSP_REPORT_PATH}",
        f"report-to {CSP_REPORT_ENDPOINT}",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Reporting-Endpoints": f'{CSP_REPORT_ENDPOINT}="{CSP_REPORT_PATH}"',  # relative: this site itself
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # never to other sites; "no-referrer" would send "Origin: null"
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
PRIVATE_PREFIXES = ("/chat", "/staff")  # answers that must never be cached


def hide_server_software() -> None:
    """aiohttp names itself and Python with their versions in a `Server` header (ASVS 13.4.6). The
    app's own answers lose the header in `add_security_headers`; the few answers aiohttp's HTTP
    parser gives to a malformed request before any route (a 400) never reach that hook, so the
    name aiohttp gives them is emptied here too. (Behind the ingress, nginx parses HTTP first.)"""
    if hasattr(web_response, "SERVER_SOFTWARE"):
        web_response.SERVER_SOFTWARE = ""


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """An `on_response_prepare` hook: it runs for every response, also those aiohttp makes itself.
    It runs after aiohttp has added its `Server: Python/3.x aiohttp/3.x`, which it takes away
    (ASVS 13.4.6: no names or versions of the software)."""
    response.headers.pop("Server", None)
    response.headers.update(HEADERS)
    if request.path.startswith(PRIVATE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    if request.secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


@web.middleware
async def unexpected_errors(request: web.Request, handler):
    """Any exception that is not an HTTP answer becomes a short 500. It is logged in one line with
    where it happened, without the exception's message, which may quote what a user sent."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:  # noqa: BLE001  the one place that catches what nothing else did
        where = traceback.extract_tb(error.__traceback__)[-1]
        log.error("%s %s failed: %s at %s:%s", request.method, request.path, type(error).__name__,
                  where.filename, where.lineno)
        raise web.HTTPInternalServerError(text="Der skete en fejl. Prøv igen om lidt.") from None
