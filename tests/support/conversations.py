"""The conversation benchmark: whole conversations played through the public web app and judged.

A conversation file (tests/conversations/*.yml, format in tests/conversations/README.md) holds what
a user types and tags for what the answers must and must not contain. Each answer is traced back
to the response that produced it (the templates in domain.yml), and the tags name responses
(tests/conversations/tags.yml), so a change of wording does not break a test while a change of
meaning does.
"""

import json
import re
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from bot.knowledge.places import police_districts

ROOT = Path(__file__).resolve().parents[2]
TAGS_FILE = ROOT / "tests" / "conversations" / "tags.yml"
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_SPACES = re.compile(r"\s+")
INTRO = ("utter_intro", "utter_privacy_notice")
QUESTIONS = {"utter_ask_role": "role", "utter_ask_kommune": "kommune", "utter_ask_kommune_unclear": "kommune",
             "utter_ask_kommune_en": "kommune",
             "utter_ask_age_band": "age", "utter_ask_signs": "signs"}
DONT_KNOW = "ved ikke"
MAX_QUESTIONS = 8


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


@cache
def _templates() -> list[tuple[str, re.Pattern]]:
    """(response name, pattern) for every response the assistant can send, longest text first."""
    raw = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    templates = []
    for name, variants in raw.items():
        for variant in variants:
            pieces = _PLACEHOLDER.split(_normal(variant["text"].replace("{{", "{").replace("}}", "}")))
            templates.append((name, re.compile(".+?".join(re.escape(piece) for piece in pieces), re.DOTALL)))
    return sorted(templates, key=lambda item: -len(item[1].pattern))


def response_name(text: str) -> str | None:
    """The response that produced this answer, or None (a notice from the web app, say)."""
    normal = _normal(text)
    return next((name for name, pattern in _templates() if pattern.fullmatch(normal)), None)


@cache
def tag_responses() -> dict[str, frozenset[str]]:
    """Tag -> the responses that satisfy it (tests/conversations/tags.yml)."""
    return {tag: frozenset(names) for tag, names in yaml.safe_load(TAGS_FILE.read_text(encoding="utf-8")).items()}


@cache
def district_names() -> tuple[str, ...]:
    return tuple(district.name for district in police_districts().values())


@dataclass
class Reply:
    text: str
    response: str | None

    @property
    def is_intro(self) -> bool:
        return self.response in INTRO


@dataclass
class Turn:
    user: str
    replies: list[Reply]


@dataclass
class Outcome:
    conversation: dict
    turns: list[Turn] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notices: int = 0

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def harm_guard(self) -> bool:
        return bool(self.conversation.get("harm_guard"))

    def transcript(self) -> str:
        lines = []
        for turn in self.turns:
            lines.append(f"    > {turn.user[:160]}")
            lines += [f"      [{reply.response or '?'}] {reply.text[:110]}" for reply in turn.replies if not reply.is_intro]
        return "\n".join(lines)


def validate(conversations: list[dict]) -> list[str]:
    """Problems with a conversation file: unknown tags, missing fields, duplicate ids."""
    problems, ids = [], Counter(c.get("id") for c in conversations)
    problems += [f"duplicate id {cid}" for cid, count in ids.items() if count > 1]
    for conversation in conversations:
        cid = conversation.get("id")
        if not conversation.get("turns"):
            problems.append(f"{cid}: no turns")
        tags = list((conversation.get("outcome") or {}).get("expect") or []) + list(
            (conversation.get("outcome") or {}).get("forbid") or [])
        for turn in conversation.get("turns") or []:
            if isinstance(turn, dict):
                tags += list(turn.get("expect") or []) + list(turn.get("forbid") or [])
            elif turn != "answer_questions":
                problems.append(f"{cid}: unknown step {turn!r}")
        problems += [f"{cid}: unknown tag {tag!r}" for tag in tags if not _known_tag(tag)]
    return problems


def _known_tag(tag: str) -> bool:
    if tag.startswith("district:"):
        return tag.removeprefix("district:") in district_names()
    return tag in tag_responses()


def _satisfied(tag: str, replies: list[Reply], first_answer: bool = False) -> bool:
    answers = [reply for reply in replies if not reply.is_intro]
    if tag.startswith("district:"):
        return any(tag.removeprefix("district:") in reply.text for reply in answers)
    names = tag_responses()[tag]
    if tag == "alarm" and first_answer:
        return bool(answers) and answers[0].response in names
    return any(reply.response in names for reply in answers)


def _other_districts(tag: str, replies: list[Reply]) -> list[str]:
    expected = tag.removeprefix("district:")
    return [name for name in district_names() if name != expected and any(name in reply.text for reply in replies)]


def _names_a_district(replies: list[Reply]) -> bool:
    return any(name in reply.text for name in district_names() for reply in replies)


def _check(where: str, expect: list[str], forbid: list[str], replies: list[Reply], turn_level: bool,
           sole_district_in: list[Reply] | None = None) -> list[str]:
    """`sole_district_in`: the replies in which a `district:` tag's district must be the only one
    named, and a forbidden district must not be named (default: `replies`)."""
    failures = []
    for tag in expect:
        if not _satisfied(tag, replies, first_answer=turn_level):
            failures.append(f"{where}: expected {tag}")
        if tag.startswith("district:") and (others := _other_districts(tag, sole_district_in or replies)):
            failures.append(f"{where}: {tag} but also named {', '.join(others)}")
    failures += [f"{where}: forbidden {tag}" for tag in forbid
                 if _satisfied(tag, (sole_district_in or replies) if tag.startswith("district:") else replies)]
    return failures


class WebChat:
    """One conversation through the web app's HTTP chat endpoints (docs/chat-protocol.md)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = self._post("/chat/session", {})["conversation"]
        self.after = 0
        self.notices = 0  # the web app's own notices, such as "the assistant is unavailable"

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        for _ in range(30):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return json.load(response)
            except urllib.error.HTTPError as error:
                if error.code != 429:
                    raise
                time.sleep(float(error.headers.get("Retry-After", "1")))
        raise RuntimeError(f"{path}: still rate-limited after 30 tries")

    def send(self, text: str) -> list[Reply]:
        events = self._post("/chat/messages", {"conversation": self.token, "text": text, "after": self.after})["events"]
        if events:
            self.after = events[-1]["seq"]
        self.notices += sum(event["type"] == "notice" for event in events)
        return [Reply(event["text"], response_name(event["text"])) for event in events if event["type"] == "bot"]


def _asked(replies: list[Reply]) -> str | None:
    asked = [QUESTIONS[reply.response] for reply in replies if reply.response in QUESTIONS]
    return asked[-1] if asked else None


def play(conversation: dict, base_url: str) -> Outcome:
    """Play one conversation through the web app and judge it."""
    outcome = Outcome(conversation)
    chat = WebChat(base_url)
    answers = {key: str(value) for key, value in (conversation.get("answers") or {}).items()}
    used: set[str] = set()
    # In a conversation about a corrected place, the district of the place first given is named
    # before the correction: the outcome's district must be the only one from the author's last
    # turn that expects a district on or, where no turn expects one, in the last answer that names
    # a district (the advice after the correction).
    corrected = "correction" in (conversation.get("covers") or [])
    corrected_from = 0

    def say(text: str) -> list[Reply]:
        replies = chat.send(text)
        outcome.turns.append(Turn(text, replies))
        return replies

    for number, step in enumerate(conversation["turns"], start=1):
        if step == "answer_questions":
            for _ in range(MAX_QUESTIONS):
                question = _asked(outcome.turns[-1].replies) if outcome.turns else None
                if question is None:
                    break
                answer = answers[question] if question in answers and question not in used else DONT_KNOW
                used.add(question)
                say(answer)
            continue
        replies = say(step["say"])
        if corrected and any(tag.startswith("district:") for tag in step.get("expect") or []):
            corrected_from = len(outcome.turns) - 1
        outcome.failures += _check(f"turn {number}", list(step.get("expect") or []), list(step.get("forbid") or []),
                                   replies, turn_level=True)
    if corrected and not corrected_from:
        corrected_from = max((index for index, turn in enumerate(outcome.turns) if _names_a_district(turn.replies)),
                             default=0)
    everything = [reply for turn in outcome.turns for reply in turn.replies]
    final = conversation.get("outcome") or {}
    outcome.failures += _check("outcome", list(final.get("expect") or []), list(final.get("forbid") or []),
                               everything, turn_level=False,
                               sole_district_in=[reply for turn in outcome.turns[corrected_from:] for reply in turn.replies])
    outcome.notices = chat.notices
    return outcome


def load(paths: list[Path]) -> list[dict]:
    conversations = []
    for path in paths:
        conversations += yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    return conversations


def play_all(conversations: list[dict], base_url: str, workers: int = 1) -> list[Outcome]:
    """Play every conversation; one at a time by default, because the benchmark judges understanding:
    on a busy two-core machine, parallel conversations make Rasa miss the web app's time limit, and
    the user then gets the web app's "unavailable" notice instead of an answer (benchmarks/load.py
    measures speed)."""
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda conversation: play(conversation, base_url), conversations))


def report(outcomes: list[Outcome], show_transcripts: bool = True) -> str:
    """A plain-text report: the score, harm guards, and every failed conversation."""
    passed = sum(outcome.passed for outcome in outcomes)
    guards = [outcome for outcome in outcomes if outcome.harm_guard]
    lines = [
        f"conversations: {passed}/{len(outcomes)} passed ({passed / max(len(outcomes), 1):.1%})",
        f"harm guards: {sum(o.passed for o in guards)}/{len(guards)} passed",
        f"web app notices instead of answers (assistant unavailable or too slow): {sum(o.notices for o in outcomes)}",
    ]
    covers = Counter(label for o in outcomes for label in o.conversation.get("covers") or [])
    covers_passed = Counter(label for o in outcomes if o.passed for label in o.conversation.get("covers") or [])
    lines.append("by covers label: " + ", ".join(f"{label} {covers_passed[label]}/{n}" for label, n in sorted(covers.items())))
    for outcome in outcomes:
        if outcome.passed:
            continue
        guard = " [HARM GUARD]" if outcome.harm_guard else ""
        lines.append(f"\nFAILED {outcome.conversation['id']}{guard}: {'; '.join(outcome.failures)}")
        if show_transcripts:
            lines.append(outcome.transcript())
    return "\n".join(lines)
