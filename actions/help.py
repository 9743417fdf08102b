"""Direct help: acute danger, contact details and the English reply."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import known_place, say, say_hotline_closed_if_needed


class ActionAcuteDanger(Action):
    """The emergency number first, immediately; then the hotline for afterwards."""

    def name(self) -> str:
        return "action_acute_danger"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, "utter_acute_danger")
        say(dispatcher, "utter_acute_after")
        return [SlotSet("acute", True)]


class ActionGiveContacts(Action):
    """The numbers that matter, plus the user's infohus when the kommune is known."""

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
