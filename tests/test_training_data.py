"""The NLU training and held-out data, and where facts may be written."""

import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge.contacts import contact_routes
from bot.knowledge.places import lookup_place

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_INTENTS = {
    "greet", "goodbye", "affirm", "deny", "thank", "bot_challenge", "express_worry", "inform_role",
    "inform_municipality", "describe_sign", "acute_danger", "ask_contact", "request_human",
    "worry_about_self", "out_of_scope",
}
FAQ_TOPICS = {
    "infohus", "ssp", "hotline", "extremism", "warning_signs", "not_a_sign", "what_happens", "anonymity",
    "mentor", "online", "action_plan", "municipal_plan", "exit", "duty_to_report", "center",
}
ANNOTATION = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))")
ENTITY = re.compile(r'\[([^\]]+)\]\{"entity": "(\w+)", "value": "([^"]+)"\}')


def examples(path: Path) -> dict[str, list[str]]:
    by_intent: dict[str, list[str]] = {}
    for block in yaml.safe_load(path.read_text())["nlu"]:
        if "intent" in block:
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")]
            by_intent.setdefault(block["intent"], []).extend(lines)
    return by_intent


def training() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for intent, lines in examples(path).items():
            merged.setdefault(intent, []).extend(lines)
    return merged


def plain(example: str) -> str:
    return re.sub(r"\W+", " ", ANNOTATION.sub(r"\1", example)).strip().casefold()


def test_every_contract_intent_has_30_examples_and_every_faq_topic_15():
    counts = {intent: len(lines) for intent, lines in training().items()}
    for intent in CONTRACT_INTENTS:
        assert counts.get(intent, 0) >= 30, intent
    for topic in FAQ_TOPICS:
        assert counts.get(f"faq/{topic}", 0) >= 15, topic


def test_the_held_out_file_has_8_examples_per_intent_and_topic():
    counts = {intent: len(lines) for intent, lines in examples(ROOT / "tests" / "nlu_holdout.yml").items()}
    for intent in CONTRACT_INTENTS | {f"faq/{t}" for t in FAQ_TOPICS}:
        assert counts.get(intent, 0) >= 8, intent


def test_no_held_out_example_is_in_the_training_data():
    trained = {plain(e) for lines in training().values() for e in lines}
    held_out = [e for lines in examples(ROOT / "tests" / "nlu_holdout.yml").values() for e in lines]
    assert not [e for e in held_out if plain(e) in trained]


def test_no_example_is_labelled_with_two_intents():
    owners: dict[str, set[str]] = {}
    for intent, lines in training().items():
        for example in lines:
            owners.setdefault(plain(example), set()).add(intent)
    assert not {text: intents for text, intents in owners.items() if len(intents) > 1}


@pytest.mark.parametrize("path", ["data/nlu/worry.yml", "tests/nlu_holdout.yml"])
def test_annotated_places_agree_with_the_places_data(path):
    for text, entity, value in ENTITY.findall((ROOT / path).read_text()):
        if entity == "kommune":
            match = lookup_place(text)
            assert match is not None and match.kommune == value, (text, value)
        else:
            assert entity == "role" and value in {"parent", "relative", "school_staff", "professional"}, (text, value)


# -- facts live in one data file ------------------------------------------------------------------

FACT_FILE = ROOT / "bot" / "knowledge" / "data" / "contacts.yml"
# Files whose text users or code see. NLU examples are user text and may mention numbers.
SCANNED_SUFFIXES = {".py", ".yml", ".md", ".sh", ".js", ".html", ".css"}  # code, data, docs, web pages
SCANNED = ["domain.yml", "config.yml", "endpoints.yml", "actions", "bot", "rasa_components", "scripts", "README.md"]


def scanned_files():
    for entry in SCANNED:
        path = ROOT / entry
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in SCANNED_SUFFIXES)
        yield from (f for f in files if f != FACT_FILE)


def test_no_phone_number_or_opening_hour_outside_the_contacts_file():
    numbers = {c.number for c in contact_routes().values() if c.number}
    numbers |= {c.general_number for c in contact_routes().values() if c.general_number}
    digits = {re.sub(r"\D", "", n) for n in numbers}
    hours = {c.hours.text_da for c in contact_routes().values() if c.hours}
    number_like = re.compile(r"(?<![\d.])(\d[\d ]{1,12}\d)(?![\d.])")
    offenders = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8")
        found = {m for m in number_like.findall(text) if re.sub(r"\D", "", m) in digits}
        found |= {h for h in hours if h in text}
        found |= set(re.findall(r"kl\. ?\d{1,2}(?:[-–.]\d{1,2})?", text))
        if found:
            offenders.append((str(path.relative_to(ROOT)), sorted(found)))
    assert not offenders
