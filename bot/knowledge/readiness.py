"""The readiness check for kommune staff: its seven questions, how a typed reply is read as
yes / partly / no / don't know, and the anonymous answer pattern a completed check is counted by.

The questions' keys and the answer words live in data/readiness.yml; what the user reads is in
domain.yml. A reply that cannot be read gives None, so the check can ask again kindly.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from bot.knowledge.loading import load_data
from bot.knowledge.text import fold

YES, PARTLY, NO, UNKNOWN = "yes", "partly", "no", "unknown"
SLOT_PREFIX = "readiness_"


@dataclass(frozen=True)
class Answer:
    id: str
    letter: str
    words: re.Pattern


@cache
def question_keys() -> tuple[str, ...]:
    """The seven questions' keys, in the order they are asked."""
    return tuple(load_data("readiness")["questions"])


def slot_of(key: str) -> str:
    """The form slot that holds the answer to question `key` ('readiness_strategy')."""
    return SLOT_PREFIX + key


def key_of(slot: str | None) -> str | None:
    """The question key of a form slot, or None for any other slot."""
    if slot and slot.startswith(SLOT_PREFIX) and slot[len(SLOT_PREFIX):] in question_keys():
        return slot[len(SLOT_PREFIX):]
    return None


@cache
def answers() -> tuple[Answer, ...]:
    """The four answers, in the order a reply is read."""
    return tuple(
        Answer(str(raw["id"]), raw["letter"], _whole_words(raw["phrases"])) for raw in load_data("readiness")["answers"]
    )


def _whole_words(phrases: list[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(fold(phrase)).replace(r"\ ", r"\s+") for phrase in phrases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def read_answer(text: str) -> str | None:
    """'yes', 'partly', 'no' or 'unknown' for a reply such as 'ja', 'delvis', 'nej ikke rigtigt',
    'ved ikke' or 'det har vi ikke'; None when the reply says none of them."""
    folded = " ".join(re.sub(r"[^\w]+", " ", fold(text)).split())
    return next((answer.id for answer in answers() if answer.words.search(folded)), None)


def answer_pattern(answered: Mapping[str, str]) -> str:
    """The letters of a completed check's answers in question order ('jdnvjjn'): all the statistics keep."""
    letters = {answer.id: answer.letter for answer in answers()}
    return "".join(letters[answered[key]] for key in question_keys())
