"""Rasa's structured log lines without what a user wrote.

Rasa 3.6 logs the message text with some errors (`rest.message.received.timeout` when the web app
gave up waiting, `rest.message.received.failure`, parse failures). Its own `_anonymizer` hook does
nothing without Rasa Plus, so `withhold_user_text` takes its place: every field of an event except
the few that describe the event itself is replaced, unless it is a number or a truth value.
"""

from typing import Any

WITHHELD = "[withheld]"
_DESCRIBES_THE_EVENT = frozenset({"event", "event_key", "event_info", "level", "log_level", "timestamp",
                                  "exc_info", "logger"})


def withhold_user_text(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: fields that could hold user text become '[withheld]'."""
    return {
        key: value if key in _DESCRIBES_THE_EVENT or isinstance(value, (bool, int, float)) or value is None
        else WITHHELD
        for key, value in event.items()
    }
