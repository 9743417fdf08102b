"""Sending the messages that custom actions compose, with the contact facts filled in, and
reading what the tracker holds."""

from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge.contacts import contact_variables, route
from bot.knowledge.places import PlaceMatch, lookup_place
from bot.understanding.reading import SituationReading

RESPONSES_FILE = Path(__file__).with_name("responses.yml")

# Intents that are never an answer to a question in the guided conversation.
NOT_AN_ANSWER = frozenset(
    {"faq", "acute_danger", "request_human", "ask_contact", "bot_challenge", "english",
     "out_of_scope", "worry_about_self", "mental_health_crisis", "goodbye", "thank", "start_readiness_check"}
)


@cache
def responses() -> dict[str, list[dict[str, Any]]]:
    """The action messages from responses.yml, keyed by name."""
    with RESPONSES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["responses"]


def button_payloads(name: str) -> frozenset[str]:
    """The payloads of a message's buttons, as the user's message will carry them."""
    return frozenset(button["payload"] for button in render(name).get("buttons", []))


def render(name: str, **variables: Any) -> dict[str, Any]:
    """The text and buttons of a message, with {placeholders} filled."""
    values = {**contact_variables(), **variables}
    message = responses()[name][0]
    rendered: dict[str, Any] = {"text": message["text"].format_map(values)}
    if "buttons" in message:
        rendered["buttons"] = [
            {"title": button["title"].format_map(values), "payload": button["payload"].format_map(values)}
            for button in message["buttons"]
        ]
    return rendered


def say(dispatcher: CollectingDispatcher, name: str, **variables: Any) -> None:
    """Send one message from responses.yml."""
    dispatcher.utter_message(**render(name, **variables))


def current_time() -> datetime:
    """The time used for opening-hours checks (a function so tests can pin it)."""
    return datetime.now(timezone.utc)


def hotline_closed_now() -> bool:
    """True when the hotline has opening hours and is outside them right now."""
    hours = route("hotline").hours
    return hours is not None and not hours.is_open(current_time())


def say_hotline_closed_if_needed(dispatcher: CollectingDispatcher) -> None:
    """Tell the user when the hotline is closed right now, and when it opens."""
    if hotline_closed_now():
        say(dispatcher, "utter_hotline_closed_now")


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def faq_topic(tracker: Tracker, minimum: float) -> str | None:
    """The FAQ selector's topic of the latest message ('faq/ssp'), when it is at least `minimum` sure of it."""
    faq = ((tracker.latest_message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    return faq.get("intent_response_key") if (faq.get("confidence") or 0.0) >= minimum else None


def latest_situation(tracker: Tracker) -> SituationReading:
    """What the NLU's situation readers made of the latest message (empty for a button's payload)."""
    return SituationReading.from_dict(tracker.latest_message.get("situation"))


def in_english(tracker: Tracker) -> bool:
    """Whether the conversation is in English: its latest message, or an earlier one (the language slot)."""
    return tracker.get_slot("language") == "en" or latest_situation(tracker).language == "en"


def known_place(tracker: Tracker) -> PlaceMatch | None:
    """The kommune and police district the conversation has settled on, if any."""
    kommune = tracker.get_slot("kommune")
    return lookup_place(kommune) if kommune else None
