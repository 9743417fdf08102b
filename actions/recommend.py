"""The recommendation at the end of the guided conversation, and help for someone worried about themself."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import (
    has_said,
    hotline_closed_now,
    known_place,
    latest_situation,
    latest_text,
    say,
    say_hotline_closed_if_needed,
    user_texts,
)
from bot.knowledge.answers import asks_if_a_sign, band_in_school, band_young_adult, mentioned_age_band
from bot.knowledge.places import PlaceMatch, lookup_place, read_places, residence
from bot.knowledge.routing import Role, Situation, recommend_route
from bot.knowledge.signs import SignFindings, findings_from_ids, labels
from bot.understanding.reading import CRIME_INCIDENTS


def role_of(value: str | None) -> Role:
    """The role a slot or a reading names; UNKNOWN for anything else (a typed answer, None)."""
    return Role(value) if value in {role.value for role in Role} else Role.UNKNOWN


def _role(tracker: Tracker) -> Role:
    return role_of(tracker.get_slot("role"))


def _young_in_school(tracker: Tracker, role: Role) -> bool:
    in_school = band_in_school(tracker.get_slot("age_band"))
    return in_school if in_school is not None else role is Role.SCHOOL_STAFF


def told_signs(tracker: Tracker) -> list[str]:
    """Every sign group the user has told of: the answer, and what was noted before the question."""
    return list(dict.fromkeys((tracker.get_slot("signs") or []) + (tracker.get_slot("noted_signs") or [])))


def situation_from(tracker: Tracker) -> Situation:
    """The routing inputs, read from the conversation's slots."""
    role = _role(tracker)
    findings = findings_from_ids(told_signs(tracker))
    incident = tracker.get_slot("incident")
    return Situation(
        role=role,
        acute=bool(tracker.get_slot("acute")),
        serious_signs=bool(findings.serious),
        signs_of_concern=findings.worth_local_help,
        crime=findings.describe_a_crime or incident in CRIME_INCIDENTS,
        victim=incident == "victim",
        crisis=bool(tracker.get_slot("crisis")),
        kommune_known=known_place(tracker) is not None,
        young_in_school=_young_in_school(tracker, role),
        young_adult=band_young_adult(tracker.get_slot("age_band")),
    )


def place_told(tracker: Tracker) -> PlaceMatch | None:
    """Where the person of concern lives, as the latest message says, else as known before."""
    home = residence(read_places(latest_text(tracker)))
    return lookup_place(home.kommune) if home and home.kommune else known_place(tracker)


def situation_told(tracker: Tracker, findings: SignFindings, place: PlaceMatch | None) -> Situation:
    """The routing inputs of a message that tells its story at once, without the guided questions
    (an English message, an alarm with its story): its signs, its writer (else the role known
    before), its crime, its place, the age it mentions."""
    reading = latest_situation(tracker)
    role = role_of(reading.role)
    band = mentioned_age_band(latest_text(tracker))
    return Situation(
        role=role if role is not Role.UNKNOWN else _role(tracker),
        serious_signs=bool(findings.serious),
        signs_of_concern=findings.worth_local_help,
        crime=findings.describe_a_crime or reading.incident in CRIME_INCIDENTS,
        victim=reading.incident == "victim",
        kommune_known=place is not None,
        young_in_school=bool(band_in_school(band)),
        young_adult=band_young_adult(band),
    )


# The underretning as it concerns the writer (Danish, English): staff learn their stricter duty, a
# parent that they can ask the kommune for help for the family; anyone else gets the general text.
_STAFF_UNDERRETNING = ("utter_route_underretning_staff", "utter_route_underretning_staff_en")
_UNDERRETNING_FOR = {
    Role.PARENT: ("utter_route_underretning_parent", "utter_route_underretning_parent_en"),
    Role.SCHOOL_STAFF: _STAFF_UNDERRETNING,
    Role.PROFESSIONAL: _STAFF_UNDERRETNING,
    Role.KOMMUNE: _STAFF_UNDERRETNING,
}


def underretning_response(role: Role, english: bool = False) -> str:
    """The text of the underretning route for a writer in this role."""
    return _UNDERRETNING_FOR.get(role, ("utter_route_underretning", "utter_route_underretning_en"))[int(english)]


# Routes whose text names the police district of a known kommune: where to report, where exit help is.
_LOCAL_ROUTES = {"police": "utter_route_police_local", "exit_help": "utter_route_exit_help_local"}


def dispatch_routes(
    dispatcher: CollectingDispatcher,
    routes: list[str],
    place: PlaceMatch | None,
    role: Role = Role.UNKNOWN,
    infohus_if_it_persists: bool = False,
) -> None:
    """Write one message per recommended route, with its number and opening hours, worded for the
    writer's role. Without serious signs the infohus is the next step if the worry persists."""
    say(dispatcher, "utter_route_intro")
    if infohus_if_it_persists:
        infohus = "utter_route_infohus_if_it_persists"
        infohus_anywhere = "utter_route_infohus_if_it_persists_unknown_kommune"
    else:
        infohus, infohus_anywhere = "utter_route_infohus", "utter_route_infohus_unknown_kommune"
    for route_id in routes:
        if route_id == "hotline" and "exit_help" in routes:  # the person worried about themself, not a victim
            say(dispatcher, "utter_route_hotline_self")
        elif route_id == "underretning":
            say(dispatcher, underretning_response(role))
        elif route_id == "infohus" and place is None:
            say(dispatcher, infohus_anywhere)
        elif route_id == "infohus":
            say(dispatcher, infohus, police_district=place.police_district.name, kommune=place.kommune)
        elif route_id in _LOCAL_ROUTES and place is not None:  # "hvilken politikreds hører vi til?"
            say(dispatcher, _LOCAL_ROUTES[route_id], kommune=place.kommune,
                police_district=place.police_district.name)
        elif route_id == "ssp":
            kommune_phrase = f"kommunen ({place.kommune})" if place else "kommunen"
            say(dispatcher, "utter_route_ssp", kommune_phrase=kommune_phrase)
        else:
            say(dispatcher, f"utter_route_{route_id}")
        if route_id == "hotline":
            say_hotline_closed_if_needed(dispatcher)
            if role is Role.SELF and hotline_closed_now():
                # Something to do tonight, not only "call when it opens".
                say(dispatcher, "utter_self_while_closed")


def dispatch_assessment(dispatcher: CollectingDispatcher, findings: SignFindings, nothing_else: bool = False,
                        asked: bool = False) -> None:
    """Say what the signs mean, kindly, and never treat faith or opinions as signs. When no sign was
    read and the writer said nothing more was noticed (`nothing_else`), or asked whether this is a
    sign (`asked`), say that what was told is no sign in itself, and which signs would be."""
    if findings.serious:
        say(dispatcher, "utter_assessment_serious", sign_labels=", ".join(labels(findings.serious)))
    elif findings.combination:
        name = "utter_assessment_combination_several" if findings.several_changes else "utter_assessment_combination"
        say(dispatcher, name, sign_labels=", ".join(labels(findings.combination)))
    elif (nothing_else or asked) and not findings.not_a_sign:
        say(dispatcher, "utter_assessment_no_sign")
    else:
        say(dispatcher, "utter_assessment_unclear")
    say_not_a_sign(dispatcher, findings)


def say_not_a_sign(dispatcher: CollectingDispatcher, findings: SignFindings) -> None:
    """Faith, opinions, provocation or sadness: say kindly that they are not signs in themselves;
    not beside a serious sign ("politicians should be hanged" is not political engagement)."""
    if findings.not_a_sign and not findings.serious:
        say(dispatcher, "utter_not_a_sign", not_sign_labels=" og ".join(labels(findings.not_a_sign)))
    if "wellbeing" in findings.not_a_sign:
        say(dispatcher, "utter_wellbeing_note")


def _asked_if_a_sign(tracker: Tracker, situation: Situation) -> bool:
    """Whether the writer asked if what they told is a sign ("Skal jeg være bekymret?"), in a
    conversation of no danger, crime or crisis, and has not had the answer yet (the guided questions
    may start with it: actions/worry_form.py)."""
    return (not (situation.acute or situation.crime or situation.crisis)
            and any(asks_if_a_sign(text) for text in user_texts(tracker))
            and not has_said(tracker, "utter_assessment_no_sign"))


class ActionRecommendRoute(Action):
    """Assessment of what was noticed, then the routes from the routing function."""

    def name(self) -> str:
        return "action_recommend_route"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        situation = situation_from(tracker)
        routes = recommend_route(situation)
        if "exit_help" in routes:  # the routing function decides who is worried about themself
            say(dispatcher, "utter_self_support")
        else:
            dispatch_assessment(dispatcher, findings_from_ids(told_signs(tracker)),
                                nothing_else=bool(tracker.get_slot("nothing_else_noticed")),
                                asked=_asked_if_a_sign(tracker, situation))
        dispatch_routes(dispatcher, routes, known_place(tracker), role=situation.role,
                        infohus_if_it_persists=not situation.serious_signs)
        say(dispatcher, "utter_route_outro")
        return []


class ActionSupportSelf(Action):
    """Exit help for someone worried about themself: never police first unless acute."""

    def name(self) -> str:
        return "action_support_self"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        situation = Situation(role=Role.SELF, acute=bool(tracker.get_slot("acute")))
        say(dispatcher, "utter_self_support")
        dispatch_routes(dispatcher, recommend_route(situation), place_told(tracker), role=Role.SELF)
        say(dispatcher, "utter_route_outro")
        return [SlotSet("role", Role.SELF.value)]
