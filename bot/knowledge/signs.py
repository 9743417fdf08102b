"""The warning-sign groups of DOMAIN.md, and what a set of them means for the advice.

The groups live in data/signs.yml. Which groups a message mentions is read by the trained sign
reader (bot/understanding); this module only knows the groups. The result never scores or
profiles a person: it only tells which kind of advice fits.
"""

from dataclasses import dataclass, field
from functools import cache

from bot.knowledge.loading import load_data

SEVERITIES = ("serious", "combination", "not_a_sign")


@dataclass(frozen=True)
class SignGroup:
    """One group of warning signs, e.g. 'threats' among the serious signs."""

    id: str
    severity: str
    label: str
    crime: bool


@dataclass(frozen=True)
class SignFindings:
    """Which sign groups a conversation mentions, split by severity."""

    serious: tuple[str, ...] = ()
    combination: tuple[str, ...] = ()
    not_a_sign: tuple[str, ...] = ()
    all_ids: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.all_ids

    @property
    def of_concern(self) -> bool:
        """Whether any group is a sign (serious or in combination), not only faith, opinions or sadness."""
        return bool(self.serious or self.combination)

    @property
    def worth_local_help(self) -> bool:
        """Whether the signs call for the local routes (SSP, the infohus, an underretning): a serious
        sign, or combination signs told together (DOMAIN.md: they matter only with others); one
        change alone is "rarely reason for great worry", as its assessment says."""
        return bool(self.serious) or len(self.combination) >= load_data("signs")["changes_together"]

    @property
    def several_changes(self) -> bool:
        """Whether enough combination signs are told together to be worth advice on their own."""
        return len(self.combination) >= load_data("signs")["several_changes"]

    @property
    def describe_a_crime(self) -> bool:
        """Whether any group describes a crime (violence, threats, weapons, vandalism)."""
        groups = sign_groups()
        return any(groups[i].crime for i in self.all_ids)


@cache
def sign_groups() -> dict[str, SignGroup]:
    """Every sign group keyed by id, in the order of the data file."""
    raw = load_data("signs")
    return {
        entry["id"]: SignGroup(entry["id"], severity, entry["label"], bool(entry.get("crime")))
        for severity in SEVERITIES
        for entry in raw[severity]
    }


def findings_from_ids(ids: list[str] | tuple[str, ...]) -> SignFindings:
    """Findings from sign-group ids, ignoring ids that no longer exist."""
    groups = sign_groups()
    known = tuple(dict.fromkeys(i for i in ids if i in groups))
    by_severity = {severity: tuple(i for i in known if groups[i].severity == severity) for severity in SEVERITIES}
    return SignFindings(**by_severity, all_ids=known)


def labels(ids: tuple[str, ...] | list[str]) -> list[str]:
    """Danish labels for sign-group ids, for users and staff."""
    groups = sign_groups()
    return [groups[i].label for i in ids if i in groups]
