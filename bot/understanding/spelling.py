"""Danish words typed without æ, ø and å get their letters back: "min son gar i moske paa fredag"
-> "min søn går i moske på fredag".

The sentence encoder learnt Danish as it is written, so "son" and "paa" blur what a message is
about. The table (var/spellings_da.tsv.gz, written at set-up by scripts/build_spellings_da.py)
holds only words whose letters are clear from their frequency; "for", "far" and "bor" stay. A
message that has any æ, ø or å is written with them and left alone. Typed forms that are English
words too ("son", "made") are put back only where the message is not likely English.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
import gzip
import re

from bot.understanding.language import english_confidence
from bot.understanding.loading import load_data

SPELLINGS_FILE = Path(__file__).resolve().parents[2] / "var" / "spellings_da.tsv.gz"
_DANISH_LETTERS = frozenset("æøåÆØÅ")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _Spelling:
    word: str
    also_english: bool


@cache
def _spellings() -> dict[str, _Spelling]:
    if not SPELLINGS_FILE.exists():
        raise FileNotFoundError(f"{SPELLINGS_FILE} is missing: run `make setup` (scripts/build_spellings_da.py)")
    with gzip.open(SPELLINGS_FILE, "rt", encoding="utf-8") as handle:
        rows = (line.rstrip("\n").split("\t") for line in handle if line.strip())
        return {typed: _Spelling(word, marker == "en") for typed, word, marker in rows}


def _in_case_of(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word.capitalize() if typed[0].isupper() else word


def respelled(text: str) -> str:
    """`text` with æ, ø and å put back where it was typed without them; otherwise unchanged."""
    if _DANISH_LETTERS.intersection(text):
        return text
    spellings = _spellings()
    found = [(match, spellings[match.group().lower()]) for match in _WORD.finditer(text)
             if match.group().lower() in spellings]
    if not found:
        return text
    if all(spelling.also_english for _, spelling in found) \
            and english_confidence(text) >= load_data("readers")["spelling"]["english_max_confidence"]:
        return text
    parts, start = [], 0
    for match, spelling in found:
        parts += [text[start:match.start()], _in_case_of(match.group(), spelling.word)]
        start = match.end()
    return "".join(parts) + text[start:]
