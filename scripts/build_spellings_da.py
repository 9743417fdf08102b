"""Writes the table that gives Danish words typed without æ, ø and å their letters back.

People on a keyboard without æ, ø and å write "soen" or "son" for "søn" and "paa" or "pa" for "på".
For every word of wordfreq's Danish list with one of those letters, each way of typing it without
them (ae/oe/aa, a/o/a, and ae/o/a) maps to the most frequent word typed that way, but only when
that word is clearly more frequent than the typed form read as a word of its own: "pa" -> "på",
but "for" stays (får and før are not frequent enough beside it) and so do "bor" and "boede". A
typed form that is also a common English word ("son", "made", "born") is marked, so that an English
message keeps it. Both thresholds live in bot/understanding/data/readers.yml. Runs once at set-up
in the app environment, where wordfreq is installed; bot.understanding.spelling reads the result in
either environment.
"""

import gzip
import sys
from pathlib import Path

import yaml
from wordfreq import top_n_list, zipf_frequency

ROOT = Path(__file__).resolve().parents[1]
READERS = ROOT / "bot" / "understanding" / "data" / "readers.yml"
TYPINGS = (
    {"æ": "ae", "ø": "oe", "å": "aa"},
    {"æ": "a", "ø": "o", "å": "a"},
    {"æ": "ae", "ø": "o", "å": "a"},
)


def typed_forms(word: str) -> set[str]:
    """The ways `word` is written without æ, ø and å."""
    return {"".join(typing.get(ch, ch) for ch in word) for typing in TYPINGS}


def spellings(margin: float, words: list[str]) -> dict[str, str]:
    """typed form -> word, where the word is at least `margin` zipf more frequent than the typed form."""
    best: dict[str, tuple[float, str]] = {}
    for word in words:
        if not word.isalpha() or not set(word) & set("æøå"):
            continue
        frequency = zipf_frequency(word, "da")
        for typed in typed_forms(word):
            if typed not in best or frequency > best[typed][0]:
                best[typed] = (frequency, word)
    return {
        typed: word for typed, (frequency, word) in best.items()
        if frequency - zipf_frequency(typed, "da") >= margin
    }


def build(target: Path) -> None:
    settings = yaml.safe_load(READERS.read_text())["spelling"]
    table = spellings(settings["min_frequency_gain"], top_n_list("da", 100_000))
    english = {typed for typed in table if zipf_frequency(typed, "en") >= settings["english_word_frequency"]}
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(target, "wt", encoding="utf-8") as handle:
        handle.writelines(f"{typed}\t{word}\t{'en' if typed in english else ''}\n" for typed, word in sorted(table.items()))


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "var/spellings_da.tsv.gz"))
