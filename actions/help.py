"""Direct help: acute danger, hate crimes, mental-health crises, contact details, English."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import (
    INFOHUS_QUESTION,
    answer_questions,
    faq_topic,
    latest_situation,
    latest_text,
    noted_with,
    render,
    say,
    say_hotline_closed_if_needed,
)
from actions.recommend import (
    dispatch_assessment,
    dispatch_routes,
    place_told,
    role_of,
    say_not_a_sign,
    situation_told,
    underretning_response,
)
from actions.worry_form import crime_told_as_the_signs_answer, facts_told
from bot.knowledge.answers import aside_question_confidence, asks_if_a_sign, english_question_confidence
from bot.knowledge.places import PlaceMatch, answered_home, lookup_place, read_places
from bot.knowledge.routing import Role, Situation, recommend_route
from bot.knowledge.signs import SignFindings, findings_from_ids


class ActionAcuteDanger(Action):
    """The emergency number first, immediately (in English to an English message); then where to
    turn afterwards: Livslinien when a life is at risk from a crisis, else the hotline. It keeps
    what the message told (place, age, signs) for the guided questions. To the message right after
    an alarm, the number once more, and the guided questions follow."""

    def name(self) -> str:
        return "action_acute_danger"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        situation = latest_situation(tracker)
        in_the_questions = tracker.active_loop.get("name") == "worry_form"
        findings = findings_from_ids(list(situation.signs))
        kept = [SlotSet("acute", True)]
        if tracker.get_slot("after_alarm") and not in_the_questions:
            # The message after the alarm (data/rules/acute.yml): the number once more, in case the
            # danger goes on, and the guided questions follow from what both messages told.
            say(dispatcher, "utter_acute_danger")
            if situation.crisis:
                say(dispatcher, "utter_route_livslinien")
        elif situation.language == "en":
            say(dispatcher, "utter_acute_danger_en")
            _say_crime_routes(dispatcher, situation.incident, english=True)
            say(dispatcher, "utter_acute_after_en")
            # "The police came. What help is there for him?" goes on in English from the signs told.
            kept += [SlotSet("language", "en"), SlotSet("noted_signs", noted_with(tracker, situation.signs))]
        elif situation.crisis:
            say(dispatcher, "utter_acute_danger")
            say(dispatcher, "utter_route_livslinien")
            if findings.of_concern:  # "to take some of them with him", after months in a violent group
                kept.append(SlotSet("after_alarm", True))
        elif findings.of_concern and not situation.acute_sure and not in_the_questions:
            # Danger now is not certain, and the message tells its story: the advice follows at once.
            say(dispatcher, "utter_acute_danger")
            place = place_told(tracker)
            dispatch_assessment(dispatcher, findings)
            told = situation_told(tracker, findings, place)
            dispatch_routes(dispatcher, recommend_route(told), place, role=told.role,
                            infohus_if_it_persists=not findings.serious)
            say(dispatcher, "utter_route_outro")
            if place is None:  # the next message goes into the questions, which ask where for the infohus
                kept.append(SlotSet("after_alarm", True))
        else:
            say(dispatcher, "utter_acute_danger")
            _say_crime_routes(dispatcher, situation.incident)
            say(dispatcher, "utter_acute_after")
            # "Jeg er her stadig, hvis du vil fortsætte": the next message goes on into the questions.
            kept.append(SlotSet("after_alarm", True))
        # What the message told for sure (place, age, signs) is kept, in the questions or before them:
        # "I called the emergency number, what do we do for him now?" goes on from it.
        return kept + [SlotSet(slot, value) for slot, value in facts_told(tracker).items()]


def _say_crime_routes(dispatcher: CollectingDispatcher, incident: str, english: bool = False) -> None:
    """After the emergency number, the routes the routing function gives a hate crime witnessed or
    suffered (the police; victim support for a victim), before the hotline of the short acute answer
    (threats "to find me and kill me" told the day after)."""
    crime = Situation(crime=incident != "none", victim=incident == "victim")
    suffix = "_en" if english else ""
    for route_id in recommend_route(crime):
        if route_id != "hotline":
            say(dispatcher, f"utter_route_{route_id}{suffix}")


class ActionIncidentHelp(Action):
    """A hate crime witnessed or suffered: the police, victim support for a victim, and Livslinien
    when the message tells of a crisis too."""

    def name(self) -> str:
        return "action_incident_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reading = latest_situation(tracker)
        incident = reading.incident
        # The classifier's report without the reader's: what was seen counts as witnessed.
        told = SlotSet("incident", incident if incident != "none" else "witness")
        answer = crime_told_as_the_signs_answer(tracker)
        if answer:
            # The guided questions end with the advice, the police among it (the incident slot).
            return [SlotSet(slot, value) for slot, value in answer.items()] + [told]
        victim = incident == "victim"
        say(dispatcher, "utter_incident_support")
        # A girl called a terrorist for her jilbab: her faith is no sign, and the answer says so.
        say_not_a_sign(dispatcher, findings_from_ids(list(reading.signs)))
        routes = recommend_route(Situation(acute=bool(tracker.get_slot("acute")), crime=True, victim=victim,
                                           crisis=reading.crisis))
        dispatch_routes(dispatcher, routes, place_told(tracker))
        say(dispatcher, "utter_route_outro")
        return [told]


class ActionCrisisHelp(Action):
    """A mental-health crisis: Livslinien, the doctor, the emergency number if a life is in danger. Never
    exit help. Right after an alarm about someone else, the guided questions about them follow."""

    def name(self) -> str:
        return "action_crisis_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, "utter_crisis_support")
        say(dispatcher, "utter_route_livslinien")
        if not tracker.get_slot("after_alarm"):  # after the alarm, the guided questions go on (data/rules/acute.yml)
            say(dispatcher, "utter_route_outro")
        return []


class ActionAnswerOtherQuestions(Action):
    """After the FAQ selector's answer, the answers to the other questions of the same message
    ("hvad er et infohus? og hvad menes der med den danske model?"), as the question reader found them."""

    def name(self) -> str:
        return "action_answer_other_questions"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        answered = faq_topic(tracker, 0.0)
        others = [topic for topic in latest_situation(tracker).questions if topic != answered]
        answer_questions(dispatcher, tracker, others, answered)
        return []


class ActionGiveContacts(Action):
    """The numbers that matter, plus the user's infohus when the kommune is known, and the answers
    to the questions asked with them ("what is this hotline, is it the police?")."""

    def name(self) -> str:
        return "action_give_contacts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, "utter_contacts")
        say_hotline_closed_if_needed(dispatcher)
        # The numbers name the user's infohus whatever was asked with them.
        answer_questions(dispatcher, tracker, list(latest_situation(tracker).questions), answered=INFOHUS_QUESTION)
        return []


# The routes with an English text (the infohus is written with its police district below).
_ENGLISH_ROUTES = {
    "police": "utter_route_police_en",
    "victim_support": "utter_route_victim_support_en",
    "school_leadership": "utter_route_school_leadership_en",
    "ssp": "utter_route_ssp_en",
    "ssp_plus": "utter_route_ssp_plus_en",
    "school": "utter_route_school_en",
    "hotline": "utter_route_hotline_en",

    "center": "utter_route_center_en",
    "exit_help": "utter_route_exit_help_en",
}


# The FAQ answers in English, by FAQ topic.
_ENGLISH_FAQ = {
    "faq/infohus": "utter_faq_infohus_en",
    "faq/ssp": "utter_faq_ssp_en",
    "faq/hotline": "utter_faq_hotline_en",
    "faq/extremism": "utter_faq_extremism_en",
    "faq/warning_signs": "utter_faq_warning_signs_en",
    "faq/not_a_sign": "utter_faq_not_a_sign_en",
    "faq/what_happens": "utter_faq_what_happens_en",
    "faq/anonymity": "utter_faq_anonymity_en",
    "faq/mentor": "utter_faq_mentor_en",
    "faq/online": "utter_faq_online_en",
    "faq/action_plan": "utter_faq_action_plan_en",
    "faq/municipal_plan": "utter_faq_municipal_plan_en",
    "faq/exit": "utter_faq_exit_en",
    "faq/duty_to_report": "utter_faq_duty_to_report_en",
    "faq/center": "utter_faq_center_en",
    "faq/danish_model": "utter_faq_danish_model_en",
    "faq/prevention_triangle": "utter_faq_prevention_triangle_en",
    "faq/civil_society": "utter_faq_civil_society_en",
}


def _english_questions(tracker: Tracker) -> list[str]:
    """The FAQ topics an English message asks about: those the question reader found, else the
    FAQ selector's topic of a question about nobody in particular ("What should I do?" after a
    description of a son is the worry's own question) when it is sure enough."""
    reading = latest_situation(tracker)
    topics = list(reading.questions)
    if not topics and "?" in latest_text(tracker):
        # Told with a worry ("our son's school mentioned an infohus, what is that?"), the selector
        # must be as sure as of a question between the guided questions.
        about_nobody = role_of(reading.role) is Role.UNKNOWN
        topic = faq_topic(tracker, english_question_confidence() if about_nobody else aside_question_confidence())
        topics = [topic] if topic else []
    return [topic for topic in topics if topic in _ENGLISH_FAQ]


def _say_english_answers(dispatcher: CollectingDispatcher, questions: list[str], place: PlaceMatch | None,
                         routes: tuple[str, ...] = ()) -> None:
    """The English FAQ answers; the one about the infohus also names the infohus of a place told."""
    for topic in questions:
        say(dispatcher, _ENGLISH_FAQ[topic])
        if topic == INFOHUS_QUESTION and place is not None and "infohus" not in routes:
            say(dispatcher, "utter_route_infohus_en", kommune=place.kommune, police_district=place.police_district.name)


def _place_answered(tracker: Tracker) -> PlaceMatch | None:
    """The place named in a reply to the English question of where the person lives ("Helsingør,
    he lives at the school"), however it is worded, as the guided questions take a kommune."""
    last_said = next((event for event in reversed(tracker.events) if event.get("event") == "bot"), None)
    if not last_said or last_said.get("text") != render("utter_ask_kommune_en")["text"]:
        return None
    named = answered_home([mention for mention in read_places(latest_text(tracker)) if mention.kommune])
    return lookup_place(named.kommune) if named else None


# Writers worried about someone else, who are asked where that person lives.
_ENGLISH_ASKS_WHERE_FOR = {Role.PARENT, Role.RELATIVE, Role.FRIEND, Role.SCHOOL_STAFF, Role.PROFESSIONAL, Role.KOMMUNE}


class ActionReplyInEnglish(Action):
    """An English message gets its answer in English, routed like a Danish one from what the
    readers made of it: a crisis gets Livslinien, a crime seen or suffered the police, a worry
    about oneself exit help, signs about someone else the infohus of the police district of a
    place named as where they live."""

    def name(self) -> str:
        return "action_reply_in_english"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reading = latest_situation(tracker)
        if reading.language == "other":
            say(dispatcher, "utter_other_language")
            return []
        first_reply = tracker.get_slot("language") != "en"
        if first_reply:
            say(dispatcher, "utter_english_intro")
        if reading.crisis:
            say(dispatcher, "utter_route_livslinien_en")
            return []
        place = _place_answered(tracker) or place_told(tracker)
        # What earlier English messages told counts too: "he lives in Hvidovre" after the signs.
        signs = noted_with(tracker, reading.signs)
        findings = findings_from_ids(signs)
        situation = situation_told(tracker, findings, place)
        role = situation.role
        questions = _english_questions(tracker)
        told_a_worry = (bool(findings_from_ids(list(reading.signs)).of_concern) or reading.incident != "none"
                        or role_of(reading.role) is not Role.UNKNOWN)
        if questions and not told_a_worry:
            # A question about the service gets its answer, not the routes of a worry.
            _say_english_answers(dispatcher, questions, place)
            self._offer_a_person(dispatcher, first_reply)
            return [SlotSet("language", "en")] if not tracker.active_loop.get("name") else []
        self._say_assessment(dispatcher, findings, asked=asks_if_a_sign(latest_text(tracker)))
        routes = recommend_route(situation)
        for route_id in routes:
            if route_id == "infohus" and place is None:
                say(dispatcher, "utter_route_infohus_unknown_kommune_en")
            elif route_id == "infohus":
                say(dispatcher, "utter_route_infohus_en", kommune=place.kommune, police_district=place.police_district.name)
            elif route_id == "underretning":
                say(dispatcher, underretning_response(role, english=True))
            elif route_id in _ENGLISH_ROUTES:
                say(dispatcher, _ENGLISH_ROUTES[route_id])
        about_someone = findings.of_concern or role in _ENGLISH_ASKS_WHERE_FOR
        _say_english_answers(dispatcher, questions, place, tuple(routes))
        self._offer_a_person(dispatcher, first_reply)
        if place is None and ("infohus" in routes or (about_someone and reading.incident == "none")):
            say(dispatcher, "utter_ask_kommune_en")  # the answer names the infohus of its police district
        kept = {"noted_signs": signs, "role": None if role is Role.UNKNOWN else role.value,
                "kommune": place.kommune if place else None,
                # Inside the guided questions an English aside is answered, and the questions go on.
                "language": None if tracker.active_loop.get("name") else "en"}
        return [SlotSet(slot, value) for slot, value in kept.items() if value]

    @staticmethod
    def _offer_a_person(dispatcher: CollectingDispatcher, first_reply: bool) -> None:
        """Once per English conversation: a button to a person at the hotline (the handoff, in English)."""
        if first_reply:
            say(dispatcher, "utter_english_handoff_offer")

    @staticmethod
    def _say_assessment(dispatcher: CollectingDispatcher, findings: SignFindings, asked: bool) -> None:
        """What the signs mean; "Is this a warning sign?" about none of them is answered with what
        is not a sign, and what is."""
        if findings.serious:
            say(dispatcher, "utter_assessment_serious_en")
        elif findings.combination:
            say(dispatcher, "utter_assessment_combination_en")
        elif findings.not_a_sign:
            say(dispatcher, "utter_not_a_sign_en")
        elif asked:
            say(dispatcher, "utter_faq_not_a_sign_en")
