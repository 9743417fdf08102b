"""Handing the conversation over to hotline staff: an anonymous case with a code the user quotes."""

from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.messages import current_session, hotline_closed_now, in_english, known_place, say
from actions.recommend import situation_from, told_signs
from bot.knowledge.contacts import hotline_promises
from bot.knowledge.routing import recommend_route
from bot.knowledge.signs import SignFindings, findings_from_ids
from bot.privacy.anonymizer import anonymize
from bot.privacy.pseudonyms import conversation_pseudonym, message_idempotency_key
from bot.store.delivery import HandoffDelivery, Outcome
from bot.store.engine import make_engine
from bot.store.records import HandoffRecord, new_case_code
from bot.store.settings import settings, spool_dir
from bot.store.spool import Spool

# User messages whose words may help staff: what the user told about the worry.
DESCRIBING_INTENTS = frozenset(
    {"express_worry", "acute_danger", "worry_about_self", "report_incident", "mental_health_crisis", "request_human"}
)
SUMMARY_MESSAGES = 5
SUMMARY_MESSAGE_CHARS = 400


@cache
def delivery() -> HandoffDelivery:
    """One delivery (engine, spool, retry task) per action-server process."""
    return HandoffDelivery(make_engine(), Spool(spool_dir()), settings().delivery)


def urgency(tracker: Tracker, findings: SignFindings) -> str:
    if tracker.get_slot("acute"):
        return "acute"
    return "serious" if findings.serious else "routine"


def anonymised_summary(tracker: Tracker) -> str | None:
    """The user's own words about the worry in this session, anonymised, most recent last."""
    texts = [
        event.get("text") or ""
        for event in current_session(tracker.events)
        if event.get("event") == "user"
        and ((event.get("parse_data") or {}).get("intent") or {}).get("name") in DESCRIBING_INTENTS
    ]
    typed = [anonymize(text.strip()[:SUMMARY_MESSAGE_CHARS]) for text in texts if text.strip() and not text.startswith("/")]
    return " | ".join(typed[-SUMMARY_MESSAGES:]) or None


def _message_id(tracker: Tracker) -> str:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return str(event.get("message_id") or event.get("timestamp"))
    return "no-message"


def handoff_record(tracker: Tracker) -> HandoffRecord:
    """Everything staff see about a case, from the slots; free text only through the anonymiser."""
    place = known_place(tracker)
    findings = findings_from_ids(told_signs(tracker))
    return HandoffRecord(
        code=new_case_code(),
        idempotency_key=message_idempotency_key(tracker.sender_id, _message_id(tracker)),
        conversation_hash=conversation_pseudonym(tracker.sender_id),
        created_at=messages.current_time(),
        urgency=urgency(tracker, findings),
        role=tracker.get_slot("role"),
        age_band=tracker.get_slot("age_band"),
        kommune=place.kommune if place else None,
        police_district=place.police_district.name if place else None,
        sign_groups=list(findings.all_ids),
        routes=recommend_route(situation_from(tracker)),
        summary=anonymised_summary(tracker),
    )


# The handoff's messages in a Danish and in an English conversation.
_MESSAGES = {
    "created": ("utter_handoff_created", "utter_handoff_created_en"),
    "again": ("utter_handoff_again", "utter_handoff_again_en"),
    "next_steps": ("utter_handoff_next_steps", "utter_handoff_next_steps_en"),
    "next_steps_plain": ("utter_handoff_next_steps_plain", "utter_handoff_next_steps_plain_en"),
    "hotline_closed": ("utter_handoff_hotline_closed", "utter_handoff_hotline_closed_en"),
    "failed": ("utter_handoff_failed", "utter_handoff_failed_en"),
}


def say_case_details(dispatcher: CollectingDispatcher, case_code: str, english: bool = False) -> None:
    """What happens next, the number and hours, and what to do while the hotline is closed; then the
    case code for the web app, which lets the user wait there for a worker while the chat is open."""
    retention = settings().retention
    next_steps = _MESSAGES["next_steps" if hotline_promises()["sees_case_summary"] else "next_steps_plain"][english]
    say(dispatcher, next_steps, resolved_days=round(retention.resolved_days), unclaimed_days=round(retention.unclaimed_days))
    if hotline_closed_now():
        say(dispatcher, _MESSAGES["hotline_closed"][english], case_code=case_code)
    dispatcher.utter_message(json_message={"handoff": {"case_code": case_code}})


class ActionHandoff(Action):
    """Creates the case (one open case per conversation) and tells the user its code and the way to a
    person. A closed case does not count: asking again after it makes a new one."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        english = in_english(tracker)
        delivered = await delivery().deliver(handoff_record(tracker), known_code=tracker.get_slot("case_code"))
        if delivered.outcome is Outcome.FAILED:
            say(dispatcher, _MESSAGES["failed"][english])
            return []
        again = delivered.outcome is Outcome.EXISTING
        say(dispatcher, _MESSAGES["again" if again else "created"][english], case_code=delivered.code)
        say_case_details(dispatcher, delivered.code, english)
        return [SlotSet("case_code", delivered.code)]
