"""Recognises acute danger in a message without a trained model: a deterministic safety net.

A message is acute when it uses an acute phrase ('det haster', 'ring <the emergency number>'), or names a danger
(weapon, attack, departure to a conflict) together with a sign that it is now or very soon.
The vocabulary lives in data/urgency.yml.
"""

import re
from functools import cache

from bot.knowledge.contacts import route
from bot.knowledge.loading import load_data
from bot.knowledge.text import fold, word_start_pattern


@cache
def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    raw = load_data("urgency")
    emergency = route("emergency").number
    phrases = [phrase.replace("{emergency_number}", emergency) for phrase in raw["acute_phrases"]]
    return word_start_pattern(phrases), word_start_pattern(raw["danger"]), word_start_pattern(raw["imminence"])


def is_acute(text: str) -> bool:
    """Whether the message describes danger happening now or about to happen."""
    folded = fold(text)
    acute_phrase, danger, imminence = _patterns()
    return bool(acute_phrase.search(folded) or (danger.search(folded) and imminence.search(folded)))
