"""How the conversation benchmark judges a played conversation (tests/support/conversations.py),
with the web app replaced by scripted answers: the judge itself, not the assistant, is under test."""

import pytest

from tests.support import conversations
from tests.support.conversations import Reply, play

FYN = "Kontakt infohuset i din politikreds, Fyns Politi, som dækker Odense."
ØSTJYLLAND = "Kontakt infohuset i din politikreds, Østjyllands Politi, som dækker Aarhus."


class ScriptedChat:
    """Answers each message with the next scripted list of texts."""

    script: list[list[str]] = []

    def __init__(self, base_url: str) -> None:
        self.answers = iter(self.script)
        self.notices = 0

    def send(self, text: str) -> list[Reply]:
        return [Reply(answer, "utter_route_infohus") for answer in next(self.answers)]


@pytest.fixture
def chat(monkeypatch):
    monkeypatch.setattr(conversations, "WebChat", ScriptedChat)
    return ScriptedChat


def conversation(covers: list[str]) -> dict:
    return {
        "id": "judge-01",
        "voice": "parent",
        "covers": covers,
        "turns": [
            {"say": "Han bor i Odense."},
            {"say": "Undskyld, han bor i Aarhus.", "expect": ["district:Østjyllands Politi"]},
        ],
        "outcome": {"expect": ["district:Østjyllands Politi"]},
    }


def test_a_corrected_place_may_have_named_the_first_district_before_the_correction(chat):
    chat.script = [[FYN], [ØSTJYLLAND]]
    assert play(conversation(["correction", "district"]), "http://unused").failures == []


def test_without_a_correction_any_other_district_in_the_conversation_fails(chat):
    chat.script = [[FYN], [ØSTJYLLAND]]
    failures = play(conversation(["district"]), "http://unused").failures
    assert failures == ["outcome: district:Østjyllands Politi but also named Fyns Politi"]


def test_a_wrong_district_after_the_correction_still_fails(chat):
    chat.script = [[FYN], [ØSTJYLLAND, FYN]]
    failures = play(conversation(["correction", "district"]), "http://unused").failures
    assert "outcome: district:Østjyllands Politi but also named Fyns Politi" in failures


def only_the_outcome_expects_the_district(covers: list[str]) -> dict:
    """The correction's author put the district in the outcome only, and forbade the first one."""
    judged = conversation(covers)
    judged["turns"][1].pop("expect")
    judged["outcome"]["forbid"] = ["district:Fyns Politi"]
    return judged


def test_without_a_turn_expecting_it_the_advice_after_the_correction_is_judged(chat):
    chat.script = [[FYN], [ØSTJYLLAND]]
    assert play(only_the_outcome_expects_the_district(["correction", "district"]), "http://unused").failures == []
    chat.script = [[ØSTJYLLAND], [FYN]]
    failures = play(only_the_outcome_expects_the_district(["correction", "district"]), "http://unused").failures
    assert failures == ["outcome: district:Østjyllands Politi but also named Fyns Politi",
                        "outcome: forbidden district:Fyns Politi"]


def test_without_a_correction_a_forbidden_district_anywhere_fails(chat):
    chat.script = [[FYN], [ØSTJYLLAND]]
    failures = play(only_the_outcome_expects_the_district(["district"]), "http://unused").failures
    assert "outcome: forbidden district:Fyns Politi" in failures
