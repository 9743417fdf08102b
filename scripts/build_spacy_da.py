"""Builds the Danish spaCy pipeline Rasa uses: blank "da" plus the lookup lemmatizer.

No Danish model exists on PyPI, so we save a blank pipeline with the lemma tables that ship in
spacy-lookups-data. Runs once at set-up; nothing is downloaded at run time.
"""

import sys
from pathlib import Path

import spacy


def build(target: Path) -> None:
    nlp = spacy.blank("da")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "var/spacy_da"))
