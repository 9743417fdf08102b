"""The web app's own Danish messages (data/messages.yml) with the contact facts filled in."""

from functools import cache
from pathlib import Path

import yaml

from bot.knowledge.contacts import contact_variables


@cache
def _messages() -> dict[str, str]:
    raw = yaml.safe_load(Path(__file__).with_name("data").joinpath("messages.yml").read_text(encoding="utf-8"))
    return raw["messages"]


def message(name: str, **variables: object) -> str:
    """The message `name`, e.g. message("waiting", case_code="K7HM-4XRT")."""
    return _messages()[name].format_map({**contact_variables(), **variables})
