"""`python -m bot.web`: serve the demo page, the chat and the staff desk (WEB_HOST, WEB_PORT)."""

import logging

from aiohttp import web

from bot.store.engine import make_engine
from bot.web.app import create_app
from bot.web.settings import listen_address


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # access lines would carry tokens in URLs
    host, port = listen_address()
    web.run_app(create_app(make_engine()), host=host, port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
