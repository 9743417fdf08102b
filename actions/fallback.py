"""Misunderstandings: two-stage fallback in Danish, out-of-scope replies, and the hotline offer."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import say, say_hotline_closed_if_needed
from bot.knowledge.loading import load_data

OFFER_HOTLINE_AFTER = 2
_IGNORED_GUESSES = {"nlu_fallback", "out_of_scope"}


def _guessed_intent(tracker: Tracker) -> str | None:
    """The best real intent behind a low-confidence message, with its FAQ topic if any."""
    message = tracker.latest_message
    ranking = message.get("intent_ranking") or []
    intent = next((i["name"] for i in ranking if i.get("name") not in _IGNORED_GUESSES), None)
    if intent == "faq":
        selected = (message.get("response_selector") or {}).get("faq", {}).get("response", {})
        return selected.get("intent_response_key") or None
    return intent


class ActionDefaultAskAffirmation(Action):
    """First stage: 'Mente du: ...?' with yes and no buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = _guessed_intent(tracker)
        label = load_data("intent_labels").get(intent) if intent else None
        if label is None:
            say(dispatcher, "utter_ask_rephrase")
            return []
        payload = label.get("ask") or f"/{intent}"
        say(dispatcher, "utter_ask_affirmation", intent_label=label["label"], affirm_payload=payload)
        return []


class ActionDefaultFallback(Action):
    """Final stage: the assistant did not understand twice, so it offers the people at the hotline."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, "utter_offer_hotline")
        say_hotline_closed_if_needed(dispatcher)
        return [UserUtteranceReverted()]


class ActionHandleOutOfScope(Action):
    """Steers back to what the assistant is for; the second time, offers the hotline."""

    def name(self) -> str:
        return "action_handle_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        count = int(tracker.get_slot("misunderstandings") or 0) + 1
        if count >= OFFER_HOTLINE_AFTER:
            say(dispatcher, "utter_offer_hotline")
            say_hotline_closed_if_needed(dispatcher)
            return [SlotSet("misunderstandings", 0)]
        if tracker.active_loop_name == "worry_form":
            # Someone in the middle of telling a worry ("ambulancen er her nu, hvad gør vi nu?") is
            # not told that this is not what the assistant helps with: the question comes again.
            say(dispatcher, "utter_not_understood_in_questions")
        else:
            say(dispatcher, "utter_out_of_scope")
        return [SlotSet("misunderstandings", count)]


class ActionDefaultAskRephrase(Action):
    """Second stage: ask the user to say it another way."""

    def name(self) -> str:
        return "action_default_ask_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, "utter_ask_rephrase")
        return []
