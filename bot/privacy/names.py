"""Finds person names (NAVN) and usernames introduced by words (BRUGERNAVN) in Danish text.

Danish writes only proper nouns with a capital letter, so a capitalised word in mid-sentence that
is not an ordinary word, a place, a platform or a public figure is taken for a name. Known names
count in any case unless they are also ordinary words ("Per", "Bo", "hans"); those, and unknown
words, count after cues such as "hedder", "min søn" or "eleven".
"""

import re
from dataclasses import dataclass
from functools import cache

from bot.privacy.spans import LETTER, Ranges, Span
from bot.privacy.vocabulary import Vocabulary, unaccented, vocabulary, without_ascii_spelling

TOKEN = re.compile(rf"[{LETTER}0-9_][{LETTER}0-9_'’.-]*")
SENTENCE_MARKS = frozenset('.!?:;\n"“”«»(-–•*')
NAME_PARTICLES = frozenset({"bin", "ibn", "al", "el", "van", "von", "de", "abu", "abd", "ben", "da", "di", "thi"})
FOLLOWS_A_SUBJECT = frozenset(
    "er har var siger sagde skriver skrev bliver blev og kan vil skal går gik ser så spiller sidder snakker "
    "taler mener tror begyndte begynder lytter læser deler hænger sender sendte fik får virker hedder her "
    "bor boede kom kommer kender kendte fortalte fortæller spurgte spørger ville skulle kunne havde gjorde "
    "gør laver lavede ved vidste synes syntes føler følte hader elsker viste viser truer truede skrev "
    "ringede ringer mødes mødte følger fulgte stoppede stopper nægter nægtede holder holdt "
    "løb sad satte stod lå tog gav delte lagde købte fandt slog råbte smed brugte prøvede flyttede læste "
    "is has was said says lives".split()
)
BEFORE_AN_AGE_OR_CLASS = frozenset({"på", "fra", "i"})  # "Ahmad på 14", "Lærke fra 7.a", "Mark fra mit hold"
RELATIONS_AFTER_A_GENITIVE = frozenset(
    "søn datter mor far bror søster forældre familie kæreste ven veninde venner fætter kusine onkel moster faster "
    "mormor morfar farmor farfar stedfar stedmor lærer".split()
)
PRONOUN_GENITIVES = frozenset({"hans", "dens", "dets"})
POSSESSIVES = frozenset({"hans", "hendes", "deres", "min", "mine", "mit", "sin", "sine", "sit", "his", "her"})
BEFORE_A_PLACE = frozenset({"i", "ved", "nær", "omkring", "in", "near"})
WEB_DOMAIN_ENDINGS = frozenset({"dk", "com", "org", "net", "eu", "info", "se", "no", "de", "io", "gg", "tv"})  # borger.dk
DEFINITE_ENDINGS = ("erne", "ene", "en", "et")
USERNAME_SHAPE = re.compile(r".*(?:_|[a-zæøå]\d{2,}|\d[a-zæøå]|[a-zæøå][A-ZÆØÅ]).*")


def _dotted_handle(word: str) -> bool:
    """"ahmad.al.muwahhid", "ahmad.al.99": lowercase parts of two characters or more joined by dots,
    at least two of them words."""
    parts = word.split(".")
    return (
        len(parts) > 1 and len(word) >= 8 and parts[-1] not in WEB_DOMAIN_ENDINGS
        and all(len(p) >= 2 and p.isalnum() and p == p.lower() for p in parts)
        and sum(p.isalpha() for p in parts) >= 2
    )


def _lowercase_compound(word: str) -> bool:
    """"SSP-medarbejder", "CPR-nummer": a hyphenated word whose last part is not capitalised."""
    return "-" in word and not word.rsplit("-", 1)[1][:1].isupper()


@dataclass
class Token:
    start: int
    end: int
    text: str

    @property
    def bare(self) -> str:
        """Without trailing dots and apostrophes: "Jonas'" -> "Jonas"."""
        return self.text.rstrip(".'’")

    @property
    def bare_end(self) -> int:
        return self.start + len(self.bare)

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()

    @property
    def all_caps(self) -> bool:
        """"SSP", "NU", and abbreviations with an ending: "PDF'er", "NPC'erne"."""
        letters = re.split(r"['’]", self.bare)[0]
        return len(letters) > 1 and letters.isupper()


def tokenize(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]


def name_stem(word: str, vocab: Vocabulary) -> str | None:
    """The known name in a word: itself, its genitive ("Sofies", "Jonas'") or its hyphenated parts."""
    lower = word.lower().rstrip(".'’")
    for candidate in (lower, lower.removesuffix("'s").removesuffix("’s"), unaccented(lower)):
        if vocab.is_name(candidate):
            return candidate
    if lower.endswith("s") and vocab.is_name(lower[:-1]):
        return lower[:-1]
    parts = lower.split("-")
    if len(parts) > 1 and all(vocab.is_name(p) for p in parts if p):
        return parts[0]
    return None


@cache
def _protected_pattern() -> re.Pattern:
    vocab = vocabulary()
    phrases = sorted((p for p in vocab.keep_phrases if p), key=len, reverse=True)
    with_genitive = "|".join(re.escape(p) for p in phrases if len(p) > 4)  # "Profeten Muhammeds", not "Hans"
    short = "|".join(re.escape(p) for p in phrases if len(p) <= 4)
    return re.compile(rf"(?<![\w])(?:(?:{with_genitive})(?:s|'s|’s)?|(?:{short}))(?![\w])")


def protected_ranges(text: str) -> Ranges:
    """Platforms, organisations, public figures and multi-word places, written as listed."""
    return Ranges([(m.start(), m.end()) for m in _protected_pattern().finditer(text)])


def _cue_before(tokens: list[Token], index: int, text: str, cues) -> bool:
    """True if the words just before token `index` end with one of `cues`."""
    for width in (1, 2, 3, 4):
        if index - width < 0:
            break
        before = tokens[index - width : index]
        if before and text[before[-1].end : tokens[index].start].strip(" ") not in {"", ":", ","}:
            return False
        phrase = " ".join(t.bare.lower() for t in before)
        if phrase in cues:
            return True
    return False


class NameFinder:
    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.strong = frozenset(vocab.strong_cues)
        self.self_cues = frozenset(vocab.self_cues)
        self.username_cues = frozenset(vocab.username_cues)

    def find(self, text: str) -> list[Span]:
        tokens = tokenize(text)
        protected = protected_ranges(text)
        spans: list[Span] = []
        is_name = [False] * len(tokens)
        for i, token in enumerate(tokens):
            if protected.contains(token.start, token.bare_end) and not (
                token.capitalised and name_stem(token.text, self.vocab) and self._cued(tokens, i, text)
            ):
                continue
            kind = self._classify(tokens, i, text)
            if kind == "NAVN":
                is_name[i] = True
            elif kind == "BRUGERNAVN":
                spans.append(Span(token.start, token.start + len(token.text.rstrip(".,")), "BRUGERNAVN"))
        spans += self._merge_names(tokens, is_name, text, protected)
        return spans

    def _cued(self, tokens: list[Token], i: int, text: str) -> bool:
        return _cue_before(tokens, i, text, self.strong) or _cue_before(tokens, i, text, self.vocab.relation_cues)

    @staticmethod
    def _sentence_start(tokens: list[Token], i: int, text: str) -> bool:
        if i == 0:
            return True
        before = text[tokens[i - 1].end : tokens[i].start].replace(" ", "").replace("\t", "")
        last_of_previous = tokens[i - 1].text[-1]
        return any(mark in SENTENCE_MARKS for mark in before) or (not before and last_of_previous == ".")

    def _classify(self, tokens: list[Token], i: int, text: str) -> str | None:
        vocab = self.vocab
        token = tokens[i]
        word = token.bare
        lower = word.lower()
        if not word or lower in vocab.keep_words or word.isdigit():
            return None
        stem = name_stem(word, vocab)
        if stem is None and _lowercase_compound(word):
            return None
        if self._username(tokens, i, text):
            return "BRUGERNAVN"
        if not any(ch.isalpha() for ch in word):
            return None
        if stem is None and (
            lower in vocab.place_words
            or without_ascii_spelling(lower) in vocab.place_words
            or lower[:-1] in vocab.keep_words and lower.endswith("s")
        ):
            return None  # "Aarhus", "Roedekro", "Odins"
        strong_cue = _cue_before(tokens, i, text, self.strong)
        relation_cue = _cue_before(tokens, i, text, vocab.relation_cues)
        start = self._sentence_start(tokens, i, text)
        plain = vocab.is_plain_word(lower)
        if stem is not None and stem not in vocab.ambiguous_names:
            return "NAVN" if lower not in vocab.stop_words or token.capitalised and not start else None
        if stem is not None:  # a name that is also an ordinary word: needs context
            if strong_cue:
                return "NAVN"
            if token.capitalised and not start and not token.all_caps and not self._after_place_word(tokens, i, text):
                return "NAVN"  # "hos Sten", not "i Lund"
            if relation_cue:  # "min søn Storm", "min søn storm er 14", not "min datter skriver med"
                return "NAVN" if token.capitalised or self._followed_like_a_subject(tokens, i, text) else None
            if token.capitalised and (self._next_is_name(tokens, i) or self._subject_of_sentence(tokens, i, text)):
                return "NAVN"
            return None
        if lower in vocab.stop_words:
            return None
        if strong_cue and (token.capitalised or not plain):
            return "NAVN"
        if relation_cue and not plain and len(word) > 1 and (
            lower not in vocab.english_words or self._followed_like_a_subject(tokens, i, text)
        ):
            return "NAVN"  # "min søn Oskar", "eleven mahdi", not "my student keeps", "han spiller Modern Warfare"
        if _cue_before(tokens, i, text, self.self_cues):
            return "NAVN" if token.capitalised and not plain else None
        if token.capitalised and not token.all_caps and not plain and not self._place_or_thing(tokens, i, text):
            if not start:
                return "NAVN"
            if self._subject_of_sentence(tokens, i, text) or self._next_is_name(tokens, i):
                return "NAVN"
        return None

    def _subject_of_sentence(self, tokens: list[Token], i: int, text: str) -> bool:
        """The word, with any capitalised name words after it, is followed like a subject:
        "Sten Skov er 16", "Ulv har fået"."""
        last = i
        while last + 1 < len(tokens) and self._adjacent(tokens, last, text) and self._name_word(tokens[last + 1]):
            last += 1
        return self._followed_like_a_subject(tokens, last, text)

    def _name_word(self, token: Token) -> bool:
        """A capitalised word that can be part of a name: a known name or not an ordinary word."""
        lower = token.bare.lower()
        if not token.capitalised or token.all_caps or lower in self.vocab.stop_words or lower in self.vocab.keep_words:
            return False
        if name_stem(token.text, self.vocab) is not None:
            return True
        return not self.vocab.is_plain_word(lower) and not _lowercase_compound(token.bare)

    @staticmethod
    def _after_place_word(tokens: list[Token], i: int, text: str) -> bool:
        """Right after "i", "ved" or "nær": "i Lund", "ved Kvaglund"."""
        return i > 0 and tokens[i - 1].bare.lower() in BEFORE_A_PLACE and text[tokens[i - 1].end : tokens[i].start] == " "

    def _place_or_thing(self, tokens: list[Token], i: int, text: str) -> bool:
        """An unknown capitalised word that reads as a place or a thing, not a person: after "i",
        "ved" or "nær", a street or place name by its ending, a definite compound noun
        ("Mjølnerparken"), or an English word ("Warfare", "Pride")."""
        lower = tokens[i].bare.lower()
        vocab = self.vocab
        if lower in vocab.english_words or self._platform_word(lower):
            return True
        if self._after_place_word(tokens, i, text):
            return True
        if any(lower.endswith(suffix) and len(lower) > len(suffix) + 2 for suffix in vocab.street_suffixes):
            return True
        return len(lower) >= 8 and self._definite_compound(lower)

    def _platform_word(self, lower: str) -> bool:
        """"tiktoker", "youtuberen": a platform's name with a short Danish or English ending."""
        return any(
            lower.startswith(platform) and len(platform) >= 4 and 0 < len(lower) - len(platform) <= 4
            and lower[len(platform):].isalpha()
            for platform in self.vocab.platforms
        )

    def _definite_compound(self, lower: str) -> bool:
        """"gadelandet" = "gade" + "landet": a definite noun whose last part is a Danish word."""
        for ending in DEFINITE_ENDINGS:
            if lower.endswith(ending) and not lower.endswith("sen"):
                head = lower[: -len(ending)]
                return any(head[cut:] in self.vocab.danish_words for cut in range(2, len(head) - 3))
        return False

    @staticmethod
    def _followed_like_a_subject(tokens: list[Token], i: int, text: str) -> bool:
        """"Per er ...", "Karl og ...", "Leon, min søn", "Ali på 14": the word is the subject of its sentence."""
        if i + 1 >= len(tokens):
            return False
        between = text[tokens[i].end : tokens[i + 1].start].strip()
        following = tokens[i + 1].bare.lower()
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if following == "og":  # "Karl og Sten", "Saga og hendes veninde", but not "Mark og skov"
            return not between and after is not None and (after.capitalised or after.bare.lower() in POSSESSIVES)
        if following in BEFORE_AN_AGE_OR_CLASS:  # "Ali på 14", "Lærke i 7.a", "Mark fra mit hold", "Kim fra klubben"
            return not between and after is not None and (
                after.text[:1].isdigit() or after.bare.lower() in POSSESSIVES or following == "fra"
            )
        word = tokens[i].bare.lower()
        if word.endswith("s") and word not in PRONOUN_GENITIVES and following in RELATIONS_AFTER_A_GENITIVE:
            return not between  # "Emils mor", not "Hans mor"
        return between in {",", "("} or (not between and following in FOLLOWS_A_SUBJECT)

    def _next_is_name(self, tokens: list[Token], i: int) -> bool:
        if i + 1 >= len(tokens):
            return False
        following = tokens[i + 1]
        stem = name_stem(following.text, self.vocab)
        return following.capitalised and stem is not None and stem not in self.vocab.ambiguous_names

    def _username(self, tokens: list[Token], i: int, text: str) -> bool:
        """A handle without "@": shaped like one (digits, underscores, inner capitals), or introduced
        by "brugernavn", "gamertag" ..., or followed by "på Discord"."""
        token = tokens[i]
        word = token.text.rstrip(".,")
        if word.lower() in self.vocab.keep_words or word.isdigit():
            return False
        if self._platform_word(word.lower()):
            return False
        shaped = (bool(USERNAME_SHAPE.fullmatch(word)) and not word.isupper()) or _dotted_handle(word)
        if shaped and not re.fullmatch(r"\d+[a-zæøå]{1,4}\.?", word):  # "14år", "9b", "20erne" are not handles
            return True
        cued = _cue_before(tokens, i, text, self.username_cues) or (
            i >= 2 and tokens[i - 1].bare.lower() in {"er", "hedder"}
            and _cue_before(tokens, i - 1, text, self.username_cues)
        )
        if cued and not self.vocab.is_plain_word(word) and name_stem(word, self.vocab) is None:
            return True
        on_platform = (
            i + 2 < len(tokens)
            and tokens[i + 1].bare.lower() in {"på", "on", "i", "inde på"}
            and tokens[i + 2].bare.lower() in self.vocab.platforms
        )
        return on_platform and _cue_before(tokens, i, text, self.strong) and name_stem(word, self.vocab) is None

    def _merge_names(
        self, tokens: list[Token], is_name: list[bool], text: str, protected: Ranges
    ) -> list[Span]:
        """Join a name with the names, particles and unknown capitalised words next to it."""
        def joinable(j: int) -> bool:
            """A capitalised word right after a name is part of it: "Oskar Vinding", "Susanne Skov"."""
            token = tokens[j]
            if protected.contains(token.start, token.bare_end):
                return False
            return token.capitalised and not token.all_caps and token.bare.lower() not in self.vocab.stop_words

        spans = []
        i = 0
        while i < len(tokens):
            if not is_name[i]:
                i += 1
                continue
            first = last = i
            while last + 1 < len(tokens) and self._adjacent(tokens, last, text) and (
                is_name[last + 1] or joinable(last + 1)
                or (tokens[last + 1].bare.lower() in NAME_PARTICLES and last + 2 < len(tokens)
                    and tokens[last + 2].capitalised and self._adjacent(tokens, last + 1, text))
            ):
                last += 1
            spans.append(Span(tokens[first].start, tokens[first].start + len(text[tokens[first].start : tokens[last].end].rstrip(".")), "NAVN"))
            i = last + 1
        return spans

    @staticmethod
    def _adjacent(tokens: list[Token], i: int, text: str) -> bool:
        return text[tokens[i].end : tokens[i + 1].start] == " " if i + 1 < len(tokens) else False


@cache
def name_finder() -> NameFinder:
    return NameFinder(vocabulary())


def find_names_and_usernames(text: str) -> list[Span]:
    return name_finder().find(text)
