"""The NLU training and held-out data, and where facts may be written."""

import bisect
import difflib
import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge.contacts import contact_routes
from bot.knowledge.places import lookup_place

ROOT = Path(__file__).resolve().parents[1]
UNDERSTANDING = ROOT / "tests" / "understanding"
CONTRACT_INTENTS = {
    "greet", "goodbye", "affirm", "deny", "thank", "bot_challenge", "express_worry", "acute_danger",
    "ask_contact", "request_human", "worry_about_self", "report_incident", "mental_health_crisis", "out_of_scope",
    "english", "start_readiness_check",
}
CLOSED_CLASS = {"greet", "goodbye", "affirm", "deny", "thank"}
FAQ_TOPICS = {
    "infohus", "ssp", "hotline", "extremism", "warning_signs", "not_a_sign", "what_happens", "anonymity",
    "mentor", "online", "action_plan", "municipal_plan", "exit", "duty_to_report", "center",
    "danish_model", "prevention_triangle", "civil_society",
}
ANNOTATION = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))")
ENTITY = re.compile(r'\[([^\]]+)\]\{"entity": "(\w+)", "value": "([^"]+)"\}')
# Held-out text this similar to any text the readers or classifiers learned from, or to the
# development files, is not blind: difflib's ratio on the folded text, without punctuation.
NEAR_DUPLICATE = 0.85
READER_FILES = {"signs": "examples", "urgency": "examples", "ordinary": "sentences", "roles": "examples",
                "incidents": "examples", "places": "examples"}


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


def folder_texts(folder: Path) -> list[str]:
    """Every message of an annotated folder (NLU files and reader files)."""
    texts = [e for path in sorted(folder.glob("nlu*.yml")) for lines in examples(path).values() for e in lines]
    for name, key in READER_FILES.items():
        path = folder / f"{name}.yml"
        if path.exists():
            rows = yaml.safe_load(path.read_text())[key]
            texts += [row if isinstance(row, str) else row["text"] for row in rows]
    return texts


def learned_texts() -> list[str]:
    """Every text the model learns from: Rasa's NLU data and the situation readers' examples."""
    texts = [e for lines in training().values() for e in lines]
    for path in sorted((ROOT / "bot" / "understanding" / "data").glob("*.yml")):
        texts += [row["text"] for row in yaml.safe_load(path.read_text()).get("examples") or []]
    return texts


def near_duplicates(texts: list[str], others: list[str]) -> list[tuple[str, str]]:
    """Pairs at least NEAR_DUPLICATE similar. Only lengths that can reach it are compared."""
    by_length = sorted((len(p), p) for p in {plain(o) for o in others})
    lengths = [length for length, _ in by_length]
    pairs = []
    for text in texts:
        mine = plain(text)
        low = bisect.bisect_left(lengths, len(mine) * NEAR_DUPLICATE / (2 - NEAR_DUPLICATE))
        high = bisect.bisect_right(lengths, len(mine) * (2 - NEAR_DUPLICATE) / NEAR_DUPLICATE)
        matcher = difflib.SequenceMatcher(None, "", mine)
        for _, other in by_length[low:high]:
            matcher.set_seq1(other)
            if matcher.real_quick_ratio() >= NEAR_DUPLICATE and matcher.quick_ratio() >= NEAR_DUPLICATE \
                    and matcher.ratio() >= NEAR_DUPLICATE:
                pairs.append((text, other))
                break
    return pairs


def test_every_contract_intent_has_30_examples_and_every_faq_topic_15():
    counts = {intent: len(lines) for intent, lines in training().items()}
    assert {i for i in counts if i.startswith("faq/")} == {f"faq/{t}" for t in FAQ_TOPICS}
    for intent in CONTRACT_INTENTS:
        assert counts.get(intent, 0) >= 30, intent
    for topic in FAQ_TOPICS:
        assert counts.get(f"faq/{topic}", 0) >= 15, topic


def test_the_held_out_file_has_4_examples_per_intent_and_topic():
    # Greetings, yes, no and thanks are a closed class of short phrases: most blind ones ("hej",
    # "ja tak") are near-duplicates of training examples and were left out, so one each suffices.
    counts = {intent: len(lines) for intent, lines in examples(UNDERSTANDING / "heldout" / "nlu.yml").items()}
    for intent in CONTRACT_INTENTS | {f"faq/{t}" for t in FAQ_TOPICS}:
        assert counts.get(intent, 0) >= (1 if intent in CLOSED_CLASS else 4), intent


def test_the_held_out_files_share_nothing_with_what_was_learned_or_studied():
    held_out = folder_texts(UNDERSTANDING / "heldout")
    assert len(held_out) >= 1500
    studied = learned_texts() + folder_texts(UNDERSTANDING / "dev")
    assert not near_duplicates(held_out, studied)


def test_the_near_duplicate_check_can_fail():
    assert near_duplicates(["Min søn er blevet meget vred på alle!"], ["min søn er blevet meget vred på alle"])
    assert near_duplicates(["han truer sin lærer"], ["hun truer sin lærer"])
    assert not near_duplicates(["han truer sin lærer"], ["vi skal til stranden i morgen"])


def test_no_example_is_labelled_with_two_intents():
    owners: dict[str, set[str]] = {}
    for intent, lines in training().items():
        for example in lines:
            owners.setdefault(plain(example), set()).add(intent)
    assert not {text: intents for text, intents in owners.items() if len(intents) > 1}


def test_annotated_places_agree_with_the_places_data():
    for text, entity, value in ENTITY.findall((ROOT / "data" / "nlu" / "worry.yml").read_text()):
        assert entity == "kommune"
        match = lookup_place(text)
        assert match is not None and match.kommune == value, (text, value)


# -- facts live in one data file ------------------------------------------------------------------

FACT_FILE = ROOT / "bot" / "knowledge" / "data" / "contacts.yml"
# Files whose text users or code see. NLU examples are user text and may mention numbers.
SCANNED_SUFFIXES = {".py", ".yml", ".md", ".sh", ".js", ".html", ".css"}  # code, data, docs, web pages
SCANNED = ["domain.yml", "config.yml", "endpoints.yml", "actions", "bot", "rasa_components", "scripts", "README.md"]
# The situation readers' training examples are user text, like the NLU examples.
USER_TEXT = ROOT / "bot" / "understanding" / "data"


def scanned_files():
    for entry in SCANNED:
        path = ROOT / entry
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in SCANNED_SUFFIXES)
        yield from (f for f in files if f != FACT_FILE and USER_TEXT not in f.parents)


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
