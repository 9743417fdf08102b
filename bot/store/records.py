"""What the assistant hands over: a plain, JSON-safe record, and the case code the user quotes."""

import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime

from bot.store.settings import settings


@dataclass(frozen=True)
class HandoffRecord:
    """One handoff as the action builds it. Every text in it has been anonymised."""

    code: str
    idempotency_key: str
    conversation_hash: str
    created_at: datetime
    urgency: str
    role: str | None = None
    age_band: str | None = None
    kommune: str | None = None
    police_district: str | None = None
    sign_groups: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    summary: str | None = None

    def to_json(self) -> dict:
        return {**asdict(self), "created_at": self.created_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> "HandoffRecord":
        return cls(**{**data, "created_at": datetime.fromisoformat(data["created_at"])})


def _grouped(raw: str) -> str:
    group = settings().case_code.group
    return "-".join(raw[i : i + group] for i in range(0, len(raw), group))


def new_case_code() -> str:
    """A random code like "K7HM-4XRT": from a cryptographic source, no look-alike characters."""
    fmt = settings().case_code
    return _grouped("".join(secrets.choice(fmt.alphabet) for _ in range(fmt.length)))


def normalise_case_code(text: str) -> str:
    """The stored form of a code as staff might type it: "k7hm 4xrt" -> "K7HM-4XRT"."""
    return _grouped("".join(ch for ch in text.upper() if ch.isalnum()))
