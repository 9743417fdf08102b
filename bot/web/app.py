"""The web app: the demo page with the chat widget, the chat endpoints and the staff desk. It is
the only public port; Rasa and the action server stay on 127.0.0.1 behind it."""

import asyncio
import contextlib
import logging
import re
from functools import cache
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from sqlalchemy import Engine

from bot.knowledge.contacts import route
from bot.staff.sessions import setup_sessions
from bot.web import (
    chat_routes, csp_reports, desk_accounts, desk_auth, desk_cases, desk_password, desk_second_factor, desk_stats,
    health,
)
from bot.web.appkeys import (
    CHAT, CONVERSATION_LIMIT, CONVERSATIONS, ENGINE, HANDOFF_LIMIT, HUB, MESSAGE_LIMIT, RASA, RELAY, SESSION_LIMIT,
    SETTINGS,
)
from bot.web.chat import ChatService
from bot.web.csp_reports import ADDRESS_LIMIT as CSP_ADDRESS_LIMIT, ALL_LIMIT as CSP_ALL_LIMIT, setup_csp_reports
from bot.web.conversations import ConversationStore, MemoryConversations, StateUnavailable
from bot.web.handoff_limit import HandoffLimit
from bot.web.live import DeskHub, LiveRelay
from bot.web.proxies import forwarded_by_trusted_proxies
from bot.web.rasa import RasaClient
from bot.web.security import add_security_headers, hide_server_software, unexpected_errors
from bot.web.security_events import security_events, setup_security_events
from bot.web.redis_state import RedisConversations
from bot.web.settings import (
    WebSettings, chat_state_url, live_chat_always_open, rasa_ca_file, rasa_url, trusted_proxies, web_settings,
)

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
STATIC = HERE / "static"

routes = web.RouteTableDef()


def _emergency_number() -> str:
    return route("emergency").number


@routes.get("/")
@aiohttp_jinja2.template("demo.html")
async def demo_page(request: web.Request) -> dict:
    number = _emergency_number()
    return {"emergency_number": number, "emergency_digits": re.sub(r"\D", "", number)}


@cache
def _widget_source() -> str:
    """widget.js with the emergency number from contacts.yml written in, read once."""
    return (STATIC / "widget.js").read_text(encoding="utf-8").replace("__EMERGENCY_NUMBER__", _emergency_number())


@routes.get("/widget.js")
async def widget_script(request: web.Request) -> web.Response:
    return web.Response(text=_widget_source(), content_type="text/javascript", headers={"Cache-Control": "no-cache"})


@routes.get("/widget.css")
async def widget_styles(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "widget.css", headers={"Cache-Control": "no-cache"})


def conversation_store(settings: WebSettings, state_url: str | None) -> ConversationStore:
    """Redis at `state_url`, shared by every instance; else this process's memory."""
    hub, chat = DeskHub(), settings.chat
    idle_seconds = chat.conversation_idle_hours * 3600
    if state_url:
        return RedisConversations(state_url, hub, chat.event_buffer, idle_seconds)
    return MemoryConversations(hub, chat.event_buffer, idle_seconds)


def create_app(
    engine: Engine, *, assistant_url: str | None = None, settings: WebSettings | None = None,
    state_url: str | None = None, proxies: list[str] | None = None,
) -> web.Application:
    """The web app. Unless given, the assistant's address, the conversation store and the trusted
    proxies come from the environment (RASA_URL, CHAT_STATE_URL, TRUSTED_PROXIES); the CA that
    verifies an https assistant always does (RASA_CA_FILE)."""
    settings = settings or web_settings()
    proxies = trusted_proxies() if proxies is None else proxies
    middlewares = [forwarded_by_trusted_proxies(proxies)] if proxies else []
    app = web.Application(middlewares=[*middlewares, security_events, unexpected_errors, chat_routes.state_unavailable,
                                       chat_routes.from_allowed_pages(settings.chat.allowed_origins)],
                          client_max_size=settings.chat.max_body_bytes)
    app.on_response_prepare.append(add_security_headers)
    hide_server_software()
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
    )
    store = conversation_store(settings, chat_state_url() if state_url is None else state_url)
    relay = LiveRelay(store, settings.live.claim_timeout_minutes * 60)
    rasa = RasaClient(assistant_url or rasa_url(), settings.chat.rasa_timeout_seconds, rasa_ca_file())
    app[SETTINGS], app[ENGINE], app[CONVERSATIONS], app[HUB], app[RELAY], app[RASA] = (
        settings, engine, store, store.hub, relay, rasa)
    limits = settings.rate_limit
    app[MESSAGE_LIMIT] = store.rate_limiter("messages", limits.messages_per_minute / 60, limits.message_burst)
    app[SESSION_LIMIT] = store.rate_limiter("sessions", limits.sessions_per_hour / 3600, limits.session_burst)
    app[HANDOFF_LIMIT] = store.rate_limiter("handoffs", limits.handoffs_per_hour / 3600, limits.handoff_burst)
    app[CONVERSATION_LIMIT] = store.rate_limiter("conversations", limits.new_conversations_per_minute / 60,
                                                 limits.new_conversation_burst)
    handoff_limit = HandoffLimit(engine, app[HANDOFF_LIMIT], limits.handoffs_per_conversation)
    app[CHAT] = ChatService(store, relay, rasa, settings.chat, handoff_limit, always_open=live_chat_always_open())
    setup_security_events(app)
    setup_csp_reports(app)
    setup_sessions(app, engine)                 # staff desk sessions, then CSRF checks that read them
    desk_auth.setup_login(app, engine, store)
    for module_routes in (routes, health.routes, chat_routes.routes, csp_reports.routes, desk_auth.routes,
                          desk_cases.routes, desk_stats.routes, desk_accounts.routes, desk_password.routes,
                          desk_second_factor.routes):
        app.add_routes(module_routes)
    app.router.add_static("/static/", STATIC)
    app.cleanup_ctx.append(_connections)
    app.cleanup_ctx.append(_housekeeping)
    return app


async def _connections(app: web.Application):
    await app[RASA].start()
    await app[CONVERSATIONS].start()
    yield
    await app[CONVERSATIONS].close()
    await app[RASA].close()


async def _housekeeping(app: web.Application):
    """Tell users nobody answered to call; forget idle conversations and full rate-limit buckets."""
    async def loop() -> None:
        while True:
            await asyncio.sleep(app[SETTINGS].live.check_interval_seconds)
            try:
                await app[RELAY].send_waiting_home()
                await app[CONVERSATIONS].forget_idle()
                app[MESSAGE_LIMIT].forget_full()
                app[SESSION_LIMIT].forget_full()
                app[HANDOFF_LIMIT].forget_full()
                app[CONVERSATION_LIMIT].forget_full()
                app[CSP_ADDRESS_LIMIT].forget_full()
                app[CSP_ALL_LIMIT].forget_full()
            except StateUnavailable as error:
                log.warning("web housekeeping: the conversation store does not answer (%s)", error)
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("web housekeeping failed")

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
