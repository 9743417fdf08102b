"""Session start: the introduction, and the contact facts that responses interpolate."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import say
from bot.knowledge.contacts import contact_variables


class ActionSessionStart(Action):
    """Introduces the assistant: not an emergency service, and please write no names."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(name, value) for name, value in contact_variables().items()]
        say(dispatcher, "utter_intro")
        say(dispatcher, "utter_privacy_notice")
        events.append(ActionExecuted("action_listen"))
        return events
