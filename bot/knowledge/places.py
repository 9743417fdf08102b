"""Finds the kommune and police district for a place name people actually type.

Kommune names, their spelling variants and the towns and city districts inside them come from
data/places.yml. Matching is done on folded keys, so 'Århus', 'aarhus' and 'ARHUS' all hit.
"""

import difflib
import re
from dataclasses import dataclass, replace
from functools import cache

from bot.knowledge.loading import load_data
from bot.knowledge.text import fold, fold_key, word_start_pattern

# Words that surround a place name without being part of it ("Aarhus Kommune", "kommunen").
_NOISE_WORDS = {"kommune", "kommunen", "kommuner", "kommunes", "by", "byen"}
_ANSWER_PREPOSITIONS = {"i", "paa", "fra"}
_MAX_NGRAM = 4
_WORD = re.compile(r"\w+")
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


def _bare_answer(key: str) -> str:
    """A message as the bare answer to "where?": without 'kommune' and a leading 'i', 'på' or 'fra'."""
    words = _strip_noise(key).split()
    return " ".join(words[1:] if len(words) > 1 and words[0] in _ANSWER_PREPOSITIONS else words)


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


# How firmly a mention is said to be where the person lives (PlaceMention.home).
NOT_HOME, WRITERS_HOME, WEAK_HOME, HOME = 0, 1, 2, 3


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a message, and how it is meant."""

    start: int
    end: int
    text: str
    kommune: str | None  # None for a name that several places share, unless a city is named with it
    home: int  # NOT_HOME .. HOME: said as where someone lives; HOME also when the message is the name
    correction: bool  # the message corrects an earlier answer ("vi bor faktisk i ...")


@cache
def _shared_keys() -> frozenset[str]:
    return frozenset(fold_key(name) for name in load_data("places")["shared_names"])


@cache
def _common_word_keys() -> frozenset[str]:
    """The common words' loose keys: 'brænde' is 'Brande' typed loosely."""
    return frozenset(_loose(fold_key(name)) for name in load_data("places")["common_words"])


@cache
def _ordinary_after_a_preposition() -> frozenset[str]:
    return frozenset(fold_key(name) for name in load_data("places")["ordinary_after_a_preposition"])


def _is_common_word(phrase: str) -> bool:
    return _loose(phrase) in _common_word_keys()


@dataclass(frozen=True)
class _Cues:
    before: frozenset[str]
    before_in_correction: frozenset[str]
    pronoun_i_after: frozenset[str]
    after: frozenset[str]
    regions: frozenset[str]
    strong: re.Pattern
    weak: re.Pattern
    directions: frozenset[str]
    writer_only: re.Pattern
    lives_with_the_writer: re.Pattern
    denied: re.Pattern
    someone_else_in_a_correction: re.Pattern
    window: int
    correction: re.Pattern


@cache
def _cues() -> _Cues:
    raw = load_data("place_cues")
    home = raw["home"]
    return _Cues(
        frozenset(fold_key(word) for word in raw["before_a_place"]),
        frozenset(fold_key(word) for word in raw["before_a_place_in_a_correction"]),
        frozenset(fold_key(word) for word in raw["pronoun_i_after"]),
        frozenset(fold_key(word) for word in raw["after_a_place"]),
        frozenset(fold_key(word) for word in raw["regions"]),
        word_start_pattern(home["strong"]),
        word_start_pattern(home["weak"] + home["directions"]),
        frozenset(fold_key(words) for words in home["directions"]),
        word_start_pattern(home["writer_only"]),
        word_start_pattern(home["lives_with_the_writer"]),
        word_start_pattern(home["denied"]),
        word_start_pattern(home["someone_else_in_a_correction"]),
        raw["home_window_words"],
        word_start_pattern(raw["correction"]),
    )


def _cued(tokens: list[str], start: int, correction: bool = False) -> bool:
    """Whether a word such as 'i' or 'fra' (or two, 'naerheden af') stands right before the name,
    or in a correction 'det er'; not the pronoun 'I' of "kan I ringe mig"."""
    cues = _cues()
    if start >= 2 and tokens[start - 1] == "i" and tokens[start - 2] in cues.pronoun_i_after:
        return False
    before = cues.before | cues.before_in_correction if correction else cues.before
    return _preceded_by(tokens, start, before)


def _corrected_to(tokens: list[str], start: int) -> bool:
    """Whether a correction's own words stand right before the name ("jeg mener vejen", "det er ringe")."""
    return _preceded_by(tokens, start, _cues().before_in_correction)


def _preceded_by(tokens: list[str], start: int, phrases: frozenset[str]) -> bool:
    """Whether one of the phrases (one or two words) stands right before token `start`."""
    return any(start >= n and " ".join(tokens[start - n : start]) in phrases for n in (1, 2))


def _placed_after(tokens: list[str], end: int) -> bool:
    """Whether the words right after a name place it: 'på Fyn', 'ved Vejle'."""
    cues = _cues()
    if end + 1 >= len(tokens) or tokens[end] not in cues.after:
        return False
    following = tokens[end + 1]
    return following in cues.regions or (_entry_for(following) is not None and not _is_common_word(following))


def _home(text: str, words: list[re.Match], start: int, correction: bool) -> int:
    """How firmly the words before the name, in the same sentence, say someone lives there."""
    cues = _cues()
    sentence = re.split(r"[.!?\n]|\bmen\b", _words_before(text, words, start))[-1]
    if cues.denied.search(sentence) or (correction and cues.someone_else_in_a_correction.search(sentence)):
        return NOT_HOME
    if cues.writer_only.search(sentence):
        return WRITERS_HOME
    if cues.strong.search(sentence):
        return HOME
    return WEAK_HOME if cues.weak.search(sentence) else NOT_HOME


def _fuzzy_entry(word: str, cued: bool, alone: bool) -> "_Entry | None":
    """A misspelt place ('Esbjærg', 'Roskile'), only where a place is expected and the word is a name."""
    if not (alone or (cued and word[:1].isupper())):
        return None
    match = lookup_place(word)
    return _Entry(match.kommune, match.matched_name, match.kind) if match else None


def read_places(text: str) -> list[PlaceMention]:
    """Every known place named in a message, longest name first, with how it is meant.

    Names that are also ordinary words (Give, Vejen ...) count only after a word such as 'i' or
    'fra', or when the message is nothing but the name; a misspelt name counts there too. Written in
    lower case, a name that is an ordinary word after 'i' too counts only where someone is said to
    live there ("noget i vejen"). A name
    several places share takes the kommune of a place named right after it ("Indre By i
    Aarhus"), or none.
    """
    words = list(_WORD.finditer(text))
    tokens = [fold_key(word.group()) for word in words]
    folded = fold(text)
    whole_message = _bare_answer(" ".join(tokens))
    found: list[tuple[int, int, _Entry | None]] = []
    correction = is_correction(text)
    start = 0
    while start < len(tokens):
        length = _place_at(tokens, words, start, whole_message, found, correction)
        start += max(length, 1)
    mentions = []
    for index, (first, after, entry) in enumerate(found):
        if entry is None:
            entry = next((e for s, _, e in found[index + 1 :] if e is not None and s - after <= 2), None)
        phrase = " ".join(tokens[first:after])
        home = HOME if phrase == whole_message else _home(text, words, first, correction)
        written = text[words[first].start() : words[after - 1].end()]
        directed = " ".join(tokens[max(0, first - 2):first]) in _cues().directions
        if ((home == NOT_HOME or (home == WEAK_HOME and directed)) and written.islower()
                and phrase in _ordinary_after_a_preposition() and not (correction and _corrected_to(tokens, first))):
            continue  # "noget i vejen", "står ude på vejen", "i ringe grad": the word, not the town
        mentions.append(PlaceMention(
            words[first].start(), words[after - 1].end(), written, entry.kommune if entry else None, home, correction,
        ))
    if _cues().lives_with_the_writer.search(folded):
        mentions = [replace(m, home=WEAK_HOME) if m.home == WRITERS_HOME else m for m in mentions]
    return _weighed_against_denied(mentions, words, text) if correction else mentions


def _weighed_against_denied(mentions: list[PlaceMention], words: list[re.Match], text: str) -> list[PlaceMention]:
    """In a correction that denies a place ("SVENDBORG ikk Sønderborg", "vi bor ikke i Horsens, vi bor i
    Holstebro. min bror bor i Horsens"), the denied kommune is nobody's home anywhere in the message,
    and a place it names without denying it is the one meant."""
    starts = {word.start(): index for index, word in enumerate(words)}
    denied = {m.kommune for m in mentions if m.kommune and _denied_before(text, words, starts[m.start])}
    if not denied:
        return mentions
    return [replace(m, home=NOT_HOME) if m.kommune in denied else replace(m, home=max(m.home, WEAK_HOME))
            for m in mentions]


def _denied_before(text: str, words: list[re.Match], start: int) -> bool:
    """Whether the words right before the name deny it ("ikke i Horsens", "ikk soenderborg")."""
    return bool(_cues().denied.search(re.split(r"[.!?\n,]|\bmen\b", _words_before(text, words, start))[-1]))


def _words_before(text: str, words: list[re.Match], start: int) -> str:
    """The folded words of the home window before token `start`. Folded after slicing: folding
    changes lengths (å -> aa), so offsets of `text` do not fit it."""
    return fold(text[words[max(0, start - _cues().window)].start() : words[start].start()])


def _place_at(tokens: list[str], words: list[re.Match], start: int, whole_message: str,
              found: list[tuple[int, int, "_Entry | None"]], correction: bool = False) -> int:
    """Add the place that starts at token `start` to `found`; its length in tokens, or 0."""
    cued = _cued(tokens, start, correction)
    for length in range(min(_MAX_NGRAM, len(tokens) - start), 0, -1):
        phrase = " ".join(tokens[start : start + length])
        alone = phrase == whole_message
        entry = _entry_for(phrase)
        shared = phrase in _shared_keys()
        if entry is None and not shared:
            continue
        if _is_common_word(phrase) and not (alone or cued or _placed_after(tokens, start + length)):
            continue
        found.append((start, start + length, None if shared else entry))
        return length
    word = words[start].group()
    entry = _fuzzy_entry(word, cued, tokens[start] == whole_message) if len(word) >= _FUZZY_MIN_LENGTH else None
    if entry is not None and not _is_common_word(tokens[start]):
        found.append((start, start + 1, entry))
        return 1
    return 0


def is_correction(text: str) -> bool:
    """Whether a message corrects an earlier answer ("jeg er faktisk pædagog", "vi bor faktisk i ...")."""
    return bool(_cues().correction.search(fold(text)))


def residence(mentions: list[PlaceMention]) -> PlaceMention | None:
    """The mention that says most firmly where the person lives (the later one on a tie), or None."""
    homes = [mention for mention in mentions if mention.home > NOT_HOME]
    return max(reversed(homes), key=lambda mention: mention.home) if homes else None


def answered_home(mentions: list[PlaceMention]) -> PlaceMention | None:
    """The place an answer to "where does the person live?" gives: where it says they live, else
    the first place it names ("Helsingør, he lives at the school")."""
    return residence(mentions) or (mentions[0] if mentions else None)
