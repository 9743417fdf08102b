"""Responses: every placeholder is filled, every message is used, FAQ answers are short."""

import re
from pathlib import Path

import yaml

from actions.messages import render, responses
from bot.knowledge.contacts import contact_variables

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
# Variables that actions pass besides the contact facts.
ACTION_VARIABLES = {"sign_labels", "not_sign_labels", "police_district", "kommune", "kommune_phrase", "intent_label", "affirm_payload",
                    "case_code", "resolved_days", "unclaimed_days", "place"}
# Variables that actions pass to the domain responses they send (the readiness check's lists).
DOMAIN_ACTION_VARIABLES = {"readiness_list", "readiness_steps", "readiness_answers"}


def domain_responses():
    return yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]


def all_texts(variations):
    for variation in variations:
        yield variation["text"]
        for button in variation.get("buttons", []):
            yield button["title"]
            yield button["payload"]


def test_domain_placeholders_are_slots_set_at_session_start():
    slots = set(yaml.safe_load((ROOT / "domain.yml").read_text())["slots"])
    for name, variations in domain_responses().items():
        for text in all_texts(variations):
            for placeholder in PLACEHOLDER.findall(text):
                assert placeholder in DOMAIN_ACTION_VARIABLES or (
                    placeholder in contact_variables() and placeholder in slots), (name, placeholder)


def test_every_contact_fact_set_at_session_start_is_a_slot():
    """actions/session.py sets a slot per contact variable; Rasa rejects a slot the domain lacks."""
    slots = set(yaml.safe_load((ROOT / "domain.yml").read_text())["slots"])
    assert set(contact_variables()) <= slots


def test_action_message_placeholders_are_known():
    known = set(contact_variables()) | ACTION_VARIABLES
    for name, variations in responses().items():
        for text in all_texts(variations):
            assert set(PLACEHOLDER.findall(text)) <= known, name


def test_every_action_message_is_sent_by_some_action():
    source = "\n".join(p.read_text() for p in (ROOT / "actions").glob("*.py"))
    used = set(re.findall(r'"(utter_[a-z_]+)"', source))
    used |= {f"utter_ask_{slot}" for slot in ("role", "kommune", "age_band", "signs")}
    used |= {f"utter_route_{r}" for r in ("emergency", "hotline", "school_leadership", "underretning", "center", "exit_help",
                                          "police", "victim_support", "ssp_plus", "school")}
    assert set(responses()) == used - set(domain_responses())  # actions send domain responses too


def test_rendering_fills_every_placeholder():
    variables = {name: "x" for name in ACTION_VARIABLES}
    for name in responses():
        rendered = render(name, **variables)
        assert not PLACEHOLDER.search(rendered["text"]), name


def test_faq_answers_are_short():
    """Short sentences (tests/test_plain_language.py) and a short answer: at most 140 words."""
    for name, variations in domain_responses().items():
        if name.startswith("utter_faq/"):
            sentences = [s for s in re.split(r"(?<=[^\d\s][.!?])\s+", variations[0]["text"].strip()) if s]
            assert len(sentences) >= 2 and len(re.findall(r"\w+", variations[0]["text"])) <= 140, name


def test_every_faq_topic_has_an_answer():
    topics = {i["intent"] for i in yaml.safe_load((ROOT / "data" / "nlu" / "faq.yml").read_text())["nlu"]}
    assert {f"utter_{t}" for t in topics} <= set(domain_responses())
