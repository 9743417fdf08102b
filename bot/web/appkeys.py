"""Typed keys for what the web app shares between its handlers."""

from aiohttp import web
from sqlalchemy import Engine

from bot.staff.csrf import LoginTokens
from bot.staff.password_checks import PasswordChecks
from bot.staff.throttle import Throttle
from bot.web.chat import ChatService
from bot.web.conversations import ConversationStore
from bot.web.live import DeskHub, LiveRelay
from bot.web.rasa import RasaClient
from bot.web.ratelimit import Limiter
from bot.web.settings import WebSettings

SETTINGS = web.AppKey("settings", WebSettings)
ENGINE = web.AppKey("engine", Engine)
CONVERSATIONS = web.AppKey("conversations", ConversationStore)
RASA = web.AppKey("rasa", RasaClient)
HUB = web.AppKey("hub", DeskHub)
RELAY = web.AppKey("relay", LiveRelay)
CHAT = web.AppKey("chat", ChatService)
MESSAGE_LIMIT = web.AppKey("message_limit", Limiter)
SESSION_LIMIT = web.AppKey("session_limit", Limiter)
HANDOFF_LIMIT = web.AppKey("handoff_limit", Limiter)
CONVERSATION_LIMIT = web.AppKey("conversation_limit", Limiter)  # new conversations from everyone together
THROTTLE = web.AppKey("throttle", Throttle)
PASSWORD_CHECKS = web.AppKey("password_checks", PasswordChecks)
LOGIN_TOKENS = web.AppKey("login_tokens", LoginTokens)
