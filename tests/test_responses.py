"""Responses: one file holds them all, every placeholder is filled the way Rasa fills it, every
response the actions send exists, FAQ answers are short."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import UNFILLED

from actions.messages import PLACEHOLDER, button_payloads, interpolate, placeholders, render, response_values, responses
from bot.knowledge.contacts import contact_variables
from scripts.validate_data import sent_by_actions
from tests.support.conversations import response_name

ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
# Values that actions pass with the responses they send, besides the contact facts.
ACTION_VARIABLES = {"sign_labels", "not_sign_labels", "police_district", "kommune", "kommune_phrase", "intent_label",
                    "affirm_payload", "case_code", "resolved_days", "unclaimed_days", "place",
                    "readiness_list", "readiness_steps", "readiness_answers"}


# Rasa's own NLG on domain.yml, every slot empty: what it sends of each response with the values given.
RASA_RENDERS = """
import json, sys
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
domain = Domain.load(sys.argv[1])
generator = TemplatedNaturalLanguageGenerator(domain.responses)
slots = {slot.name: None for slot in domain.slots}
values = json.load(sys.stdin)
print(json.dumps({name: generator.generate_from_slots(name, slots, "rest", **values[name]) for name in values}))
"""


def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text())


def filled(name: str):
    """(template, as sent) for each string of a response that Rasa fills, with the values actions pass."""
    variation = responses()[name][0]
    sent = render(name, **response_values(name, **{variable: "x" for variable in ACTION_VARIABLES}))
    yield variation["text"], sent["text"]
    for button, shown in zip(variation.get("buttons", []), sent.get("buttons", []), strict=True):
        yield button["title"], shown["title"]
        yield button["payload"], shown["payload"]


def test_no_other_file_holds_responses():
    assert not list((ROOT / "actions").glob("*.yml"))


@pytest.mark.parametrize("name", list(responses()))
def test_every_response_is_sent_with_every_placeholder_filled_and_no_doubled_brace(name):
    assert len(responses()[name]) == 1, "one variation: render() and the tests read the first"
    for template, sent in filled(name):
        assert not UNFILLED.search(sent), sent
        # Rasa leaves a string whole when a placeholder has no value, and logs an exception.
        assert not (PLACEHOLDER.search(template) and sent == template), f"not filled: {template}"


def test_rasa_fills_the_responses_it_sends_itself_from_the_contact_slots():
    """A response of a story or rule gets no values from an action: only the contact facts, which
    action_session_start sets as slots, may fill it."""
    slots = set(domain()["slots"])
    for name in set(responses()) - sent_by_actions():
        assert placeholders(name) <= set(contact_variables()) & slots, name


def test_every_contact_fact_set_at_session_start_is_a_slot():
    """actions/session.py sets a slot per contact variable; Rasa rejects a slot the domain lacks."""
    assert set(contact_variables()) <= set(domain()["slots"])


def test_every_placeholder_is_a_contact_fact_or_a_value_that_actions_pass():
    for name in responses():
        assert placeholders(name) <= set(contact_variables()) | ACTION_VARIABLES, name


def test_every_response_that_actions_send_is_in_the_domain():
    assert sent_by_actions() <= set(responses())


def test_faq_answers_are_short():
    """Short sentences (tests/test_plain_language.py) and a short answer: at most 140 words."""
    for name, variations in responses().items():
        if name.startswith("utter_faq/"):
            sentences = [s for s in re.split(r"(?<=[^\d\s][.!?])\s+", variations[0]["text"].strip()) if s]
            assert len(sentences) >= 2 and len(re.findall(r"\w+", variations[0]["text"])) <= 140, name


def test_every_faq_topic_has_an_answer():
    topics = {i["intent"] for i in yaml.safe_load((ROOT / "data" / "nlu" / "faq.yml").read_text())["nlu"]}
    assert {f"utter_{t}" for t in topics} <= set(responses())


def test_the_conversation_harness_traces_every_response_back_to_its_name():
    for name in responses():
        _, text = next(filled(name))
        assert response_name(text) == name


def test_a_button_payload_with_an_entity_is_sent_with_single_braces():
    """domain.yml doubles them: Rasa's interpolation then sends them single, and logs nothing."""
    assert '/express_worry{"role": "parent"}' in button_payloads("utter_ask_role")


def test_the_rendering_keeps_rasas_rules_for_braces_and_missing_values():
    assert interpolate("Ring {emergency_number}.", {"emergency_number": "112"}) == "Ring 112."
    assert interpolate('/express_worry{{"role": "parent"}}', {}) == '/express_worry{"role": "parent"}'
    # Single braces come out the same, but Rasa takes them for a placeholder and logs an exception.
    assert interpolate('/express_worry{"role": "parent"}', {}) == '/express_worry{"role": "parent"}'
    # One placeholder without a value, and the whole string is sent unfilled.
    assert interpolate("{emergency_number} og {police_number}", {"police_number": "114"}) == \
        "{emergency_number} og {police_number}"


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="Rasa's environment (.venv-rasa) is made by make test")
def test_rasa_sends_every_response_as_our_rendering_has_it_and_logs_no_error():
    """Rasa 3.6's NLG itself, given the values the actions pass: what the action tests see is what users get."""
    values = {name: response_values(name, **{variable: f"[{variable}]" for variable in ACTION_VARIABLES})
              for name in responses()}
    result = subprocess.run([str(RASA_PYTHON), "-c", RASA_RENDERS, str(ROOT / "domain.yml")], input=json.dumps(values),
                            capture_output=True, text=True, check=True, cwd=ROOT,
                            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    assert "interpolator" not in result.stdout + result.stderr
    sent = json.loads(result.stdout.strip().splitlines()[-1])
    assert sent == {name: render(name, **values[name]) for name in responses()}
