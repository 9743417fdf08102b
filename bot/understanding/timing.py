"""When a message places what it tells: now or within days ('near'), or in the past, habitually or
vaguely ('far'). The time expressions are in data/time_words.yml.

Four numbers per text, for the acute reader beside its sentence vector and n-grams: how many near
and far expressions it has (capped, scaled to 0..1), and whether it has any of each.
"""

from functools import cache
import re
from typing import Sequence

import numpy as np

from bot.knowledge.text import fold, word_start_pattern
from bot.understanding.loading import load_data

COLUMNS = ("near_count", "far_count", "has_near", "has_far")
HAS_NEAR = COLUMNS.index("has_near")
_COUNT_CAP = 3


@cache
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    words = load_data("time_words")
    return word_start_pattern(words["near"]), word_start_pattern(words["far"])


def timing_features(texts: Sequence[str]) -> np.ndarray:
    """One row of COLUMNS per text, float32."""
    near, far = _patterns()
    rows = []
    for text in texts:
        folded = fold(text)
        counts = len(near.findall(folded)), len(far.findall(folded))
        rows.append([min(count, _COUNT_CAP) / _COUNT_CAP for count in counts] + [float(count > 0) for count in counts])
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(COLUMNS))
