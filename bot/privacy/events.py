"""Anonymising Rasa events (as dicts) before they are stored: texts, entity values, metadata."""

from typing import Any

from bot.privacy.anonymizer import anonymize

# Keys whose string values may hold what a user typed: message text, entity values, slot values.
TEXT_KEYS = frozenset({"text", "value", "action_text"})
# Keys whose whole subtree may hold user data (channel metadata).
FREE_KEYS = frozenset({"metadata"})
# Kept as they are, because they hold only our own words: the assistant's messages (templates
# filled with validated values, see actions/messages.py) and the response selector's candidate
# answers inside a user event's parse data. Anonymising them cost Rasa most of its time per message.
OWN_WORDS_EVENTS = frozenset({"bot", "slot"})
OWN_WORDS_KEYS = frozenset({"response_selector"})


def _anonymize_all(value: Any) -> Any:
    if isinstance(value, str):
        return anonymize(value)
    if isinstance(value, list):
        return [_anonymize_all(item) for item in value]
    if isinstance(value, dict):
        return {key: _anonymize_all(item) for key, item in value.items()}
    return value


def anonymize_event(data: Any) -> Any:
    """A copy of an event dict with every user-typed string anonymised; names, intents and
    timestamps unchanged. Slot events are kept as they are: our forms only set slots to validated
    values from fixed vocabularies (roles, official kommune names, sign ids, slot names). Bot
    events and the response selector's answers are our own words and are kept as they are."""
    if isinstance(data, dict) and data.get("event") in OWN_WORDS_EVENTS:
        return data
    if isinstance(data, list):
        return [anonymize_event(item) for item in data]
    if not isinstance(data, dict):
        return data
    return {
        key: value if key in OWN_WORDS_KEYS
        else _anonymize_all(value) if key in TEXT_KEYS | FREE_KEYS
        else anonymize_event(value)
        for key, value in data.items()
    }
