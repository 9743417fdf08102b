"""`python -m bot.web`: serve the demo page, the chat and the staff desk (WEB_HOST, WEB_PORT), over
HTTPS when WEB_TLS_CERT_FILE and WEB_TLS_KEY_FILE are set (docs/deployment.md, "Internal TLS")."""

import logging
import ssl
import sys

from aiohttp import web

from bot.store.engine import make_engine
from bot.web.app import create_app
from bot.web.settings import listen_address, tls_files


def server_context(files: tuple[str, str] | None) -> ssl.SSLContext | None:
    """The TLS context the web app serves with, from (certificate file, key file); None: plain HTTP.
    TLS 1.2 or newer; no client certificate is asked for."""
    if files is None:
        return None
    cert, key = files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"cannot load WEB_TLS_CERT_FILE={cert} with WEB_TLS_KEY_FILE={key}: {error}") from error
    return context


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # access lines would carry tokens in URLs
    try:
        context = server_context(tls_files())
    except ValueError as error:
        sys.exit(f"The web app does not start: {error}")
    host, port = listen_address()
    web.run_app(create_app(make_engine()), host=host, port=port, ssl_context=context, access_log=None, print=None)


if __name__ == "__main__":
    main()
