"""Shared helpers: real rasa-sdk trackers and dispatchers for action tests."""

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import render

ROOT = Path(__file__).resolve().parents[1]
# What Rasa leaves in a text it could not fill: a {placeholder}, or a doubled brace.
UNFILLED = re.compile(r"\{\w+\}|\{\{|\}\}")


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


def make_tracker(
    text: str = "",
    intent: str | None = None,
    entities: list[dict] | None = None,
    slots: dict[str, Any] | None = None,
    requested_slot: str | None = None,
    active_loop: str | None = None,
    events: list[dict] | None = None,
    situation: dict | None = None,
    latest_action_name: str = "action_listen",
    faq: tuple[str, float] | None = None,
) -> Tracker:
    """A tracker whose latest message is `text` classified as `intent`, read as `situation`
    (what bot/understanding's readers put in the parsed message; absent for a button's payload),
    with the FAQ selector's `faq` topic and confidence."""
    all_slots = {"requested_slot": requested_slot, **(slots or {})}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    if situation is not None:
        latest["situation"] = situation
    if faq is not None:
        key, confidence = faq
        latest["response_selector"] = {"faq": {"response": {"intent_response_key": key, "confidence": confidence}}}
    user_event = {"event": "user", "text": text, "parse_data": latest}
    return Tracker(
        sender_id="test-user",
        slots=all_slots,
        latest_message=latest,
        events=events if events is not None else [user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name=latest_action_name,
    )


def as_sent(message: dict) -> dict:
    """A message an action dispatched, as Rasa sends it on: a domain response filled with the values
    the action passed (actions.messages.render), and the action's own non-empty parts. Fails when
    the user would see a placeholder or a doubled brace."""
    if not message.get("response"):
        return message
    values = {key: value for key, value in message.items() if key != "response"}
    sent = {**render(message["response"], **values), **{key: value for key, value in message.items() if value}}
    shown = [sent.get("text") or ""] + [part for button in sent.get("buttons", []) for part in button.values()]
    assert not any(UNFILLED.search(part) for part in shown), f"{message['response']} is sent unfilled: {shown}"
    return sent


def run_action(action, tracker: Tracker, domain: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    """Run an action; return (events, messages as the user gets them)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return events, [as_sent(message) for message in dispatcher.messages]


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text") or "" for m in messages]


def names(messages: list[dict]) -> list[str | None]:
    """The domain responses the messages were sent as."""
    return [m.get("response") for m in messages]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database of each kind the store supports."""
    from tests.support.databases import fresh_postgres_database

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'handoffs.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture
def store_engine(database_url):
    """An engine on a migrated database."""
    from bot.store.engine import make_engine
    from bot.store.migrate import upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["memory", "redis"])
async def conversation_store(request):
    """An empty, started conversation store of each kind the web app supports."""
    from bot.web.conversations import MemoryConversations
    from bot.web.live import DeskHub
    from bot.web.redis_state import RedisConversations
    from tests.support.redis_server import redis_url, unique_prefix

    if request.param == "memory":
        store = MemoryConversations(DeskHub(), buffer_size=50, idle_seconds=3600)
    else:
        store = RedisConversations(redis_url(), DeskHub(), buffer_size=50, idle_seconds=3600, prefix=unique_prefix())
    await store.start()
    yield store
    await store.close()
