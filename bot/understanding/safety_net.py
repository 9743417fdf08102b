"""A deterministic safety net under the trained acute reader: a few unmistakable acute phrasings.

It only adds acute readings, never removes them, so it is kept narrow: an explicit call for help
('det haster', 'ring <the emergency number>'), or a grave danger and a moment within hours named in
the same sentence. Its false alarms are measured on ordinary sentences (benchmarks/understanding.py)
and must stay at zero. The vocabulary lives in data/safety_net.yml.
"""

import re
from functools import cache

from bot.knowledge.contacts import route
from bot.knowledge.text import fold, word_start_pattern
from bot.understanding.loading import load_data

_SENTENCE_END = re.compile(r"[.!?\n]+")


@cache
def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    raw = load_data("safety_net")
    emergency = route("emergency").number
    phrases = [phrase.replace("{emergency_number}", emergency) for phrase in raw["acute_phrases"]]
    return word_start_pattern(phrases), word_start_pattern(raw["grave_danger"]), word_start_pattern(raw["within_hours"])


@cache
def _danger_words() -> re.Pattern:
    return word_start_pattern(load_data("safety_net")["danger_words"])


def names_a_danger(text: str) -> bool:
    """Whether the message names one of the acute dangers (a weapon, an attack, violence, a
    departure to a conflict zone): a danger for the middle band of the acute reader, not acute alone."""
    return bool(_danger_words().search(fold(text)))


def is_clearly_acute(text: str) -> bool:
    """Whether the message says in so many words that danger is here now or within hours."""
    folded = fold(text)
    acute_phrase, danger, within_hours = _patterns()
    if acute_phrase.search(folded):
        return True
    return any(danger.search(sentence) and within_hours.search(sentence) for sentence in _SENTENCE_END.split(folded))
