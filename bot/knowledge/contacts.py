"""Typed access to the contact routes in data/contacts.yml and their opening hours."""

from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from bot.knowledge.loading import load_data

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OpeningHours:
    """Daily opening hours in the service's own time zone."""

    days: tuple[str, ...]
    opens: time
    closes: time
    text_da: str
    text_en: str
    timezone: ZoneInfo

    def is_open(self, moment: datetime) -> bool:
        """Whether the route answers at ``moment`` (an aware datetime); hours may run past midnight."""
        local = moment.astimezone(self.timezone)
        today, yesterday = _WEEKDAYS[local.weekday()], _WEEKDAYS[local.weekday() - 1]
        if self.opens < self.closes:
            return today in self.days and self.opens <= local.time() < self.closes
        return (today in self.days and local.time() >= self.opens) or (
            yesterday in self.days and local.time() < self.closes
        )


@dataclass(frozen=True)
class ContactRoute:
    """One place a user can turn to, with the facts an operator keeps up to date."""

    id: str
    name: str
    number: str | None
    hours: OpeningHours | None
    audience: str
    source: str
    last_checked: str
    general_number: str | None = None
    web: str | None = None


def _parse_hours(raw: dict | None, timezone: ZoneInfo) -> OpeningHours | None:
    if raw is None:
        return None
    return OpeningHours(
        days=tuple(raw["days"]),
        opens=time.fromisoformat(raw["opens"]),
        closes=time.fromisoformat(raw["closes"]),
        text_da=raw["text_da"],
        text_en=raw["text_en"],
        timezone=timezone,
    )


@cache
def service_timezone() -> ZoneInfo:
    """The time zone of the service's opening hours and of the dates staff see (contacts.yml)."""
    return ZoneInfo(load_data("contacts")["timezone"])


@cache
def contact_routes() -> dict[str, ContactRoute]:
    """All contact routes keyed by id ('emergency', 'hotline', ...)."""
    raw = load_data("contacts")
    timezone = service_timezone()
    return {
        route_id: ContactRoute(
            id=route_id,
            name=entry["name"],
            number=entry.get("number"),
            hours=_parse_hours(entry.get("hours"), timezone),
            audience=entry["audience"],
            source=entry["source"],
            last_checked=entry["last_checked"],
            general_number=entry.get("general_number"),
            web=entry.get("web"),
        )
        for route_id, entry in raw["routes"].items()
    }


def hotline_promises() -> dict[str, bool]:
    """What the assistant may promise on the hotline's behalf (contacts.yml, confirmed before launch)."""
    return {name: bool(value) for name, value in load_data("contacts")["hotline_promises"].items()}


def route(route_id: str) -> ContactRoute:
    """The contact route with this id; KeyError for an unknown id."""
    return contact_routes()[route_id]


def contact_variables() -> dict[str, str]:
    """The numbers and hours that response templates may reference, e.g. ``{hotline_number}``."""
    hotline = route("hotline")
    center = route("center")
    livslinien = route("livslinien")
    return {
        "emergency_number": route("emergency").number,
        "police_number": route("police").number,
        "police_web": route("police").web,
        "hotline_number": hotline.number,
        "hotline_hours": hotline.hours.text_da,
        "hotline_hours_en": hotline.hours.text_en,
        "center_advice_number": center.number,
        "center_general_number": center.general_number,
        "victim_support_number": route("victim_support").number,
        "livslinien_number": livslinien.number,
        "livslinien_hours": livslinien.hours.text_da,
        "livslinien_hours_en": livslinien.hours.text_en,
    }
