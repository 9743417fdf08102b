"""Sending domain responses from custom actions, with the values of their placeholders, and
reading what the tracker holds."""

import re
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge.contacts import contact_variables, route
from bot.knowledge.places import PlaceMatch, answered_home, lookup_place, read_places
from bot.knowledge.text import fold
from bot.understanding.reading import SituationReading

DOMAIN_FILE = Path(__file__).resolve().parents[1] / "domain.yml"
# A {placeholder} as Rasa 3.6 finds it, and the parts of a response it fills
# (rasa/core/nlg/interpolator.py and response.py).
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
FILLED_PARTS = frozenset({"text", "image", "custom", "buttons", "attachment", "quick_replies"})

# Intents that are never an answer to a question in the guided conversation.
NOT_AN_ANSWER = frozenset(
    {"faq", "acute_danger", "request_human", "ask_contact", "bot_challenge", "english",
     "out_of_scope", "worry_about_self", "mental_health_crisis", "goodbye", "thank", "start_readiness_check"}
)


@cache
def responses() -> dict[str, list[dict[str, Any]]]:
    """The responses of domain.yml, keyed by name."""
    with DOMAIN_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["responses"]


def interpolate(template: str, values: dict[str, Any]) -> str:
    """A string with its {placeholders} filled as Rasa fills it: a doubled brace is a literal one,
    and a placeholder without a value leaves the whole string as it is."""
    try:
        text = PLACEHOLDER.sub(r"{0[\1]}", template).format(values)
        return template.format({}) if "0[" in text else text
    except KeyError:
        return template


def _filled(part: Any, values: dict[str, Any]) -> Any:
    if isinstance(part, str):
        return interpolate(part, values)
    if isinstance(part, list):
        return [_filled(item, values) for item in part]
    if isinstance(part, dict):
        return {key: _filled(item, values) for key, item in part.items()}
    return part


def render(name: str, **values: Any) -> dict[str, Any]:
    """A domain response as Rasa's NLG fills it from these values (without the slots): what the
    user sees of an action's utter_message(response=name, **values). Each response has one variation."""
    variation = responses()[name][0]
    return {key: _filled(part, values) if key in FILLED_PARTS else part for key, part in variation.items()}


def _strings(part: Any) -> list[str]:
    if isinstance(part, str):
        return [part]
    items = part.values() if isinstance(part, dict) else part if isinstance(part, list) else []
    return [string for item in items for string in _strings(item)]


@cache
def placeholders(name: str) -> frozenset[str]:
    """The names of the {placeholders} in the parts of a response that Rasa fills."""
    parts = [part for key, part in responses()[name][0].items() if key in FILLED_PARTS]
    found = (match for string in _strings(parts) for match in PLACEHOLDER.findall(string))
    return frozenset(match for match in found if match.isidentifier())  # not a doubled brace's content


def response_values(name: str, **variables: Any) -> dict[str, Any]:
    """The values an action passes with a response: the contact facts it names, and its own. Passed
    rather than left to the slots of the same names, which are not yet set when the session starts."""
    named = placeholders(name)
    return {**{key: value for key, value in contact_variables().items() if key in named}, **variables}


def button_payloads(name: str) -> frozenset[str]:
    """The payloads of a response's buttons, as the user's message will carry them."""
    return frozenset(button["payload"] for button in render(name, **response_values(name)).get("buttons", []))


def say(dispatcher: CollectingDispatcher, name: str, **variables: Any) -> None:
    """Send one domain response; Rasa fills it with the contact facts it names and these variables."""
    dispatcher.utter_message(response=name, **response_values(name, **variables))


def current_session(events: list[dict]) -> list[dict]:
    """The events since the latest session start: a session that expired is another conversation."""
    starts = [i for i, event in enumerate(events) if event.get("event") == "session_started"]
    return events[starts[-1]:] if starts else events


def has_said(tracker: Tracker, name: str) -> bool:
    """Whether the assistant has said this response (one without values) in this session."""
    text = render(name)["text"]
    return any(event.get("event") == "bot" and event.get("text") == text
               for event in current_session(tracker.events))


def user_texts(tracker: Tracker) -> list[str]:
    """Everything the user has written in this session, oldest first."""
    return [event.get("text") or "" for event in current_session(tracker.events) if event.get("event") == "user"]


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


def noted_with(tracker: Tracker, signs) -> list[str]:
    """The signs noted earlier in the conversation (the `noted_signs` slot) joined with `signs`, in order."""
    return list(dict.fromkeys([*(tracker.get_slot("noted_signs") or []), *signs]))


def in_english(tracker: Tracker) -> bool:
    """Whether the conversation is in English: its latest message, or an earlier one (the language slot)."""
    return tracker.get_slot("language") == "en" or latest_situation(tracker).language == "en"


INFOHUS_QUESTION = "faq/infohus"


def known_place(tracker: Tracker) -> PlaceMatch | None:
    """The kommune and police district the conversation has settled on, if any."""
    kommune = tracker.get_slot("kommune")
    return lookup_place(kommune) if kommune else None


def place_asked_about(tracker: Tracker) -> PlaceMatch | None:
    """The place a question about the local infohus or contacts is about: the kommune the latest
    message names ("hvilket infohus hører Ballerup under?", "vi bor i Marstal"), else the one known."""
    named = answered_home([mention for mention in read_places(latest_text(tracker)) if mention.kommune])
    return lookup_place(named.kommune) if named else known_place(tracker)


def answer_questions(dispatcher: CollectingDispatcher, tracker: Tracker, topics: list[str],
                     answered: str | None = None) -> None:
    """The FAQ answers of the topics ('faq/anonymity'), after the one the FAQ rule gave (`answered`);
    a question about the infohus, or about the infohus of a place the message names, also learns
    which infohus serves that place, once."""
    local = INFOHUS_QUESTION in (answered, *topics) or names_a_local_infohus(tracker)
    if local and INFOHUS_QUESTION not in topics:
        say_local_infohus(dispatcher, tracker)
    for topic in topics:
        say(dispatcher, f"utter_{topic}")
        if topic == INFOHUS_QUESTION:
            say_local_infohus(dispatcher, tracker)


def names_a_local_infohus(tracker: Tracker) -> bool:
    """Whether the latest message asks about the infohus of a place it names, whatever the topic of
    its question ("hvad sker der når man ringer til infohuset her i Haderslev?")."""
    text = latest_text(tracker)
    return "infohus" in fold(text) and any(mention.kommune for mention in read_places(text))


def say_local_infohus(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Which police district's infohus serves the place asked about, when one is named or known."""
    place = place_asked_about(tracker)
    if place:
        say(dispatcher, "utter_contacts_infohus", kommune=place.kommune, police_district=place.police_district.name)
