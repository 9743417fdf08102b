"""Writes the Danish word list the anonymiser uses to tell ordinary words from names.

Every word form and lemma of spacy-lookups-data's Danish lemma table, spaCy's Danish stop words
marked with a leading "!", and the English lemma table's words marked with "~" (chat messages
quote English game titles, brands and slogans). Runs once at set-up (in Rasa's environment, where both are
installed); the anonymiser reads the result in either environment.
"""

import gzip
import json
import sys
from pathlib import Path

import spacy_lookups_data
from spacy.lang.da.stop_words import STOP_WORDS


def _lemma_table_words(language: str) -> set[str]:
    table_path = Path(spacy_lookups_data.__file__).parent / "data" / f"{language}_lemma_lookup.json.gz"
    with gzip.open(table_path, "rt", encoding="utf-8") as handle:
        table = json.load(handle)
    return {w.lower() for pair in table.items() for w in pair if w.isalpha()}


def build(target: Path) -> None:
    lines = (
        sorted(_lemma_table_words("da"))
        + sorted(f"!{w}" for w in STOP_WORDS)
        + sorted(f"~{w}" for w in _lemma_table_words("en"))
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(target, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "var/lexicon_da.txt.gz"))
