"""Extraction and validation for the guided worry conversation (worry_form).

Every slot uses a custom mapping so one place decides what counts as an answer: buttons, free
text as the NLU's situation readers read it (bot/understanding), places, 'spring over', and facts
mentioned before they were asked for. A message that is not an answer (an FAQ, acute danger, a
request for a human, ...) extracts nothing, so the form steps aside and the rules for that
message run.

The kommune is where the person of concern lives: taken from the answer to the question, or from
a message that says where they live. A place mentioned later for another reason ("a
demonstration in Odense") does not replace it; a new "we live in ..." or a correction does.
"""

from enum import Enum
from typing import Any, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.messages import (
    NOT_AN_ANSWER,
    answer_questions,
    button_payloads,
    faq_topic,
    has_said,
    latest_intent,
    latest_situation,
    latest_text,
    say,
)
from actions.recommend import say_not_a_sign, told_signs
from bot.knowledge.answers import (
    UNKNOWN,
    age_bands,
    asks_if_a_sign,
    aside_question_confidence,
    describes_enough_to_answer,
    is_skip,
    mentioned_age_band,
    parse_age_band,
    plain_answer_words,
    says_nothing_else,
    sign_button_groups,
)
from bot.knowledge.places import WEAK_HOME, answered_home, is_correction, kommune_names, lookup_place, read_places, residence
from bot.knowledge.routing import Role
from bot.knowledge.signs import findings_from_ids

ROLES = frozenset(role.value for role in Role if role is not Role.UNKNOWN)


def _asked_for(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _signs_in(tracker: Tracker) -> tuple[str, ...]:
    """The sign groups of the latest message: a sign button's, or what the sign reader read."""
    return sign_button_groups(latest_text(tracker)) or latest_situation(tracker).signs


def _short_reply(tracker: Tracker) -> bool:
    """A reply of a few words that asks nothing: an answer, whatever the classifier made of it."""
    return not _is_question(tracker) and len(latest_text(tracker).split()) <= plain_answer_words()


def _plain_role_answer(tracker: Tracker) -> bool:
    """A short reply that names who the writer is ("kontaktperson", "hans mor") and asks nothing."""
    return latest_situation(tracker).role != UNKNOWN and _short_reply(tracker)


# Parsers that recognise a plain answer to the question being asked, whatever the intent.
_PLAIN_ANSWERS: dict[str, Callable[[Tracker], bool]] = {
    "role": _plain_role_answer,
    "kommune": lambda tracker: bool(read_places(latest_text(tracker))),
    "age_band": lambda tracker: parse_age_band(latest_text(tracker)) is not None,
    "signs": lambda tracker: bool(_signs_in(tracker)),
}
# Messages that are not answers but still tell facts the readers are sure of (a place where the
# person lives, an age, signs): a hate crime told in the middle of the questions. An emergency
# tells them too, through `facts_told` (the form declines it, so that the emergency number comes first).
_TELLS_FACTS = frozenset({"report_incident"})


class Use(Enum):
    """What a message may fill in the guided conversation."""

    NOTHING = "nothing"  # a question or a request: the form steps aside
    FACTS = "facts"  # only what the readers read for sure; the question asked stays open
    ANSWER = "answer"  # also the answer to the question asked, as typed


def _use_of(tracker: Tracker) -> Use:
    """A click on one of the question's own buttons is an answer, whatever the classifier made of
    its text; so is a skip, or a plain answer to the question asked (a place, an age, signs)."""
    text = latest_text(tracker)
    requested = tracker.get_slot("requested_slot")
    if requested and text in button_payloads(f"utter_ask_{requested}"):
        return Use.ANSWER
    intent = latest_intent(tracker)
    if intent == "request_human" and not _short_reply(tracker):
        return Use.NOTHING  # the form steps aside for the handoff, whatever place or age the request names
    if _after_an_earlier_alarm(tracker):
        # "we called them, he is 16, what now?": the questions go on from what it tells, read as
        # danger again or not (the number was said once more, data/rules/acute.yml)
        return Use.FACTS
    if intent == "acute_danger":
        return Use.ANSWER if _observations_unsure_of_danger_now(tracker) else Use.NOTHING
    if intent in _TELLS_FACTS or (_is_aside(tracker) and questions_to_answer(tracker)):
        return Use.FACTS
    if intent not in NOT_AN_ANSWER:
        return Use.ANSWER
    if requested == "signs" and intent in ("out_of_scope", "faq") and not _is_question(tracker):
        # What was noticed, in words the classifier does not know ("long family holiday in
        # Pakistan, nothing else") or takes for a question ("ingen, kun rejsen til familien i
        # Somalia"): an answer, never "Det kan jeg desværre ikke hjælpe med" or an FAQ.
        return Use.ANSWER
    if requested and is_skip(text):
        return Use.ANSWER
    plain_answer = _PLAIN_ANSWERS.get(requested)
    return Use.ANSWER if plain_answer and plain_answer(tracker) else Use.NOTHING


def _after_an_earlier_alarm(tracker: Tracker) -> bool:
    """Whether the alarm was the answer to an earlier message: not to this one, which an alarm in
    the middle of the questions answers before the form runs again."""
    return bool(tracker.get_slot("after_alarm")) and not any(
        event.get("event") == "slot" and event.get("name") == "after_alarm" for event in _this_turn(tracker))


def _this_turn(tracker: Tracker) -> list[dict]:
    """The events since the latest user message, latest first."""
    events = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        events.append(event)
    return events


def _observations_unsure_of_danger_now(tracker: Tracker) -> bool:
    """An answer to 'what have you noticed?' that the readers take for danger now only in their
    middle band: observations over time ("a knife in his room, videos of executions") read like
    danger now to them. It answers the question, and the advice then starts with the emergency
    number. Any other acute message is declined by the form, so that the emergency number comes
    first (rules/acute.yml)."""
    return _asked_for(tracker, "signs") and not latest_situation(tracker).acute_sure


def _is_question(tracker: Tracker) -> bool:
    """A question mark, or a question the question reader found ("hvad er et infohus" unmarked)."""
    return "?" in latest_text(tracker) or bool(latest_situation(tracker).questions)


def _is_aside(tracker: Tracker) -> bool:
    """Whether a message between the guided questions is only a question of its own ("is this
    anonymous?"): no answer to the question asked, no signs told."""
    requested = tracker.get_slot("requested_slot")
    if not requested or not _is_question(tracker) or latest_intent(tracker) in NOT_AN_ANSWER:
        return False
    plain_answer = _PLAIN_ANSWERS.get(requested)
    return not ((plain_answer and plain_answer(tracker)) or _signs_in(tracker))


def questions_to_answer(tracker: Tracker) -> list[str]:
    """The FAQ topics ('faq/anonymity') a message of the guided conversation asks about, to answer
    before the questions go on: those the question reader found in its questions, and for a
    message that is only a question between the guided questions, the FAQ selector's topic when
    it is sure. A message the classifier took for a question is answered by the FAQ rules instead;
    'is faith a sign?' is answered by the note on the very topic named (validate_signs)."""
    if latest_intent(tracker) in NOT_AN_ANSWER:
        return []
    topics = list(latest_situation(tracker).questions)
    aside = faq_topic(tracker, aside_question_confidence()) if _is_aside(tracker) else None
    if aside and aside not in topics:
        topics.insert(0, aside)
    if findings_from_ids(list(_signs_in(tracker))).not_a_sign:
        topics = [topic for topic in topics if topic != "faq/not_a_sign"]
    return topics


def answer_questions_asked(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The answers to the questions about the service that a message of the guided conversation asks."""
    topics = questions_to_answer(tracker)
    if topics:
        answer_questions(dispatcher, tracker, topics)


ANSWER_ASIDE = "action_answer_aside"


def _answered_aside_this_turn(tracker: Tracker) -> bool:
    """Whether the questions of the latest message were answered already, by the aside answer that
    runs when the form declined the message: the form then runs again and must not repeat them."""
    return any(event.get("event") == "action" and event.get("name") == ANSWER_ASIDE for event in _this_turn(tracker))


def _corrects_another_answer(tracker: Tracker) -> bool:
    """Whether a message that tells no sign gives, or corrects, another fact: where the person
    lives, their age, or who the writer is ("undskyld, han bor faktisk i Holbæk nu")."""
    text = latest_text(tracker)
    return bool(_kommune_from(tracker, Use.FACTS) or mentioned_age_band(text) or is_correction(text))


def _say_not_understood(dispatcher: CollectingDispatcher, tracker: Tracker, response: str) -> None:
    """Explain what we need, unless the message told us something else useful (then just ask again)."""
    text = latest_text(tracker)
    if not _signs_in(tracker) and not read_places(text) and not mentioned_age_band(text):
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


def _noted(tracker: Tracker) -> list[str]:
    return [str(sign) for sign in tracker.get_slot("noted_signs") or []]


def _official_kommune(text: str) -> str | None:
    match = lookup_place(text)
    return match.kommune if match else None


def _kommune_from(tracker: Tracker, use: Use) -> str | None:
    """The kommune this message gives for where the person lives, if it gives one."""
    mentions = [mention for mention in read_places(latest_text(tracker)) if mention.kommune]
    current = tracker.get_slot("kommune")
    if use is Use.ANSWER and _asked_for(tracker, "kommune"):
        chosen = answered_home(mentions)
    elif current in (None, UNKNOWN):
        # Not asked: only where the person lives, not where the writer lives ("jeg bor selv i ...").
        chosen = residence([m for m in mentions if m.home >= WEAK_HOME])
    else:
        # Known already: only a new statement of where they live, or a correction, changes it.
        homes = [m for m in mentions if m.home >= WEAK_HOME]
        corrected = [m for m in mentions if m.correction and m.kommune != current]
        chosen = residence(homes) or (corrected[-1] if corrected else None)
    return chosen.kommune if chosen else None


def _role_from(tracker: Tracker, use: Use) -> dict:
    if use is Use.NOTHING:
        return {}
    entity = next(tracker.get_latest_entity_values("role"), None)
    read = entity or latest_situation(tracker).role
    asked = use is Use.ANSWER and _asked_for(tracker, "role")
    current = tracker.get_slot("role")
    if current not in (None, UNKNOWN) and not asked:
        # Known already ("jeg er lærer"): a later message about the pupil ("en pige i klassen")
        # does not change who the writer is; an explicit correction does, unless it corrects where
        # the person lives or their age ("undskyld, han bor faktisk i Næstved").
        text = latest_text(tracker)
        corrects_role = is_correction(text) and not (read_places(text) or mentioned_age_band(text))
        return {"role": read} if read not in (UNKNOWN, current) and corrects_role else {}
    if read == Role.SELF.value and _after_an_earlier_alarm(tracker):
        # "Jeg har ringet 112. Jeg ryster helt på hænderne": the writer's own shock after calling
        # about someone else does not make them the person of concern.
        read = UNKNOWN
    if read != UNKNOWN:
        return {"role": read}
    return {"role": latest_text(tracker)} if asked else {}


def _kommune_slot_from(tracker: Tracker, use: Use) -> dict:
    if use is Use.NOTHING:
        return {}
    kommune = _kommune_from(tracker, use)
    if kommune:
        return {"kommune": kommune}
    unclear = any(mention.kommune is None for mention in read_places(latest_text(tracker)))
    if use is Use.ANSWER and _asked_for(tracker, "kommune") and not unclear:
        return {"kommune": latest_text(tracker)}
    return {}


def _age_band_from(tracker: Tracker, use: Use) -> dict:
    if use is Use.NOTHING:
        return {}
    text = latest_text(tracker)
    if use is Use.ANSWER and _asked_for(tracker, "age_band"):
        return {"age_band": text}
    if tracker.get_slot("age_band") not in (None, UNKNOWN) and not is_correction(text):
        # Known already: "a boyfriend of 24" in a later message is someone else's age.
        return {}
    band = mentioned_age_band(text)
    return {"age_band": band} if band else {}


def _signs_from(tracker: Tracker, use: Use) -> dict:
    if use is Use.NOTHING:
        return {}
    found = list(_signs_in(tracker))
    if found or (use is Use.ANSWER and _asked_for(tracker, "signs") and not _corrects_another_answer(tracker)):
        # An answer we cannot place in a sign group still counts: the advice covers it. A
        # correction of another answer is not an answer to this question: it is asked again.
        return {"signs": list(dict.fromkeys(told_signs(tracker) + found))}
    return {}


def facts_told(tracker: Tracker) -> dict:
    """What a message the form declined still tells for sure: where the person lives, their age,
    signs that call for local help. An emergency told in the middle of the questions is
    answered by its own action, and Rasa does not validate a form after another action, so that
    action sets these; the questions then go on from what is still missing."""
    facts = {}
    # Not the writer's role: a message about a knife says little for sure about who writes it.
    for extract in (_kommune_slot_from, _age_band_from):
        facts.update(extract(tracker, Use.FACTS))
    signs = _signs_from(tracker, Use.FACTS).get("signs", [])
    if findings_from_ids(signs).worth_local_help:
        facts["signs"] = signs
    return facts


def crime_told_as_the_signs_answer(tracker: Tracker) -> dict:
    """A crime told in answer to "what have you noticed?" ("skriftlig trussel mod moskeen med dato")
    is what was noticed about the person asked about, not a report of its own: it answers the
    question, with the incident for the police beside the advice. Empty where the question was not
    the one asked (Rasa does not validate a form after another action, so that action sets these)."""
    if not _asked_for(tracker, "signs") or tracker.active_loop_name != "worry_form":
        return {}
    answer = _signs_from(tracker, Use.ANSWER)
    return {**answer, "noted_signs": []} if answer else {}


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
        return ["role"] if tracker.get_slot("role") == Role.SELF.value else domain_slots

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        """Questions about the service asked along the way are answered first. Once the questions
        run, a message is no longer the first after an alarm."""
        if not _answered_aside_this_turn(tracker):
            answer_questions_asked(dispatcher, tracker)
        events = await super().run(dispatcher, tracker, domain)
        # A crisis told along the way, with the signs or before them ("she has cut herself and does
        # not want to live", "hun er ikke sig selv mere"): Livslinien among the routes.
        crisis = [SlotSet("crisis", True)] if latest_situation(tracker).crisis and not tracker.get_slot("crisis") else []
        return events + crisis + ([SlotSet("after_alarm", None)] if tracker.get_slot("after_alarm") else [])

    # -- extraction -------------------------------------------------------------------------

    async def extract_role(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _role_from(tracker, _use_of(tracker))

    async def extract_kommune(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _kommune_slot_from(tracker, _use_of(tracker))

    async def extract_age_band(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _age_band_from(tracker, _use_of(tracker))

    async def extract_signs(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _signs_from(tracker, _use_of(tracker))

    # -- validation ---------------------------------------------------------------------------

    def validate_role(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _validated("role", value, ROLES, lambda text: None, "utter_role_not_understood", dispatcher, tracker)

    def validate_kommune(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        return _validated(
            "kommune", value, set(kommune_names()), _official_kommune, "utter_kommune_not_understood",
            dispatcher, tracker,
        )

    def validate_age_band(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        bands = {band.id for band in age_bands()}
        return _validated("age_band", value, bands, parse_age_band, "utter_age_not_understood", dispatcher, tracker)

    def validate_signs(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict:
        """Signs told before the question count as its answer only when they call for local help (a
        serious sign, or changes together): one change ("she talks with an older man online"), faith,
        opinions or sadness are noted, and the question is still asked, so that what else was seen is
        told too. So is a question about them asked in reply ("is it a sign that she wears a
        headscarf?"): it is answered first."""
        # A hate crime told along with the signs adds the police to the recommendation.
        reading = latest_situation(tracker)
        also = {"incident": reading.incident} if reading.incident != "none" else {}
        told = [str(sign) for sign in value or []]
        question = _is_question(tracker)
        answered = _asked_for(tracker, "signs") and not (told and question)
        if answered or findings_from_ids(told).worth_local_help:
            if question and not _asked_for(tracker, "signs"):
                # "Is it a sign that he prays now?", asked between the other questions.
                say_not_a_sign(dispatcher, findings_from_ids(list(_signs_in(tracker))))
            # Danger now read as possible, not sure: the advice starts with the emergency number.
            acute = {"acute": True} if latest_intent(tracker) == "acute_danger" else {}
            nothing_else = {"nothing_else_noticed": True} if answered and says_nothing_else(latest_text(tracker)) else {}
            return {"signs": told, "noted_signs": [], **also, **acute, **nothing_else}
        # Said at once, so that "is it a sign that she prays?" is answered before the next question.
        say_not_a_sign(dispatcher, findings_from_ids([s for s in told if s not in _noted(tracker)]))
        return {"signs": None, "noted_signs": told, **also}


def _asks_about_nothing_of_concern(tracker: Tracker) -> bool:
    """Whether the latest message asks if what it tells is a sign ("Er det et tegn?", "Skal vi
    melde det?") and tells no sign, no danger, no crime and no crisis: the question is answered
    from what was told before the guided questions (issue: answer the question first)."""
    reading = latest_situation(tracker)
    findings = findings_from_ids(told_signs(tracker) + list(_signs_in(tracker)))
    text = latest_text(tracker)
    return (asks_if_a_sign(text) and describes_enough_to_answer(text) and findings.is_empty
            and not (reading.acute or reading.crisis or reading.incident != "none" or tracker.get_slot("acute")))


class _AsksForSlot:
    """Asks the guided question for one slot (the domain response utter_ask_<slot>).

    Before the first question of a conversation it says why it asks. A mixin rather than an
    Action subclass, so that rasa-sdk registers only the concrete actions.
    """

    slot: str

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def question(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        say(dispatcher, f"utter_ask_{self.slot}")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if not has_said(tracker, "utter_acknowledge_worry"):
            if _asks_about_nothing_of_concern(tracker):
                say(dispatcher, "utter_assessment_no_sign")
            say(dispatcher, "utter_acknowledge_worry")
        self.question(dispatcher, tracker)
        return []


class ActionAnswerAside(Action):
    """A question between the guided questions that the classifier read as a worry or a yes/no
    ("vent, får han at vide at det er mig?"): the form declines a message that fills nothing, and
    Rasa drops what its validation said, so the answers are given here; the form then asks again."""

    def name(self) -> str:
        return ANSWER_ASIDE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        answer_questions_asked(dispatcher, tracker)
        return []


class ActionAskRole(_AsksForSlot, Action):
    slot = "role"


class ActionAskKommune(_AsksForSlot, Action):
    slot = "kommune"

    def question(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """A name several places share gets a question about which one; else the usual question."""
        unclear = next((m for m in read_places(latest_text(tracker)) if m.kommune is None), None)
        if unclear is not None:
            say(dispatcher, "utter_ask_kommune_unclear", place=unclear.text)
        else:
            super().question(dispatcher, tracker)


class ActionAskAgeBand(_AsksForSlot, Action):
    slot = "age_band"


class ActionAskSigns(_AsksForSlot, Action):
    slot = "signs"
