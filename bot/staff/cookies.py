"""The desk's cookie names: with Secure on, the `__Host-` prefix, so a browser takes the cookie only
from this host over HTTPS, with Path=/ and no Domain (no sibling domain can plant or overwrite it).
Without Secure (STAFF_COOKIE_SECURE=0, plain-HTTP development) the prefix is not allowed."""

HOST_PREFIX = "__Host-"
PATH = "/"  # the only path a __Host- cookie may have


def desk_cookie_name(name: str, secure: bool) -> str:
    return f"{HOST_PREFIX}{name}" if secure else name
