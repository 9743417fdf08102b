"""The Danish anonymiser: the goals on its own blind test set, and the behaviours staff rely on."""

import subprocess
import sys
from pathlib import Path

import pytest

from bot.privacy.anonymizer import anonymize
from bot.privacy.evaluation import load_examples, parse_line, score
from bot.privacy.events import anonymize_event

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "tests" / "data" / "anonymizer"
TEST_SET = SETS / "final.txt"
EARLIER_SETS = [SETS / name for name in ("dev.txt", "test.txt", "blind.txt")]


@pytest.fixture(scope="module")
def test_set_score():
    return score(load_examples(TEST_SET))


def test_the_test_set_is_large_and_covers_every_kind(test_set_score):
    examples = load_examples(TEST_SET)
    assert len(examples) >= 150
    assert all(test_set_score.gold[kind] >= 10 for kind in
               ("NAVN", "CPR", "TELEFON", "EMAIL", "ADRESSE", "NUMMERPLADE", "LINK", "BRUGERNAVN"))
    assert sum(1 for e in examples if not e.gold) >= 40, "too few hard negatives"


# The goals: recall >= 0.98 overall and 1.00 for CPR, phone and e-mail; precision >= 0.90.
# Each set was written by someone who had not seen the anonymiser. On its first run final.txt gave
# recall 0.953 and precision 0.956 (blind.txt 0.968, test.txt 0.960); their misses then led to
# general rules, so none of them is blind any more. fresh.txt, written last, gave recall 0.972 and
# precision 0.957 on its first run; it is kept as a measurement, not gated (its misses are names
# that are also words at the start of a sentence, and usernames in unusual shapes). unseen.txt
# (2026-12, 393 messages by a new author) gave on first contact recall 0.971 and precision 0.979,
# CPR 0.920, phone 0.959, 12 leaks: below the goals, so it is not gated on them either; its
# first-contact figures are a floor it must not fall under. Nobody has studied its misses yet.
# benchmarks/anonymizer.py prints the figures for any of the sets.
OVERALL_RECALL_GOAL = 0.98
PRECISION_GOAL = 0.90


def _assert_goals(result):
    assert result.recall() >= OVERALL_RECALL_GOAL, result.misses
    for kind in ("CPR", "TELEFON", "EMAIL"):
        assert result.recall(kind) == 1.0, [m for m in result.misses if m.startswith(kind)]
    assert result.precision() >= PRECISION_GOAL, result.false_alarms


def test_goals_on_the_test_set(test_set_score):
    _assert_goals(test_set_score)


@pytest.mark.parametrize("path", EARLIER_SETS, ids=lambda path: path.name)
def test_goals_hold_on_the_earlier_sets(path):
    _assert_goals(score(load_examples(path)))


def test_the_unseen_set_keeps_its_first_contact_figures():
    result = score(load_examples(SETS / "unseen.txt"))
    assert result.recall() >= 0.9706 and result.precision() >= 0.9786, (result.misses, result.false_alarms)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Min søn Mads er 14 og bor i Aarhus", "Min søn [NAVN] er 14 og bor i Aarhus"),
        ("han hedder ahmad og går i 8. klasse", "han hedder [NAVN] og går i 8. klasse"),
        ("Eleven Freja Holm Sørensens mor ringede", "Eleven [NAVN] mor ringede"),
        ("cpr 010203-1234 og 0102031234", "cpr [CPR] og [CPR]"),
        ("ring på +45 20 30 40 50 eller 0045 20304050", "ring på [TELEFON] eller [TELEFON]"),
        ("skriv til a.b-c@skole.dk.", "skriv til [EMAIL]."),
        ("Han bor på Nørregade 12, 2. th., 8000 Aarhus C", "Han bor på [ADRESSE]"),
        ("bilen havde nummerpladen AB 12 345", "bilen havde nummerpladen [NUMMERPLADE]"),
        ("se https://t.me/kanalnavn og discord.gg/abc123", "se [LINK] og [LINK]"),
        ("hans profil er @wolf_88 på TikTok", "hans profil er [BRUGERNAVN] på TikTok"),
    ],
)
def test_each_kind_is_replaced_by_its_placeholder(text, expected):
    assert anonymize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # any street name counts when a postcode follows
        ("hos sin moster på Skovbrynet 9, 2. tv., 4000 Roskilde.", "hos sin moster på [ADRESSE]."),
        ("Adressen er Bakkegårdsvej 103, 1. mf., 8260 Viby J", "Adressen er [ADRESSE]"),
        # a word after the house number that only starts like a count word ("ud" in "uden")
        ("en pakke til Silkeborgvej 56 uden afsender", "en pakke til [ADRESSE] uden afsender"),
        # names typed without their accents, lowercase hyphenated names, genitives before a relation
        ("Hun kalder sig Ayse i skolen", "Hun kalder sig [NAVN] i skolen"),
        ("min datter hedder sofie-amalie og er 13", "min datter hedder [NAVN] og er 13"),
        ("Teodors søn på 13 spiller meget", "[NAVN] søn på 13 spiller meget"),
        ("Mark fra mit hold har fået en tatovering", "[NAVN] fra mit hold har fået en tatovering"),
        ("Saga og hendes veninde ser videoer", "[NAVN] og hendes veninde ser videoer"),
        ("Nguyen Thi Lan er min elev", "[NAVN] er min elev"),
        ("han har skiftet navn på insta til ahmad.al.muwahhid", "han har skiftet navn på insta til [BRUGERNAVN]"),
        ("hans discord er emil#4471", "hans discord er [BRUGERNAVN]"),
        # streets without a street ending: by the floor, the postcode, or a preposition before them
        ("De mødes i kælderen under Ved Stranden 3.", "De mødes i kælderen under [ADRESSE]."),
        ("Han bor i Tingbjerg, på Ruten 40, st. th.", "Han bor i Tingbjerg, på [ADRESSE]."),
        ("hos en ven på toften 3 i Skanderborg", "hos en ven på [ADRESSE] i Skanderborg"),
        # names: letters beyond Latin-1, names that are words as sentence subjects, surnames after a name
        ("Eleven hedder Nguyễn Văn Minh, han er stille", "Eleven hedder [NAVN], han er stille"),
        ("Sten Skov er 16 og kaster med sten", "[NAVN] er 16 og kaster med sten"),
        ("Sten Abu-Bakr er 16 og deler videoer", "[NAVN] er 16 og deler videoer"),
        # a name that runs into a stronger find keeps its own placeholder (found by the fuzz test)
        ("min søn hedder Fuzzbert Kim@x.dk", "min søn hedder [NAVN] [EMAIL]"),
        ("min søn hedder Fuzzbert Ab12x", "min søn hedder [NAVN] [BRUGERNAVN]"),
        ("Bo bor i Sønderborg", "[NAVN] bor i Sønderborg"),
        ("en sag om Oskar Vinding fra 9.b", "en sag om [NAVN] fra 9.b"),
    ],
)
def test_harder_shapes_of_personal_data(text, expected):
    assert anonymize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Han hænger ud i Kvaglund og på Nørrebrogade ved kiosken",  # places, not names
        "Hun har været hos en imam i Mjølnerparken",                 # a definite compound
        "Han spiller Modern Warfare og går med Nike Tech",           # English words
        "5 af dem følger den samme TikToker",                        # a platform's name with an ending
        "Han har fået Odins ravn tatoveret",                         # a kept word's genitive
        "min datter skriver med nogen på nettet",                    # "Skriver" is a surname, here a verb
        "jeg haaber du kan svare paa det, vi bor i Roedekro",        # Danish typed without æ, ø, å
        "Se mere på borger.dk om 20erne",                            # a public website, a decade
        "my student keeps sharing violent videos",                   # English after a relation word
        "Han har været på studietur i Lund",                         # a name that is a place after "i"
        "Hans Snapchat er privat. Hans CPR-nummer har jeg ikke",      # "Hans" is "his"
        "Han er besat af Profeten Muhammeds liv",                    # a kept phrase's genitive
        "Bilen er fra omkring 2015, og han er på Discord 24/7",       # not house numbers
    ],
)
def test_places_and_things_are_not_names(text):
    assert anonymize(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Han er 15 år, går i 9. klasse i Ishøj og ser meget TikTok",
        "Ring 112 ved akut fare, ellers hotlinen på 41 74 90 90 alle dage kl. 8-22",
        "Han taler om Breivik og Andrew Tate og deler memes fra Nordisk Modstandsbevægelse",
        "Per uge bruger han 20 timer på Discord, og det koster 2.000 kr.",
        "Din sagskode er K7HM-4XRT",
        "Hun er begyndt at gå med tørklæde og beder fem gange om dagen",
    ],
)
def test_what_staff_need_is_kept(text):
    assert anonymize(text) == text


def test_anonymising_twice_changes_nothing():
    once = anonymize("Min datter Sofie (sofie.k@gmail.com) bor på Vestergade 5")
    assert anonymize(once) == once


def test_hostile_input_is_handled():
    assert anonymize("") == ""
    assert anonymize('<script>alert("Mads")</script>') == '<script>alert("[NAVN]")</script>'
    huge = "min søn hedder Mads og " * 20000
    assert anonymize(huge).count("[NAVN]") == 20000
    assert "\x00" in anonymize("binært \x00\xff indhold")


def test_marked_sentences_are_parsed_into_text_and_spans():
    example = parse_line("Min søn [[NAVN:Mads]] ringer fra [[TELEFON:20 30 40 50]].")
    assert example.text == "Min søn Mads ringer fra 20 30 40 50."
    assert [(example.text[s.start:s.end], s.kind) for s in example.gold] == [("Mads", "NAVN"), ("20 30 40 50", "TELEFON")]


def test_stored_events_have_text_entities_slots_and_metadata_anonymised():
    event = {
        "event": "user", "text": "Min søn hedder Mads", "timestamp": 1.0,
        "parse_data": {"text": "Min søn hedder Mads", "intent": {"name": "express_worry"},
                       "entities": [{"entity": "name", "value": "Mads", "start": 15, "end": 19}]},
        "metadata": {"note": "mail mads@example.com"},
    }
    slot = {"event": "slot", "name": "requested_slot", "value": "age_band"}
    assert anonymize_event(event) == {
        "event": "user", "text": "Min søn hedder [NAVN]", "timestamp": 1.0,
        "parse_data": {"text": "Min søn hedder [NAVN]", "intent": {"name": "express_worry"},
                       "entities": [{"entity": "name", "value": "[NAVN]", "start": 15, "end": 19}]},
        "metadata": {"note": "mail [EMAIL]"},
    }
    assert anonymize_event(slot) == slot


def test_the_assistants_own_words_are_stored_as_they_are():
    """Bot messages are templates filled with validated values; the response selector's candidates
    are our FAQ answers. A user's words inside a user event are still anonymised."""
    bot = {"event": "bot", "text": "Ring til Hotline mod radikalisering på 41 74 90 90.", "metadata": {"utter_action": "x"}}
    user = {
        "event": "user", "text": "Anders ringer", "parse_data": {
            "text": "Anders ringer", "response_selector": {"faq": {"response": {"responses": [{"text": "Anders And"}]}}},
        },
    }
    assert anonymize_event(bot) == bot
    stored = anonymize_event(user)
    assert stored["text"] == stored["parse_data"]["text"] == "[NAVN] ringer"
    assert stored["parse_data"]["response_selector"] == user["parse_data"]["response_selector"]


def test_the_command_line_writes_one_line_per_input_line():
    lines = "Min søn Mads\n\nring 20304050\n".encode() + b"\xff\xfe binary\n"
    result = subprocess.run([sys.executable, "-m", "bot", "anonymize"], input=lines, capture_output=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    output = result.stdout.decode("utf-8").split("\n")
    assert output[:3] == ["Min søn [NAVN]", "", "ring [TELEFON]"] and len(output) == 5
