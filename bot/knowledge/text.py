"""Text normalisation shared by every matcher, so that 'Køge', 'koege' and 'KØGE' compare equal."""

import re
import unicodedata

_FOLDS = str.maketrans({"å": "aa", "ø": "oe", "æ": "ae", "ä": "ae", "ö": "oe", "ü": "ue"})
_NON_WORD = re.compile(r"[^\w]+")
# A dot after a number does not end the sentence when an ordinal goes on: "den 30. december", "i 9. klasse".
_ORDINAL_GOES_ON = (r"(?i:januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december"
                    r"|klasse|kl|g|årgang|aargang|sal|gang)\b")
_SENTENCE_BREAK = re.compile(rf"(?<=[!?])\s+|(?<=\D\.)\s+|(?<=\d\.)\s+(?!{_ORDINAL_GOES_ON})|\n+")


def fold(text: str) -> str:
    """Lower-case, spell æ/ø/å the way people type them without a Danish keyboard, drop accents."""
    lowered = unicodedata.normalize("NFC", text).lower().translate(_FOLDS)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def word_start_pattern(patterns: list[str]) -> re.Pattern:
    """One regex for a list of patterns, each folded and matched at the start of a word.

    Folding lower-cases the patterns too, so they must not use upper-case escapes (\\W, \\S, \\D).
    """
    alternatives = "|".join(f"(?:{fold(pattern)})" for pattern in patterns)
    return re.compile(rf"(?<!\w)(?:{alternatives})")


def fold_key(text: str) -> str:
    """A folded key with punctuation and spacing collapsed: 'Lyngby-Taarbæk' -> 'lyngby taarbaek'."""
    return _NON_WORD.sub(" ", fold(text)).strip()


_LIST_BREAK = re.compile(r"\s*[,;•]\s*|\s+[-–]\s+")


def list_items(sentence: str) -> list[str]:
    """The items of a sentence that lists observations ("vil have en gruppe udryddet, hylder
    skoleskydere, trussel mod en klassekammerat"): its parts between commas, semicolons, bullets or
    dashes; [] for a sentence with fewer than two parts."""
    items = [item.strip() for item in _LIST_BREAK.split(sentence) if item.strip()]
    return items if len(items) >= 2 else []


def sentences(text: str) -> list[str]:
    """The sentences of a message: split after '.', '!' or '?' followed by a space (not inside a date or
    a class: "30. december", "9. klasse"), and at line breaks."""
    return [sentence.strip() for sentence in _SENTENCE_BREAK.split(text) if sentence.strip()]
