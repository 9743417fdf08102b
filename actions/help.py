"""Direct help: acute danger, hate crimes, mental-health crises, contact details, English."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import known_place, latest_situation, say, say_hotline_closed_if_needed
from actions.recommend import dispatch_routes
from actions.worry_form import facts_told
from bot.knowledge.routing import Situation, recommend_route


class ActionAcuteDanger(Action):
    """The emergency number first, immediately (in English to an English message); then where to
    turn afterwards: Livslinien when a life is at risk from a crisis, else the hotline. In the
    middle of the guided questions it keeps what the message told (place, age, signs)."""

    def name(self) -> str:
        return "action_acute_danger"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        situation = latest_situation(tracker)
        if situation.language == "en":
            say(dispatcher, "utter_acute_danger_en")
            say(dispatcher, "utter_acute_after_en")
        else:
            say(dispatcher, "utter_acute_danger")
            say(dispatcher, "utter_route_livslinien" if situation.crisis else "utter_acute_after")
        told = facts_told(tracker) if tracker.active_loop.get("name") == "worry_form" else {}
        return [SlotSet("acute", True)] + [SlotSet(slot, value) for slot, value in told.items()]


class ActionIncidentHelp(Action):
    """A hate crime witnessed or suffered: the police, and victim support for a victim."""

    def name(self) -> str:
        return "action_incident_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        incident = latest_situation(tracker).incident
        victim = incident == "victim"
        say(dispatcher, "utter_incident_support")
        routes = recommend_route(Situation(acute=bool(tracker.get_slot("acute")), crime=True, victim=victim))
        dispatch_routes(dispatcher, routes, known_place(tracker))
        say(dispatcher, "utter_route_outro")
        return [SlotSet("incident", incident if incident != "none" else "witness")]


class ActionCrisisHelp(Action):
    """A mental-health crisis: Livslinien, the doctor, the emergency number if a life is in danger. Never exit help."""

    def name(self) -> str:
        return "action_crisis_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, "utter_crisis_support")
        say(dispatcher, "utter_route_livslinien")
        say(dispatcher, "utter_route_outro")
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
        place = known_place(tracker)
        if place:
            say(dispatcher, "utter_contacts_infohus", kommune=place.kommune, police_district=place.police_district.name)
        for topic in latest_situation(tracker).questions:
            dispatcher.utter_message(response=f"utter_{topic}")
        return []


class ActionReplyInEnglish(Action):
    """A short English answer with the hotline number."""

    def name(self) -> str:
        return "action_reply_in_english"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, "utter_english")
        return []
