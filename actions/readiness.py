"""The readiness check for kommune staff: seven questions from the centre's folder on kommunale
handlingsplaner (seeds 004), each answered yes / partly / no / don't know, then what the kommune
has, what to start with, the centre's advice line and a summary to copy into an e-mail.

The questions are the form readiness_form; this module reads the replies (buttons and free text),
and sends the result. Every text is a domain response; the lists and the summary are built from
the labels and steps there (the domain Rasa sends with each call). Nothing about the person is
asked, and a completed check is counted in the monthly statistics by its answer letters only.
"""

import asyncio
import logging
from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from actions import messages
from actions.messages import latest_intent, latest_situation, latest_text, render, response_values, say
from bot.knowledge.readiness import NO, PARTLY, UNKNOWN, YES, answer_pattern, key_of, question_keys, read_answer, slot_of
from bot.store.engine import make_engine
from bot.store.statistics import count_readiness_check

log = logging.getLogger(__name__)

# Messages the check steps aside for, whatever words they contain: their rules answer them
# (data/rules/readiness.yml) and then ask the question again, or end the check.
ALWAYS_ASIDE = frozenset(
    {"acute_danger", "mental_health_crisis", "report_incident", "request_human", "worry_about_self", "goodbye",
     "start_readiness_check"}
)
# Messages the check steps aside for unless they read as an answer ("ja tak" may be taken for thanks).
ASIDE_UNLESS_AN_ANSWER = frozenset({"faq", "ask_contact", "bot_challenge", "thank", "english", "express_worry"})

SUMMARY_ANSWERS = (YES, PARTLY, NO, UNKNOWN)
TO_START_WITH = (NO, PARTLY)


def answer_of(tracker: Tracker) -> str | None:
    """The answer the latest message gives to the question asked: 'yes', 'partly', 'no' or
    'unknown'; None when it gives none. A question ("har vi det?") is not an answer."""
    text = latest_text(tracker)
    return read_answer(text) if "?" not in text else None


def steps_aside(tracker: Tracker) -> bool:
    """Whether the check leaves the latest message to the rules: an emergency, a crisis, a request
    for a person, a goodbye; or, when it is no answer, a question, thanks, or a worry about someone."""
    intent = latest_intent(tracker)
    if intent in ALWAYS_ASIDE:
        return True
    if answer_of(tracker) is not None or intent not in ASIDE_UNLESS_AN_ANSWER:
        return False
    # A worry steps aside only when it tells something: the rules then start the guided questions.
    reading = latest_situation(tracker)
    return intent != "express_worry" or bool(reading.signs) or reading.role not in ("unknown", "kommune")


class ActionStartReadinessCheck(Action):
    """Says what the check is, and starts it afresh (a second check does not keep the first one's answers)."""

    def name(self) -> str:
        return "action_start_readiness_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, "utter_readiness_intro")
        return [SlotSet(slot_of(key), None) for key in question_keys()] + [SlotSet("requested_slot", None)]


class ValidateReadinessForm(Action):
    """Fills the question asked from a button or a typed reply; anything else gets a kind word and
    the question again, with its buttons (the form asks it again while its slot is empty)."""

    def name(self) -> str:
        return "validate_readiness_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        if key_of(slot) is None or steps_aside(tracker):
            return []  # the form is rejected, and the rules for the message take over
        answer = answer_of(tracker)
        if answer is None:
            say(dispatcher, "utter_readiness_not_understood")
        return [SlotSet(slot, answer)]


# The result's fixed messages; the questions, labels and steps are named by each question's key.
RESULT_RESPONSES = (
    "utter_readiness_intro", "utter_readiness_not_understood", "utter_readiness_result_intro", "utter_readiness_has",
    "utter_readiness_has_none", "utter_readiness_start_with", "utter_readiness_all_yes", "utter_readiness_unknown",
    "utter_readiness_center", "utter_readiness_summary_intro", "utter_readiness_summary",
)
PER_QUESTION = ("utter_ask_readiness_{}", "utter_readiness_label_{}", "utter_readiness_step_{}")


def responses_of_the_check() -> frozenset[str]:
    """Every domain response the check sends or builds from. Rasa's validator looks for responses in
    stories and rules only; scripts/validate_data.py accepts these among the responses actions send."""
    return frozenset(RESULT_RESPONSES) | {name.format(key) for name in PER_QUESTION for key in question_keys()}


def domain_text(domain: dict[str, Any], response: str) -> str:
    """The text of a domain response, for the lists and the summary built from it."""
    return domain["responses"][response][0]["text"].strip()


def answer_titles(domain: dict[str, Any]) -> dict[str, str]:
    """The answers' names as the first question's buttons show them ('Ja', 'Delvist', ...)."""
    buttons = domain["responses"][f"utter_ask_{slot_of(question_keys()[0])}"][0]["buttons"]
    return {read_answer(button["payload"]): button["title"] for button in buttons}


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def result_texts(answered: dict[str, str], domain: dict[str, Any]) -> dict[str, str]:
    """The variable parts of the result: the lists, the first steps, the summary's answers."""
    label = {key: domain_text(domain, f"utter_readiness_label_{key}") for key in question_keys()}
    titles = answer_titles(domain)
    with_answer = {answer: [key for key in question_keys() if answered[key] == answer] for answer in SUMMARY_ANSWERS}
    to_start = [key for key in question_keys() if answered[key] in TO_START_WITH]
    return {
        "has": bullets([label[key] for key in with_answer[YES]]),
        "unknown": bullets([label[key] for key in with_answer[UNKNOWN]]),
        "steps": bullets([f"{label[key]}: {domain_text(domain, f'utter_readiness_step_{key}')}" for key in to_start]),
        "answers": "\n".join(f"{label[key]}: {titles[answered[key]]}" for key in question_keys()),
    }


@cache
def statistics_engine() -> Engine:
    """One engine per action-server process on the store's database (DATABASE_URL)."""
    return make_engine()


async def count_check(answered: dict[str, str]) -> None:
    """Counts the completed check by its answer pattern; the result is shown even if the store is down."""
    try:
        await asyncio.to_thread(count_readiness_check, statistics_engine(), answer_pattern(answered),
                                messages.current_time())
    except SQLAlchemyError as error:
        log.warning("readiness check not counted: %s", type(error).__name__)


class ActionReadinessResult(Action):
    """What the kommune has, a first step for each "no" or "partly", what to find out, the centre's
    advice line, and a plain-text summary the widget offers to copy."""

    def name(self) -> str:
        return "action_readiness_result"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        answered = {key: tracker.get_slot(slot_of(key)) for key in question_keys()}
        if any(answer not in SUMMARY_ANSWERS for answer in answered.values()):
            return []  # not completed (the rule runs only after the form's last question)
        texts = result_texts(answered, domain)
        say(dispatcher, "utter_readiness_result_intro")
        if texts["has"]:
            say(dispatcher, "utter_readiness_has", readiness_list=texts["has"])
        else:
            say(dispatcher, "utter_readiness_has_none")
        if texts["steps"]:
            say(dispatcher, "utter_readiness_start_with", readiness_steps=texts["steps"])
        else:
            say(dispatcher, "utter_readiness_all_yes")
        if texts["unknown"]:
            say(dispatcher, "utter_readiness_unknown", readiness_list=texts["unknown"])
        say(dispatcher, "utter_readiness_center")
        say(dispatcher, "utter_readiness_summary_intro")
        variables = {"readiness_answers": texts["answers"],
                     "readiness_steps": texts["steps"] or domain_text(domain, "utter_readiness_all_yes")}
        # The channel shows the summary in paragraphs, one message each (Rasa splits a text at its
        # blank lines), so the part to copy carries the whole text.
        summary = render("utter_readiness_summary", **response_values("utter_readiness_summary", **variables))["text"]
        say(dispatcher, "utter_readiness_summary", json_message={"copy": summary}, **variables)
        await count_check(answered)
        return []
