"""Which intent the dialogue acts on, given the intent classifier's ranking and the situation read.

The situation readers are trained for one question each, on examples with hard negatives, so for
those questions they decide: danger now (acute), a mental-health crisis, a hate crime witnessed or
suffered, whether the writer is worried about themself, and English.
"""

from bot.knowledge.signs import findings_from_ids
from bot.understanding.reading import RELATION_ROLES, SituationReading

ACUTE = "acute_danger"
CRISIS = "mental_health_crisis"
INCIDENT = "report_incident"
SELF = "worry_about_self"
WORRY = "express_worry"
ENGLISH = "english"
FAQ = "faq"
# Guesses that give way to a place said as where someone lives.
_UNSURE = frozenset({None, "nlu_fallback", "out_of_scope", "greet", "affirm", "deny"})
# What the person asked for stays, whatever incident they mention with it.
_REQUESTS = frozenset({"faq", "request_human", "ask_contact"})
# How far down the classifier's ranking the worry may stand for an unsure opening to count as one.
_WORRY_AMONG_THE_FIRST = 3


def ruled_out(situation: SituationReading) -> frozenset[str]:
    """The intents the readers say a message is not, whatever the classifier guessed."""
    return frozenset(
        {ACUTE, CRISIS, ENGLISH} | ({INCIDENT} if situation.incident in ("none", "offender") else set())
    ) - {resolve_intent([], situation)}


def resolve_intent(ranking: list[str], situation: SituationReading) -> str | None:
    """The intent to act on; `ranking` is the classifier's, best first (may start with nlu_fallback)."""
    if situation.acute:
        return ACUTE
    if situation.language in ("en", "other"):
        return ENGLISH  # answered in English, a crisis too (with Livslinien); another language briefly in both
    if (situation.crisis and not _signs_of_concern(situation) and situation.incident != "victim"
            and not _unsure_crisis_about_someone_else(situation)):
        return CRISIS  # a victim's fear or despair: the incident's help names Livslinien too
    # The classifier's guess of what the readers decide gives way to its next best guess.
    ranking = [intent for intent in ranking if intent not in {ACUTE, CRISIS, ENGLISH}]
    if situation.incident == "offender":
        # A crime done by the writer's own son, pupil or friend is a worry about them: the guided
        # questions and the advice, with the police beside it (the routing function adds them).
        ranking = [WORRY if intent == INCIDENT else intent for intent in ranking]
    elif situation.incident == "none":
        ranking = [intent for intent in ranking if intent != INCIDENT]
    predicted = ranking[0] if ranking else None
    if predicted == SELF and situation.role == "self" and situation.incident == "victim":
        return SELF  # threatened by the group the writer is in and wants to leave: exit help
    if predicted not in _REQUESTS and _is_an_incident_to_report(situation):
        return INCIDENT
    if predicted == SELF and situation.role != "self":
        # Exit help only to a writer who says it is about them. "er der et program for dem, der vil
        # væk fra de grupper?" asks about exit; "jeg står på den anden side af vejen, hvad gør jeg?"
        # is a witness and "ude på landet" an answer: the guided questions ask who it is about.
        return FAQ if situation.questions else WORRY
    if predicted in _UNSURE and situation.gives_place:
        return WORRY  # "we actually live in Kolding": an answer, however the classifier took it
    if predicted in _UNSURE and _signs_of_concern(situation):
        return SELF if situation.role == "self" else WORRY  # signs the readers are sure of, in words the classifier is not
    if predicted in _UNSURE and situation.role in RELATION_ROLES and WORRY in ranking[:_WORRY_AMONG_THE_FIRST]:
        # "goddag. jeg er lidt bekymret for min barnebarn", "min kusine paa 15 har gjort noget mega dumt":
        # a greeting or words the classifier is unsure of, from someone who names their relation to a
        # person, with the worry among its first guesses: the guided questions, not "did you mean".
        return WORRY
    if predicted in _UNSURE and situation.questions:
        return FAQ  # "Før jeg svarer mere. Er det her anonymt?": a question the question reader is sure of
    return predicted


def _unsure_crisis_about_someone_else(situation: SituationReading) -> bool:
    """A crisis in the readers' middle band, told by a parent, relative, friend or professional ("hun
    er ikke sig selv mere", "jeg sover dårligt"): a worry, whose advice names Livslinien."""
    return not situation.crisis_sure and situation.role in RELATION_ROLES


def _signs_of_concern(situation: SituationReading) -> bool:
    """Warning signs about someone else that call for more than advice (a serious sign, or several
    changes together): then distress that comes with them ("jeg kan snart ikke mere") is a worry
    about that person, which the guided questions serve; a friend who has pulled away and writes
    she would rather not be here is in a crisis. Writing of oneself, only serious signs make it
    more than a crisis: "I have pulled away from everyone and cannot go on" is a crisis."""
    findings = findings_from_ids(situation.signs)
    if situation.role in ("self", "unknown"):
        return bool(findings.serious)
    return findings.worth_local_help


def _is_an_incident_to_report(situation: SituationReading) -> bool:
    """A victim, or a witness who is not describing someone in their own life (that is a worry, as
    a crime done by the writer's own person is)."""
    if situation.incident == "victim":
        return True
    return situation.incident == "witness" and not (situation.role in RELATION_ROLES and situation.signs)
