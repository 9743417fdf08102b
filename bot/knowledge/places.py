"""Finds the kommune and police district for a place name people actually type.

Kommune names, their spelling variants and the towns and city districts inside them come from
data/places.yml. Matching is done on folded keys, so 'Århus', 'aarhus' and 'ARHUS' all hit.
"""

import difflib
import re
from dataclasses import dataclass
from functools import cache

from bot.knowledge.loading import load_data
from bot.knowledge.text import fold_key

# Words that surround a place name without being part of it ("Aarhus Kommune", "kommunen").
_NOISE_WORDS = {"kommune", "kommunen", "kommuner", "kommunes", "by", "byen"}
_MAX_NGRAM = 4
_WORD = re.compile(r"\w+")
_PLACE_CUES = {"i", "fra", "ved", "omkring", "naer", "paa", "kommune", "kommunen", "byen"}
_FUZZY_CUTOFF = 0.86
_FUZZY_MIN_LENGTH = 5


@dataclass(frozen=True)
class PoliceDistrict:
    """One of the 12 police districts, each with one infohus."""

    id: str
    name: str
    infohus: str
    kommuner: tuple[str, ...]


@dataclass(frozen=True)
class PlaceMatch:
    """The answer to 'where is this place': the official kommune and its police district."""

    kommune: str
    police_district: PoliceDistrict
    matched_name: str
    kind: str  # "kommune", "variant" or "town"


@dataclass(frozen=True)
class _Entry:
    kommune: str
    name: str
    kind: str


def _loose(key: str) -> str:
    """A second, looser key for people who type 'o' for 'ø' and 'a' for 'å'."""
    return key.replace("aa", "a").replace("oe", "o").replace("ae", "a")


def _strip_noise(key: str) -> str:
    return " ".join(word for word in key.split() if word not in _NOISE_WORDS)


@cache
def police_districts() -> dict[str, PoliceDistrict]:
    """The 12 police districts keyed by id."""
    return {
        raw["id"]: PoliceDistrict(raw["id"], raw["name"], raw["infohus"], tuple(raw["kommuner"]))
        for raw in load_data("places")["police_districts"]
    }


@cache
def district_of_kommune() -> dict[str, PoliceDistrict]:
    """Official kommune name -> its police district."""
    return {kommune: district for district in police_districts().values() for kommune in district.kommuner}


@cache
def kommune_names() -> tuple[str, ...]:
    """The 98 official kommune names, as written in the data file."""
    return tuple(load_data("places")["kommuner"])


@cache
def _index() -> dict[str, _Entry]:
    index: dict[str, _Entry] = {}
    for kommune, entry in load_data("places")["kommuner"].items():
        names = [(kommune, "kommune")]
        names += [(variant, "variant") for variant in entry.get("variants") or []]
        names += [(town, "town") for town in entry.get("towns") or []]
        for name, kind in names:
            key = _strip_noise(fold_key(name))
            for candidate in (key, _loose(key)):
                index.setdefault(candidate, _Entry(kommune, name, kind))
    return index


def _entry_for(key: str) -> _Entry | None:
    """The index entry for a folded key, tried as typed and then loosely."""
    index = _index()
    return index.get(key) or index.get(_loose(key))


def _match(entry: _Entry) -> PlaceMatch:
    return PlaceMatch(entry.kommune, district_of_kommune()[entry.kommune], entry.name, entry.kind)


def lookup_place(name: str) -> PlaceMatch | None:
    """The kommune for a single place name, tolerating variants, missing æøå and small typos."""
    key = _strip_noise(fold_key(name))
    if not key:
        return None
    entry = _entry_for(key)
    if entry is None and len(key) >= _FUZZY_MIN_LENGTH:
        close = difflib.get_close_matches(key, _index().keys(), n=1, cutoff=_FUZZY_CUTOFF)
        entry = _index()[close[0]] if close else None
    return _match(entry) if entry else None


def find_place_in_text(text: str) -> PlaceMatch | None:
    """The first known place named in a free-text message, longest name first.

    Many town names are also ordinary words ('Ringe', 'Give', 'Vejen'), so a match counts only
    when the message is nothing but the name, the name is capitalised, or a word such as 'i' or
    'fra' stands before it.
    """
    original = _WORD.findall(text)
    tokens = [fold_key(word) for word in original]
    whole_message = _strip_noise(" ".join(tokens))
    for start in range(len(tokens)):
        for length in range(min(_MAX_NGRAM, len(tokens) - start), 0, -1):
            phrase = " ".join(tokens[start : start + length])
            entry = _entry_for(phrase)
            if entry is None:
                continue
            cued = start > 0 and tokens[start - 1] in _PLACE_CUES
            if phrase == whole_message or original[start][0].isupper() or cued:
                return _match(entry)
    return None
