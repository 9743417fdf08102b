"""Which web pages may use the public chat: the site's own and the sites configured to embed the
widget (`allowed_origins` in bot/web/settings.yml). Browsers send `Origin` with every WebSocket
handshake and every POST, so checking it keeps a hostile page from opening conversations in its
visitors' names and from using up the limits of the address they share (a school's). A request
without `Origin` is not from a browser page; such a client could send any `Origin` it liked, so it
is let through and left to the rate limits."""

from aiohttp import web


def normalised(origins: list[str]) -> frozenset[str]:
    """`https://www.example.dk/` and `HTTPS://www.example.dk` as a browser sends them."""
    return frozenset(origin.strip().rstrip("/").lower() for origin in origins)


def allowed_origin(request: web.Request, allowed: frozenset[str]) -> bool:
    """No `Origin`, the site's own (scheme and host as a trusted proxy passed them on), or a listed one."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    origin = origin.strip().lower()
    return origin == f"{request.scheme}://{request.host}".lower() or origin in allowed
