"""Behind a reverse proxy (nginx, an ingress): believe the X-Forwarded-For, -Proto and -Host headers
of requests that come from a trusted proxy, and ignore them on any other request. The client's
address feeds the rate limits and the metrics' access check; the scheme and host feed the staff
desk's Origin check."""

from ipaddress import ip_address

from aiohttp import web
from aiohttp_remotes import XForwardedFiltered
from aiohttp_remotes.exceptions import UntrustedIP
from aiohttp_remotes.utils import check_ip, parse_trusted_element


def forwarded_by_trusted_proxies(proxies: list[str]):
    """Middleware: a request from one of `proxies` (addresses or networks) is given the client's
    address (the right-most untrusted one in X-Forwarded-For, so entries a client wrote itself are
    passed over), scheme and host; a request from anywhere else keeps its own."""
    trusted = parse_trusted_element(proxies)
    forwarded = XForwardedFiltered(trusted).middleware

    @web.middleware
    async def middleware(request: web.Request, handler):
        if _from_trusted_proxy(request, trusted):
            return await forwarded(request, handler)
        return await handler(request)

    return middleware


def _from_trusted_proxy(request: web.Request, trusted) -> bool:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    try:
        check_ip(trusted, ip_address(peer[0]))
    except (UntrustedIP, TypeError, ValueError, IndexError):
        return False
    return True
