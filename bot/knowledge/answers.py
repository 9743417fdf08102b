"""Understands answers to the guided questions that are facts rather than judgements: the age band,
'skip', and the sign buttons. (Who writes and what they noticed are read by the trained readers
in bot/understanding.)

The words live in data/form_vocab.yml. Each parser returns None when it cannot tell, so the
conversation can ask again kindly instead of guessing.
"""

import re
from dataclasses import dataclass
from functools import cache

from bot.knowledge.loading import load_data
from bot.knowledge.places import is_correction
from bot.knowledge.text import fold, fold_key, sentences, word_start_pattern

UNKNOWN = "unknown"
_NUMBER = re.compile(r"(?<!\d)(under\s+)?(\d{1,3})(?!\d)")


@dataclass(frozen=True)
class AgeBand:
    """An age band of the person of concern, e.g. '13_17'."""

    id: str
    label: str
    max_age: int
    in_school: bool
    words: re.Pattern
    young_adult: bool = False


@cache
def _vocab() -> dict:
    return load_data("form_vocab")


@cache
def age_bands() -> tuple[AgeBand, ...]:
    """The age bands, youngest first."""
    return tuple(
        AgeBand(raw["id"], raw["label"], raw["max_age"], raw["in_school"], word_start_pattern(raw["words"]),
                raw.get("young_adult", False))
        for raw in _vocab()["age_bands"]
    )


@cache
def _skip_keys() -> frozenset[str]:
    return frozenset(fold_key(phrase) for phrase in _vocab()["skip_phrases"])


def is_skip(text: str) -> bool:
    """Whether the answer means 'skip this question' ('spring over', 'ved ikke', ...)."""
    return fold_key(text) in _skip_keys()


@cache
def _nothing_else() -> tuple[re.Pattern, re.Pattern]:
    words = _vocab()["nothing_else"]
    first = word_start_pattern(words["first_words"]).pattern
    return re.compile(rf"^\W*{first}(?!\w)"), word_start_pattern([rf"{phrase}(?!\w)" for phrase in words["phrases"]])


def says_nothing_else(text: str) -> bool:
    """Whether an answer to 'what have you noticed?' says nothing was noticed beyond what was told
    ('ingenting, han er sød og rolig', 'kun det med gaming'); a skip ('ingen anelse', 'nej tak')
    tells nothing either way."""
    if is_skip(text):
        return False
    first, anywhere = _nothing_else()
    folded = fold(text)
    return bool(first.match(folded) or anywhere.search(folded))


def asks_if_a_sign(text: str) -> bool:
    """Whether a message asks if what it tells is a sign, or a reason to worry or to act ("Er det
    et tegn på radikalisering?", "Skal vi melde det?")."""
    return bool(_sign_questions().search(fold(text)))


def describes_enough_to_answer(text: str) -> bool:
    """Whether a message that asks if it tells a sign also tells enough to answer from: the words
    of its other sentences. "Skal jeg være bekymret?" alone, or after "Jeg er bekymret for min søn.",
    describes too little."""
    told = sum(len(sentence.split()) for sentence in sentences(text) if not asks_if_a_sign(sentence))
    return told >= _vocab()["sign_question_min_words"]


@cache
def _sign_questions() -> re.Pattern:
    return word_start_pattern(_vocab()["sign_questions"])


def sign_button_groups(text: str) -> tuple[str, ...] | None:
    """The sign groups of one of the guided question's buttons, or None for any other text."""
    return next((tuple(groups) for title, groups in _vocab()["sign_buttons"].items() if title == text.strip()), None)


def _band_for_age(age: int) -> AgeBand | None:
    return next((band for band in age_bands() if age <= band.max_age), None)


def _age_from_grade(folded: str) -> int | None:
    vocab = _vocab()
    match = re.search(vocab["grade_pattern"], folded)
    if not match:
        return None
    grade = int(match.group(1))
    offset = vocab["gymnasium_grade_offset"] if match.group(2) == "g" else 0
    return grade + offset + vocab["grade_age_offset"]


def parse_age_band(text: str) -> str | None:
    """The age band from answers like '15', 'han er 16 år', '8. klasse', '13-17 år', 'voksen'."""
    folded = _folded_without_writers_age(text)
    age = _age_from_grade(folded)
    if age is None:
        # "under 13" means at most 12
        ages = [int(n) - (1 if under else 0) for under, n in _NUMBER.findall(folded) if 0 < int(n) < 120]
        # "han er 19.. nej undskyld, det er hans bror. han er 17": the corrected age is the last one.
        age = (ages[-1] if is_correction(text) else ages[0]) if ages else None
    if age is not None:
        band = _band_for_age(age)
        return band.id if band else None
    for band in age_bands():
        if band.words.search(folded):
            return band.id
    return None


@cache
def _age_mentions() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(fold(pattern)) for pattern in _vocab()["age_mention_patterns"])


@cache
def _writer_age() -> re.Pattern:
    return re.compile("|".join(fold(pattern) for pattern in _vocab()["writer_age_patterns"]))


def _folded_without_writers_age(text: str) -> str:
    """The folded text without the writer's own age ("vi er 81 og 79 år"), which is not the age of
    the person of concern, in an answer to the age question as in passing."""
    return _writer_age().sub(" ", fold(text))


def mentioned_age_band(text: str) -> str | None:
    """The age band when a message mentions an age in passing, else None (stricter than parse)."""
    folded = _folded_without_writers_age(text)
    age = _age_from_grade(folded)
    if age is None:
        mentions = sorted((m for pattern in _age_mentions() for m in pattern.finditer(folded)), key=lambda m: m.start())
        # "han er 18 tror jeg. nej vent han er 17": the corrected age is the last one.
        age = int((mentions[-1] if is_correction(text) else mentions[0]).group(1)) if mentions else None
    band = _band_for_age(age) if age is not None else None
    return band.id if band else None


def aside_question_confidence() -> float:
    """How sure the FAQ selector must be of a question asked between the guided questions."""
    return float(_vocab()["aside_question_confidence"])


def plain_answer_words() -> int:
    """The most words a reply to a guided question may have to count as its plain answer."""
    return int(_vocab()["plain_answer_words"])


def english_question_confidence() -> float:
    """How sure the FAQ selector must be of the topic of a question asked in English."""
    return float(_vocab()["english_question_confidence"])


def band_young_adult(band_id: str | None) -> bool:
    """Whether a person in this age band is a young adult, for whom many kommuner extend SSP (SSP+)."""
    return any(band.young_adult for band in age_bands() if band.id == band_id)


def band_in_school(band_id: str | None) -> bool | None:
    """Whether a person in this age band is usually in school; None when the band is unknown."""
    band = next((b for b in age_bands() if b.id == band_id), None)
    return band.in_school if band else None
