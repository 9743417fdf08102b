"""The Danish anonymiser: replaces personal data with typed placeholders such as [NAVN] or [CPR].

It keeps what staff need to help: relations (søn, elev), ages, kommune and town names, what was
noticed, platforms and public figures. Placeholders already in a text are left as they are, so
anonymising twice changes nothing.
"""

import re
from functools import cache

from bot.privacy.names import find_names_and_usernames
from bot.privacy.patterns import (
    find_addresses,
    find_cpr_numbers,
    find_emails,
    find_handles,
    find_licence_plates,
    find_links,
    find_phone_numbers,
)
from bot.privacy.spans import KINDS, Ranges, Span, resolve_overlaps
from bot.store.settings import settings

PLACEHOLDER = re.compile(r"\[(?:" + "|".join(KINDS) + r")\]")
RECOGNISERS = (
    find_emails,
    find_links,
    find_cpr_numbers,
    find_phone_numbers,
    find_licence_plates,
    find_addresses,
    find_handles,
    find_names_and_usernames,
)


@cache
def _never_personal() -> re.Pattern:
    """Placeholders already in the text, and our own case codes ("K7HM-4XRT")."""
    fmt = settings().case_code
    letters = re.escape(fmt.alphabet)
    case_code = rf"\b[{letters}]{{{fmt.group}}}-[{letters}]{{{fmt.length - fmt.group}}}\b"
    return re.compile(rf"{PLACEHOLDER.pattern}|{case_code}", re.IGNORECASE)


def find_personal_data(text: str) -> list[Span]:
    """Every piece of personal data in `text`, without overlaps, in text order."""
    kept = Ranges([(m.start(), m.end()) for m in _never_personal().finditer(text)])
    spans = [
        span for recognise in RECOGNISERS for span in recognise(text) if not kept.overlaps(span.start, span.end)
    ]
    return resolve_overlaps(spans, text)


def anonymize(text: str) -> str:
    """`text` with each piece of personal data replaced by its placeholder."""
    result = []
    position = 0
    for span in find_personal_data(text):
        result.append(text[position : span.start])
        result.append(f"[{span.kind}]")
        position = span.end
    result.append(text[position:])
    return "".join(result)
