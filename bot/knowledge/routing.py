"""The routing decision: which human help to recommend, in which order.

A pure function of the situation, so every branch can be unit-tested. It returns route ids from
data/contacts.yml; the numbers and hours are looked up there when the answer is written.

Principles, from DOMAIN.md:
- Acute danger: the emergency number first, always, before anything else.
- The person worried about themself gets exit help, never a police-first answer unless acute.
- Serious signs give reason to act: the local infohus (through the kommune or the police),
  with SSP and the school first when the concern is a pupil, and underretning for a child.
- Signs that only count in combination, or an unclear picture: advice from the hotline first,
  anonymously if the user wants.
"""

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    PARENT = "parent"
    RELATIVE = "relative"
    SCHOOL_STAFF = "school_staff"
    PROFESSIONAL = "professional"
    SELF = "self"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Situation:
    """What the assistant knows when it recommends a route."""

    role: Role = Role.UNKNOWN
    acute: bool = False
    serious_signs: bool = False
    kommune_known: bool = False
    young_in_school: bool = False


def recommend_route(situation: Situation) -> list[str]:
    """Route ids in the order the user should use them; never empty."""
    routes = ["emergency"] if situation.acute else []
    if situation.role is Role.SELF:
        routes += ["hotline", "exit_help"]
    elif situation.serious_signs:
        routes += _serious_routes(situation)
    else:
        routes += _advice_routes(situation)
    return routes


def _school_routes(situation: Situation) -> list[str]:
    if not situation.young_in_school:
        return []
    leadership = ["school_leadership"] if situation.role is Role.SCHOOL_STAFF else []
    return leadership + ["ssp"]


def _serious_routes(situation: Situation) -> list[str]:
    # With a known kommune we can name the infohus; without it the hotline helps find the way.
    local = ["infohus", "hotline"] if situation.kommune_known else ["hotline", "infohus"]
    child = ["underretning"] if situation.young_in_school else []
    return _school_routes(situation) + local + child


def _advice_routes(situation: Situation) -> list[str]:
    routes = ["hotline"] + _school_routes(situation)
    if situation.role is Role.PROFESSIONAL:
        routes.append("center")
    return routes
