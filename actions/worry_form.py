"""Extraction and validation for the guided worry conversation (worry_form).

Every slot uses a custom mapping so one place decides what counts as an answer: buttons,
free text, 'spring over', and facts mentioned before they were asked for. A message that is
not an answer (an FAQ, acute danger, a request for a human, ...) extracts nothing, so the form
steps aside and the rules for that message run.
"""

from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.messages import NOT_AN_ANSWER, button_payloads, latest_intent, latest_text, say
from bot.knowledge.answers import (
    ROLES,
    UNKNOWN,
    age_bands,
    is_skip,
    mentioned_age_band,
    mentioned_role,
    parse_age_band,
    parse_role,
)
from bot.knowledge.places import find_place_in_text, kommune_names, lookup_place
from bot.knowledge.signs import classify_signs

# Parsers that recognise a plain answer to the question being asked, whatever the intent.
_PLAIN_ANSWERS = {
    "kommune": lambda text: lookup_place(text) is not None,
    "age_band": lambda text: parse_age_band(text) is not None,
    "signs": lambda text: not classify_signs(text).is_empty,
}


def _asked_for(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _is_answer(tracker: Tracker) -> bool:
    """Whether the message answers the conversation, rather than being a question or a request.

    A click on one of the question's own buttons always is, whatever the classifier made of its
    text. Otherwise acute danger never is, and a skip or a plain answer to the question asked (a
    place, an age, recognisable signs) always is.
    """
    text = latest_text(tracker)
    requested = tracker.get_slot("requested_slot")
    if requested and text in button_payloads(f"utter_ask_{requested}"):
        return True
    intent = latest_intent(tracker)
    if intent == "acute_danger":
        return False
    if intent not in NOT_AN_ANSWER:
        return True
    if requested and is_skip(text):
        return True
    plain_answer = _PLAIN_ANSWERS.get(requested)
    return bool(plain_answer and plain_answer(text))


def _say_not_understood(dispatcher: CollectingDispatcher, tracker: Tracker, response: str) -> None:
    """Explain what we need, unless the message told us something else useful (then just ask again)."""
    text = latest_text(tracker)
    if classify_signs(text).is_empty and find_place_in_text(text) is None:
        say(dispatcher, response)


def _validated(
    slot: str,
    value: Any,
    known: set[str],
    parse: Callable[[str], str | None],
    not_understood: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> dict:
    """A known value, 'unknown' for a skip, the parsed answer, or None and a kind re-ask."""
    if value in known or value == UNKNOWN:
        return {slot: value}
    text = str(value or "")
    if is_skip(text):
        return {slot: UNKNOWN}
    parsed = parse(text)
    if parsed:
        return {slot: parsed}
    _say_not_understood(dispatcher, tracker, not_understood)
    return {slot: None}


class ValidateWorryForm(FormValidationAction):
    """Fills role, kommune, age band and signs from whatever the user says."""

    def name(self) -> str:
        return "validate_worry_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # A person worried about themself is not asked about "the person of concern".
        return ["role"] if tracker.get_slot("role") == "self" else domain_slots

    # -- extraction -------------------------------------------------------------------------

    async def extract_role(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if not _is_answer(tracker):
            return {}
        entity = next(tracker.get_latest_entity_values("role"), None)
        if entity:
            return {"role": entity}
        if _asked_for(tracker, "role"):
            return {"role": latest_text(tracker)}
        role = mentioned_role(latest_text(tracker))
        return {"role": role} if role else {}

    async def extract_kommune(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if not _is_answer(tracker):
            return {}
        entity = next(tracker.get_latest_entity_values("kommune"), None)
        match = (lookup_place(entity) if entity else None) or find_place_in_text(latest_text(tracker))
        if match:
            return {"kommune": match.kommune}
        if _asked_for(tracker, "kommune"):
            return {"kommune": entity or latest_text(tracker)}
        return {}

    async def extract_age_band(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if not _is_answer(tracker):
            return {}
        text = latest_text(tracker)
        if _asked_for(tracker, "age_band"):
            return {"age_band": text}
        band = parse_age_band(text) if latest_intent(tracker) == "inform_age" else mentioned_age_band(text)
        return {"age_band": band} if band else {}

    async def extract_signs(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        if not _is_answer(tracker):
            return {}
        known = list(tracker.get_slot("signs") or [])
        findings = classify_signs(latest_text(tracker))
        if not findings.is_empty:
            return {"signs": list(dict.fromkeys(known + list(findings.all_ids)))}
        if _asked_for(tracker, "signs"):
            # An answer we cannot place in a sign group still counts: the advice covers it.
            return {"signs": known}
        return {}

    # -- validation ---------------------------------------------------------------------------

    def validate_role(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _validated("role", value, set(ROLES), parse_role, "utter_role_not_understood", dispatcher, tracker)

    def validate_kommune(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        def official_name(text: str) -> str | None:
            match = lookup_place(text)
            return match.kommune if match else None

        return _validated(
            "kommune", value, set(kommune_names()), official_name, "utter_kommune_not_understood", dispatcher, tracker
        )

    def validate_age_band(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        bands = {band.id for band in age_bands()}
        return _validated("age_band", value, bands, parse_age_band, "utter_age_not_understood", dispatcher, tracker)

    def validate_signs(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return {"signs": list(value or [])}




class _AsksForSlot:
    """Asks the guided question for one slot; the question lives in responses.yml.

    A mixin rather than an Action subclass, so that rasa-sdk registers only the concrete actions.
    """

    slot: str

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        say(dispatcher, f"utter_ask_{self.slot}")
        return []


class ActionAskRole(_AsksForSlot, Action):
    slot = "role"


class ActionAskKommune(_AsksForSlot, Action):
    slot = "kommune"


class ActionAskAgeBand(_AsksForSlot, Action):
    slot = "age_band"


class ActionAskSigns(_AsksForSlot, Action):
    slot = "signs"
