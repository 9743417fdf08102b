"""Maps a free-text description of what someone has noticed to the warning-sign groups.

The groups and their word patterns live in data/signs.yml (from DOMAIN.md). The result never
scores or profiles a person: it only tells which kind of advice fits.
"""

import re
from dataclasses import dataclass, field
from functools import cache

from bot.knowledge.loading import load_data
from bot.knowledge.text import fold, word_start_pattern

SEVERITIES = ("serious", "combination", "not_a_sign")


@dataclass(frozen=True)
class SignGroup:
    """One group of warning signs, e.g. 'threats' among the serious signs."""

    id: str
    severity: str
    label: str
    pattern: re.Pattern


@dataclass(frozen=True)
class SignFindings:
    """Which sign groups a message mentions, split by severity."""

    serious: tuple[str, ...] = ()
    combination: tuple[str, ...] = ()
    not_a_sign: tuple[str, ...] = ()
    all_ids: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.all_ids


@cache
def sign_groups() -> dict[str, SignGroup]:
    """Every sign group keyed by id, in the order of the data file."""
    raw = load_data("signs")
    return {
        entry["id"]: SignGroup(entry["id"], severity, entry["label"], word_start_pattern(entry["patterns"]))
        for severity in SEVERITIES
        for entry in raw[severity]
    }


def findings_from_ids(ids: list[str] | tuple[str, ...]) -> SignFindings:
    """Rebuild findings from stored sign-group ids, ignoring ids that no longer exist."""
    groups = sign_groups()
    known = tuple(dict.fromkeys(i for i in ids if i in groups))
    by_severity = {severity: tuple(i for i in known if groups[i].severity == severity) for severity in SEVERITIES}
    return SignFindings(**by_severity, all_ids=known)


def classify_signs(text: str) -> SignFindings:
    """The sign groups a message mentions."""
    folded = fold(text)
    return findings_from_ids([group.id for group in sign_groups().values() if group.pattern.search(folded)])


def labels(ids: tuple[str, ...] | list[str]) -> list[str]:
    """Danish labels for sign-group ids, for users and staff."""
    groups = sign_groups()
    return [groups[i].label for i in ids if i in groups]
