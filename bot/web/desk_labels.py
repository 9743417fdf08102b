"""Danish words for the codes a case holds, as the staff desk shows them (data/desk.yml and the
knowledge files), and the outcome codes staff may close a case with."""

from functools import cache
from pathlib import Path

import yaml

from bot.knowledge.answers import age_bands
from bot.knowledge.contacts import contact_routes
from bot.knowledge.signs import sign_groups


@cache
def desk_words() -> dict[str, dict[str, str]]:
    return yaml.safe_load(Path(__file__).with_name("data").joinpath("desk.yml").read_text(encoding="utf-8"))


def outcomes() -> dict[str, str]:
    return desk_words()["outcomes"]


def urgency_rank(urgency: str) -> int:
    """0 for the most urgent; unknown values last."""
    order = list(desk_words()["urgency"])
    return order.index(urgency) if urgency in order else len(order)


@cache
def _labels() -> dict[str, dict[str, str]]:
    words = desk_words()
    return {
        "role": words["roles"],
        "urgency": words["urgency"],
        "status": words["statuses"],
        "audit_action": words["audit_actions"],
        "outcome": words["outcomes"],
        "sign": {group.id: group.label for group in sign_groups().values()},
        "age_band": {band.id: band.label for band in age_bands()},
        "route": {route.id: route.name for route in contact_routes().values()},
    }


def label(kind: str, code: str | None) -> str:
    """The Danish word for `code` of `kind` ("role", "sign", ...); "Ikke oplyst" when unknown."""
    if not code:
        return "Ikke oplyst"
    return _labels()[kind].get(code, code)
