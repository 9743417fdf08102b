"""The routing decision: which human help to recommend, in which order.

A pure function of the situation, so every branch can be unit-tested. It returns route ids from
data/contacts.yml; the numbers and hours are looked up there when the answer is written.

Principles, from DOMAIN.md:
- Acute danger: the emergency number first, always, before anything else.
- A crime that has happened or is about to (violence, threats, weapons, vandalism, a hate crime
  witnessed or suffered): the police, right after the emergency number when that is needed;
  a victim also victim support.
- The person worried about themself gets exit help, never a police-first answer unless acute.
  Someone who writes of themself as the target of a hate crime is answered as its victim: the
  police and victim support, and the hotline (which advises on leaving a group too), never exit
  help: a victim is not treated as one drawn in.
- Serious signs give reason to act: the local infohus (through the kommune or the police),
  with SSP and the school first when the concern is a pupil (school staff: their leadership; a
  parent: a talk with the school too), and underretning for a child.
- One sign that only counts in combination, told alone: advice from the hotline (it is "rarely
  reason for great worry", as the assessment says).
- Signs that only count in combination, told together: advice from the hotline first, anonymously if the user
  wants; SSP too for a pupil; then the infohus, where a concrete worry about a person ends up
  if it persists; for a child, the underretning too, as its text says when one is due (a child
  drawn towards an extremist environment); for a young adult (18-24), the kommune's SSP+ where
  it has one.
- A mental-health crisis or suicidal thoughts told along with the worry: Livslinien before the
  rest (after the emergency number and the police), whatever else the worry needs.
- An unclear picture: the hotline.
- Faith, opinions, provocation or loneliness alone are not signs: the hotline for a talk, and
  nothing that treats the person as a case (no infohus, SSP or underretning).
"""

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    PARENT = "parent"
    RELATIVE = "relative"
    FRIEND = "friend"
    SCHOOL_STAFF = "school_staff"
    PROFESSIONAL = "professional"
    KOMMUNE = "kommune"
    SELF = "self"
    UNKNOWN = "unknown"


# Roles that work with concerns professionally and can use the national centre's advice line;
# school staff too when the signs give concern (serious ones, or several changes together): a case
# they want advice on (DOMAIN.md: "A kommune or professional wanting advice on ... cases").
_ADVISED_PROFESSIONALLY = (Role.PROFESSIONAL, Role.KOMMUNE)


@dataclass(frozen=True)
class Situation:
    """What the assistant knows when it recommends a route."""

    role: Role = Role.UNKNOWN
    acute: bool = False
    serious_signs: bool = False
    signs_of_concern: bool = False  # a serious sign, or combination signs told together (not one alone)
    crime: bool = False  # a crime has happened or is about to: a crime sign, or a hate crime
    victim: bool = False  # the user or their family was targeted by a hate crime
    crisis: bool = False  # a mental-health crisis or suicidal thoughts told along with the worry
    kommune_known: bool = False
    young_in_school: bool = False
    young_adult: bool = False  # 18-24: the kommune's SSP+ for young adults, where it has one


def recommend_route(situation: Situation) -> list[str]:
    """Route ids in the order the user should use them; never empty."""
    routes = ["emergency"] if situation.acute else []
    if situation.role is Role.SELF and not situation.victim:
        return routes + ["hotline", "exit_help"]
    if situation.crime:
        routes.append("police")
    if situation.victim:
        routes.append("victim_support")
    if situation.crisis:
        routes.append("livslinien")
    if situation.serious_signs:
        routes += _serious_routes(situation)
    elif situation.signs_of_concern:
        routes += ["hotline"] + _school_routes(situation) + ["infohus"] + _age_routes(situation)
    else:
        routes.append("hotline")
    if _advised_by_the_centre(situation):
        routes.append("center")
    return routes


def _advised_by_the_centre(situation: Situation) -> bool:
    return situation.role in _ADVISED_PROFESSIONALLY or (
        situation.signs_of_concern and situation.role is Role.SCHOOL_STAFF
    )


def _school_routes(situation: Situation) -> list[str]:
    if situation.role is Role.SCHOOL_STAFF:
        # Staff go to their leadership first for any pupil, an 18-year-old in 3.g too; SSP is for the young.
        return ["school_leadership", "ssp"] if situation.young_in_school else ["school_leadership"]
    if not situation.young_in_school:
        return []
    return ["ssp", "school"] if situation.role is Role.PARENT else ["ssp"]


def _serious_routes(situation: Situation) -> list[str]:
    # With a known kommune we can name the infohus; without it the hotline helps find the way.
    local = ["infohus", "hotline"] if situation.kommune_known else ["hotline", "infohus"]
    return _school_routes(situation) + local + _age_routes(situation)


def _age_routes(situation: Situation) -> list[str]:
    """The underretning for a child; SSP+ for a young adult not in school."""
    if situation.young_in_school:
        return ["underretning"]
    return ["ssp_plus"] if situation.young_adult else []
