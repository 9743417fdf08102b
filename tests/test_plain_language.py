"""Plain Danish: every Danish text the assistant sends reads easily (issue 14).

LIX = words per sentence + the percentage of words longer than six letters; 45 is the upper end of
"medium" and the limit here, and no sentence may run over 25 words. A {placeholder} counts as one
short word. English texts (names ending in _en, the bilingual answers) are not measured.

One house style: Danish quotation marks (»jeg er mor«), and a comma before "fordi" in "Tak, fordi".
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MAX_LIX = 45
MAX_SENTENCE_WORDS = 25
NOT_DANISH = {"utter_english_intro", "utter_other_language"}
NOT_HOUSE_STYLE = re.compile(r'["“”„]|\bTak fordi\b')
WORD = re.compile(r"[A-Za-zÆØÅæøåéü0-9-]+")


def lix(text: str) -> tuple[float, int]:
    """The LIX of a text and the word count of its longest sentence."""
    text = re.sub(r"\{[a-z_]+\}", "X", text)
    sentences = [s for s in re.split(r"(?<=[.!?:])\s+", text.strip()) if WORD.search(s)]
    words = WORD.findall(text)
    long_words = [word for word in words if len(word) > 6]
    longest = max(len(WORD.findall(sentence)) for sentence in sentences)
    return len(words) / len(sentences) + 100 * len(long_words) / len(words), longest


def danish_texts() -> list[tuple[str, str]]:
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    return [(name, variant["text"]) for name, variants in responses.items()
            if not name.endswith("_en") and name not in NOT_DANISH for variant in variants]


def test_the_measure_tells_plain_from_heavy_danish():
    assert lix("Ring til os. Vi lytter.")[0] < 20
    heavy = ("Kommunalbestyrelsens forebyggelsesstrategi indeholder organisatoriske forankringsinitiativer "
             "vedrørende tværfaglige koordineringsmekanismer.")
    assert lix(heavy)[0] > 60


@pytest.mark.parametrize(("name", "text"), danish_texts(), ids=[name for name, _ in danish_texts()])
def test_every_danish_text_is_plain(name, text):
    score, longest = lix(text)
    assert score <= MAX_LIX, f"LIX {score:.0f}"
    assert longest <= MAX_SENTENCE_WORDS, f"a sentence of {longest} words"


def test_house_style_catches_other_quotes_and_a_missing_comma():
    assert NOT_HOUSE_STYLE.search('Skriv fx "15".') and NOT_HOUSE_STYLE.search("Tak fordi du skrev.")
    assert not NOT_HOUSE_STYLE.search("Tak, fordi du skrev. Skriv fx »15«.")


@pytest.mark.parametrize(("name", "text"), danish_texts(), ids=[name for name, _ in danish_texts()])
def test_every_danish_text_keeps_the_house_style(name, text):
    assert not NOT_HOUSE_STYLE.search(text), NOT_HOUSE_STYLE.search(text).group(0)
