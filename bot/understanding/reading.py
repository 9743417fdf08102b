"""What one message says about the situation: the readers' output, as the actions receive it.

Only the standard library here: the actions (in our own environment) rebuild it from the parsed
message that Rasa hands them, while the readers themselves run inside Rasa's environment.
"""

from dataclasses import dataclass
from typing import Any

RELATION_ROLES = ("parent", "relative", "friend", "school_staff", "professional", "kommune")
ROLES = (*RELATION_ROLES, "self", "unknown")
# A hate or extremist crime told of: seen or heard of, suffered (by the writer or their own), or done by
# the person the writer is worried about (their son, pupil, friend: a worry, with the police beside it).
CRIME_INCIDENTS = ("witness", "victim", "offender")
INCIDENTS = (*CRIME_INCIDENTS, "none")


@dataclass(frozen=True)
class SituationReading:
    """Labels only: which kind of help fits, never a score of a person."""

    signs: tuple[str, ...] = ()
    acute: bool = False
    acute_sure: bool = False  # acute on the reader's own high probability or the safety net, not the middle band
    role: str = "unknown"
    incident: str = "none"
    crisis: bool = False
    crisis_sure: bool = False  # a crisis at the reader's high probability, not the middle band
    language: str = "da"
    gives_place: bool = False  # says where someone lives (or is nothing but a place name)
    questions: tuple[str, ...] = ()  # FAQ topics its questions ask about ('faq/infohus'), in order

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON types (the readers' numpy scalars would not serialise)."""
        return {
            "signs": [str(sign) for sign in self.signs], "acute": bool(self.acute), "acute_sure": bool(self.acute_sure),
            "role": str(self.role), "incident": str(self.incident), "crisis": bool(self.crisis),
            "crisis_sure": bool(self.crisis_sure),
            "language": str(self.language), "gives_place": bool(self.gives_place),
            "questions": [str(topic) for topic in self.questions],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> "SituationReading":
        """A reading from a parsed message; an empty reading when it had none (a button's payload)."""
        if not raw:
            return cls()
        keys = ("acute", "acute_sure", "role", "incident", "crisis", "crisis_sure", "language", "gives_place")
        known = {key: raw[key] for key in keys if key in raw}
        return cls(signs=tuple(raw.get("signs") or ()), questions=tuple(raw.get("questions") or ()), **known)
