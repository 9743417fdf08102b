"""Acceptance: personal data typed into a conversation ends up nowhere.

A user types names, a CPR number, a phone number, an e-mail and an address, then asks for a
human. Afterwards the handoff database, Rasa's tracker store and every log file of the run are
searched for each of them. `make test` runs this against the running assistant.
"""

import json
import os
import re
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.store.engine import normalise_url
from bot.store.settings import database_url, spool_dir, tracker_store_url

pytestmark = pytest.mark.conversation

RASA_URL = os.environ.get("RASA_URL")
LOG_DIR = Path(os.environ.get("LOG_DIR", "results/logs"))
CASE_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b")

MESSAGES = [
    "Hej, jeg er bekymret for min søn",
    "Han hedder Mikkel Rosenkilde Thygesen og er 15 år",
    "Hans cpr er 140710-2381 hvis I skal bruge det",
    "Mit nummer er 27 45 61 93, og min mail er birgitte.thygesen@outlook.dk",
    "Vi bor på Kastanievej 23, 1. th., 5000 Odense C",
    "Hans ven Yasmin Okafor har også set videoerne",
    "Jeg vil gerne tale med et menneske",
]
PERSONAL_DATA = [
    "Mikkel", "Rosenkilde", "Thygesen", "Yasmin", "Okafor",
    "140710-2381", "1407102381", "27 45 61 93", "27456193",
    "birgitte", "outlook.dk", "Kastanievej",
]


def send(sender: str, message: str) -> list[str]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(
        f"{RASA_URL}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return [m.get("text", "") for m in json.load(response)]


def dump_database(url: str) -> str:
    """Every value of every row of every table, as one text."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return "\n".join(
                " ".join(str(value) for value in row)
                for table in inspect(engine).get_table_names()
                for row in connection.execute(text(f'SELECT * FROM "{table}"'))
            )
    finally:
        engine.dispose()


def read_files(directory: Path) -> dict[Path, str]:
    if not directory.is_dir():
        return {}
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in directory.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def conversation() -> dict:
    if not RASA_URL:
        pytest.skip("no Rasa server: set RASA_URL, or run `make test`, which starts one")
    sender = f"privacy-{uuid.uuid4()}"
    replies = [send(sender, message) for message in MESSAGES]
    handoff_reply = "\n".join(replies[-1])
    code = CASE_CODE.search(handoff_reply)
    assert code, f"no case code in the handoff reply: {handoff_reply}"
    handoffs = ""
    for _ in range(50):  # the record may wait in the spool for a moment
        handoffs = dump_database(database_url())
        if code.group() in handoffs:
            break
        time.sleep(0.2)
    return {"sender": sender, "code": code.group(), "reply": handoff_reply, "handoffs": handoffs,
            "tracker": dump_database(tracker_store_url())}


def test_the_user_gets_a_case_code_that_is_stored(conversation):
    assert conversation["code"] in conversation["handoffs"]


def test_the_handoff_database_holds_no_personal_data_and_no_sender_id(conversation):
    for value in PERSONAL_DATA + [conversation["sender"]]:
        assert value not in conversation["handoffs"], value


def test_the_tracker_store_keeps_the_conversation_only_anonymised(conversation):
    tracker = conversation["tracker"]
    assert conversation["sender"] in tracker, "the conversation was not stored: is the tracker store configured?"
    assert "[NAVN]" in tracker and "[CPR]" in tracker and "[ADRESSE]" in tracker
    for value in PERSONAL_DATA:
        assert value not in tracker, value


def test_no_log_file_and_no_spool_file_holds_personal_data(conversation):
    files = read_files(LOG_DIR) | read_files(spool_dir())
    assert any(path.name == "rasa.log" for path in files) and any(path.name == "actions.log" for path in files)
    for path, content in files.items():
        for value in PERSONAL_DATA:
            assert value not in content, f"{value!r} in {path}"
