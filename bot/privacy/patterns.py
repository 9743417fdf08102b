"""Recognisers for personal data with a fixed shape: e-mail, links, CPR, phone, licence plate,
handles and street addresses. Each returns the spans it finds in a text."""

import re
from datetime import date
from functools import cache

from bot.privacy.spans import LETTER, Span
from bot.privacy.vocabulary import vocabulary

TRAILING_PUNCTUATION = ".,;:!?)]}'\"»”"

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
LINK = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"]+"
    r"|\b(?:[\w-]{1,63}\.){1,8}(?:dk|com|org|net|gg|me|io|tv|eu|info|se|no|de|uk|co|ly|app|xyz|ru|be|nu|to|link|ws)/[^\s<>\"]*",
    re.IGNORECASE,
)
HANDLE = re.compile(  # @x, Reddit u/x, Discord name#1234
    r"(?<![\w@.])@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}|(?<![\w/])u/[A-Za-z0-9_-]{3,}|(?<![\w@.#])[\w.]{2,32}#\d{4}(?!\d)"
)
CPR = re.compile(r"(?<![\d-])(\d{2})(\d{2})(\d{2})[- ]?\d{4}(?![\d-])")
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?45[\s-]?)?"
    r"(?:[2-9]\d[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}|[2-9]\d{3}[\s-]\d{4})(?![\w])"
)
PLATE = re.compile(r"(?<![\w])([A-Za-z]{2})[\s-]?\d{2}\s?\d{3}(?![\w])")
PLATE_CUE = re.compile(
    r"(?:nummerplade\w*|plade\w*|reg\.?\s?nr\.?|registreringsnummer\w*|bil\w*|nummer\w*)\W*$", re.IGNORECASE
)
# A house number that is really a count: "i haven 3 gange", "på vej 2 år".
NOT_A_HOUSE_NUMBER = (
    rf"(?!\s*(?:(?:dage|dag|gange|gang|år|timer|time|uger|uge|måneder|måned|kr|minutter|min|klasse|personer"
    rf"|børn|elever|drenge|piger|venner|af|ud|til|om|procent|km|meter|m)(?![{LETTER}])|%|[/:.,]\d))"
)
STOREY = r"(?:,?\s*(?:st\.?|stuen|kl\.?|\d{1,2}\.?\s*(?:sal|th|tv|mf)\.?|\d{1,2}\.(?=\s*(?:,|$|th|tv|mf))))"
SIDE = r"(?:,?\s*(?:th|tv|mf)\.?)"
FLOOR_SPEC = rf"(?:{STOREY}{SIDE}?|{SIDE})(?![{LETTER}])"  # "2. th.", "st.", "1. sal", "tv"
FLOOR = rf"(?:{FLOOR_SPEC})?"
TOWN = rf"\d{{4}}\s+[{LETTER}][{LETTER}-]+(?:\s(?:[A-ZÆØÅ]{{1,2}}|[A-ZÆØÅ][{LETTER}]+)(?![{LETTER}]))?"  # 8260 Viby J
POSTCODE_TOWN = rf"(?:,?\s*{TOWN})?"
HOUSE_NUMBER = rf"\s+\d{{1,4}}(?!\d)(?:(?:[A-Za-z]|\s[A-Z])(?![{LETTER}]))?{NOT_A_HOUSE_NUMBER}"  # 12B, 12 B
# Words before a street that has no street ending: "på Stien 4", "ved Torvet 2", "under Ved Stranden 3".
STREET_PREPOSITIONS = r"på|ved|til|hos|under|fra|mod|over|bag|overfor|nær"
STRONG_SUFFIXES = ("gade", "vej", "allé", "alle", "stræde", "plads", "boulevard", "vænget", "vænge", "torv")


def _strip_trailing(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in TRAILING_PUNCTUATION:
        end -= 1
    return start, end


def find_emails(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "EMAIL") for m in EMAIL.finditer(text)]


def find_links(text: str) -> list[Span]:
    return [Span(*_strip_trailing(text, m.start(), m.end()), "LINK") for m in LINK.finditer(text)]


def find_handles(text: str) -> list[Span]:
    return [Span(*_strip_trailing(text, m.start(), m.end()), "BRUGERNAVN") for m in HANDLE.finditer(text)]


def _is_date(day: str, month: str, year: str) -> bool:
    try:
        date(2000 + int(year), int(month), int(day))  # 29 February: a leap year is always possible
    except ValueError:
        return False
    return True


def find_cpr_numbers(text: str) -> list[Span]:
    """Ten digits that begin with a real date (modulus 11 is not required since 2007)."""
    return [Span(m.start(), m.end(), "CPR") for m in CPR.finditer(text) if _is_date(*m.groups())]


def find_phone_numbers(text: str) -> list[Span]:
    """Danish eight-digit numbers, optionally with +45/0045; public service numbers are kept."""
    public = vocabulary().public_numbers
    spans = []
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if digits[-8:] not in public:
            spans.append(Span(match.start(), match.end(), "TELEFON"))
    return spans


def find_licence_plates(text: str) -> list[Span]:
    """Two letters and five digits; lowercase letters only when they are not a Danish word ("på 12 345")."""
    vocab = vocabulary()
    return [
        Span(m.start(), m.end(), "NUMMERPLADE")
        for m in PLATE.finditer(text)
        if m.group(1).isupper() or not vocab.is_plain_word(m.group(1)) or PLATE_CUE.search(text[: m.start()])
    ]


@cache
def _address_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    vocab = vocabulary()
    suffixes = "|".join(sorted(vocab.street_suffixes, key=len, reverse=True))
    strong = "|".join(STRONG_SUFFIXES)
    capital_word = rf"[A-ZÆØÅ][{LETTER}.'’-]*\.?"
    word_before = rf"(?:(?!(?:{STREET_PREPOSITIONS}|i|og|bor)\s)[{LETTER}]+\s)?"  # "søndre allé", not "på allé"
    street = (
        rf"(?:(?:{capital_word}\s){{0,3}}[A-ZÆØÅ][{LETTER}'’-]*?(?:{suffixes})"      # Nørregade, Gammel Kongevej
        rf"|(?:{capital_word}\s){{1,3}}(?:{suffixes.title()})"       # Dronning Louises Vej
        rf"|{word_before}[a-zæøå][{LETTER}'’-]+?(?:{strong})"      # nørregade, søndre allé
        rf"|{word_before}(?:{strong}))"
    )
    by_suffix = re.compile(rf"(?<![{LETTER}]){street}{HOUSE_NUMBER}{FLOOR}{POSTCODE_TOWN}")
    cues = "|".join(re.escape(cue) for cue in sorted(vocab.address_cues, key=len, reverse=True))
    by_cue = re.compile(
        rf"(?i:\b(?:{cues})\s+)(?P<address>[{LETTER}][{LETTER}.'’-]+(?:\s[{LETTER}][{LETTER}.'’-]+){{0,2}}"
        rf"{HOUSE_NUMBER}{FLOOR}{POSTCODE_TOWN})"
    )
    any_street = rf"(?:(?:{capital_word}\s){{0,2}}[A-ZÆØÅ][{LETTER}'’-]+|[a-zæøå][{LETTER}'’-]*?(?:{suffixes}))"
    by_floor_or_postcode = re.compile(  # "Skovbrynet 9, 4000 Roskilde", "Ruten 40, st. th.", "kirkebakken 12, 7100 vejle"
        rf"(?<![{LETTER}.]){any_street}{HOUSE_NUMBER}(?:{FLOOR_SPEC}{POSTCODE_TOWN}|{FLOOR},?\s*{TOWN})"
    )
    by_preposition = re.compile(  # a definite street name after "på", "ved" ...: "på Stien 4", "ved Torvet 2"
        rf"(?<![{LETTER}])(?i:{STREET_PREPOSITIONS})\s+(?P<address>(?:(?:{capital_word}\s){{0,2}}"
        rf"[A-ZÆØÅ][{LETTER}'’-]+(?:en|et|ne)|(?:[a-zæøå][{LETTER}'’-]*?)?(?:{suffixes})){HOUSE_NUMBER}{FLOOR}{POSTCODE_TOWN})"
    )
    return by_suffix, by_cue, by_floor_or_postcode, by_preposition


def find_addresses(text: str) -> list[Span]:
    """Street, house number, floor and side, postcode and town, found by the street's ending, by a
    cue such as "bor på", by the floor or postcode that follows, or by a preposition before a
    definite street name."""
    by_suffix, by_cue, by_floor_or_postcode, by_preposition = _address_patterns()
    spans = [
        Span(*_strip_trailing(text, m.start(), m.end()), "ADRESSE")
        for pattern in (by_suffix, by_floor_or_postcode)
        for m in pattern.finditer(text)
    ]
    stop_words = vocabulary().stop_words
    spans += [
        Span(*_strip_trailing(text, m.start("address"), m.end("address")), "ADRESSE")
        for pattern in (by_cue, by_preposition)
        for m in pattern.finditer(text)
        if m.group("address").split()[0] not in stop_words  # "fra omkring 2015", but "under Ved Stranden 3"
    ]
    return spans
