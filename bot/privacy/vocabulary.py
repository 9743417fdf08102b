"""The word lists the anonymiser decides with, loaded once: names, cues, words to keep, the Danish
lexicon (built at set-up from spacy-lookups-data) and the public numbers that are never personal."""

import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.knowledge.contacts import contact_routes
from bot.knowledge.loading import load_data

DATA_DIR = Path(__file__).with_name("data")
LEXICON_FILE = Path(__file__).resolve().parents[2] / "var" / "lexicon_da.txt.gz"


@dataclass(frozen=True)
class Vocabulary:
    first_names: frozenset[str]      # lowercase
    surnames: frozenset[str]         # lowercase
    ambiguous_names: frozenset[str]  # lowercase names that are also ordinary words
    danish_words: frozenset[str]     # lowercase word forms
    stop_words: frozenset[str]
    english_words: frozenset[str]    # lowercase English word forms
    keep_phrases: tuple[str, ...]    # platforms, organisations, public figures, multi-word places
    keep_words: frozenset[str]       # single keep words, lowercase
    place_words: frozenset[str]      # one-word kommune and town names, lowercase
    platforms: frozenset[str]        # lowercase
    strong_cues: tuple[str, ...]
    relation_cues: frozenset[str]
    self_cues: tuple[str, ...]
    username_cues: tuple[str, ...]
    address_cues: tuple[str, ...]
    street_suffixes: tuple[str, ...]
    public_numbers: frozenset[str]   # digits only

    def is_name(self, word: str) -> bool:
        lower = word.lower()
        return lower in self.first_names or lower in self.surnames

    def is_plain_word(self, word: str) -> bool:
        """An ordinary Danish word (or stop word), not only a name, also typed without æ, ø, å ("paa")."""
        lower = word.lower()
        return any(form in self.danish_words or form in self.stop_words for form in (lower, without_ascii_spelling(lower)))


def without_ascii_spelling(lower: str) -> str:
    """Danish letters for their keyboard stand-ins: "paa" -> "på", "soen" -> "søn", "Roedekro" -> "rødekro"."""
    return lower.replace("aa", "å").replace("ae", "æ").replace("oe", "ø")


def _read_lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Danish word forms, Danish stop words ("!") and English word forms ("~")."""
    if not LEXICON_FILE.exists():
        raise FileNotFoundError(f"{LEXICON_FILE} is missing: run `make setup` (scripts/build_lexicon_da.py)")
    with gzip.open(LEXICON_FILE, "rt", encoding="utf-8") as handle:
        lines = handle.read().split()
    return (
        frozenset(line for line in lines if line[0] not in "!~"),
        frozenset(line[1:] for line in lines if line[0] == "!"),
        frozenset(line[1:] for line in lines if line[0] == "~"),
    )


# Letters without a decomposition that people type as a plain letter.
UNDECOMPOSED = str.maketrans("ıłđŁĐ", "ildLD")


def unaccented(text: str) -> str:
    """`text` as typed without accents ("Ayşe" -> "Ayse", "Nguyễn" -> "Nguyen"); Danish å, æ and ø stay."""
    decomposed = unicodedata.normalize("NFKD", text.replace("å", "\0").replace("Å", "\1").translate(UNDECOMPOSED))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("\0", "å").replace("\1", "Å")


def _with_unaccented(names, words: frozenset[str]) -> frozenset[str]:
    """Lowercase names plus the forms typed without accents ("Ayşe" -> "ayse") that are not words."""
    lower = {n.lower() for n in names}
    return frozenset(lower | ({unaccented(n) for n in lower} - lower - words))


def _place_names() -> list[str]:
    names = []
    for kommune, entry in load_data("places")["kommuner"].items():
        names += [kommune, *(entry.get("variants") or []), *(entry.get("towns") or [])]
    for district in load_data("places")["police_districts"]:
        names += [district["name"], district["infohus"]]
    return names


def _public_numbers() -> frozenset[str]:
    return frozenset(
        re.sub(r"\D", "", number)
        for route in contact_routes().values()
        for number in (route.number, route.general_number)
        if number
    )


@cache
def vocabulary() -> Vocabulary:
    names = yaml.safe_load((DATA_DIR / "names.yml").read_text(encoding="utf-8"))
    words = yaml.safe_load((DATA_DIR / "anonymizer.yml").read_text(encoding="utf-8"))
    danish_words, stop_words, english_words = _read_lexicon()
    stop_words |= frozenset(words["english_function_words"])
    all_words = danish_words | stop_words
    places = _place_names()
    keep_phrases = tuple(words["keep"]) + tuple(words["platforms"]) + tuple(p for p in places if " " in p)
    return Vocabulary(
        first_names=_with_unaccented(names["first_names"], all_words),
        surnames=_with_unaccented(names["surnames"], all_words),
        ambiguous_names=frozenset(n.lower() for n in names["ambiguous"]) | (
            frozenset(n.lower() for n in names["first_names"] + names["surnames"]) & stop_words
        ),
        danish_words=danish_words,
        stop_words=stop_words,
        english_words=english_words,
        keep_phrases=keep_phrases,
        keep_words=frozenset(p.lower() for p in keep_phrases if " " not in p),
        place_words=frozenset(p.lower() for p in places if " " not in p),
        platforms=frozenset(p.lower() for p in words["platforms"]),
        strong_cues=tuple(words["name_cues"]["strong"]),
        relation_cues=frozenset(words["name_cues"]["relation"]),
        self_cues=tuple(words["name_cues"]["self"]),
        username_cues=tuple(words["username_cues"]),
        address_cues=tuple(words["address_cues"]),
        street_suffixes=tuple(dict.fromkeys(words["street_suffixes"])),
        public_numbers=_public_numbers(),
    )
