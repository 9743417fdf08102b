"""The rule-based understanding that backs the guided conversation: signs, answers, urgency."""

import pytest
import yaml
from pathlib import Path

from bot.knowledge.answers import is_skip, mentioned_age_band, mentioned_role, parse_age_band, parse_role
from bot.knowledge.signs import classify_signs
from bot.knowledge.urgency import is_acute

RESPONSES = Path(__file__).resolve().parents[1] / "actions" / "responses.yml"


def _sign_buttons():
    buttons = yaml.safe_load(RESPONSES.read_text())["responses"]["utter_ask_signs"][0]["buttons"]
    return {b["payload"]: b for b in buttons}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("Vold, trusler eller våben", {"violence", "threats", "weapons"}),
        ("Deler voldelige budskaber", {"violent_messages"}),
        ("Vil rejse ud til en konflikt", {"travel_conflict"}),
        ("Har isoleret sig eller fået nye venner", {"isolation", "new_friends"}),
        ("Ekstremt indhold på nettet", {"online_material"}),
        ("Ny tro eller politisk interesse", {"religion", "politics"}),
    ],
)
def test_every_sign_button_maps_to_its_groups(payload, expected):
    assert payload in _sign_buttons()
    assert set(classify_signs(payload).all_ids) == expected


@pytest.mark.parametrize(
    ("text", "severity", "group"),
    [
        ("han slaar andre på skolen", "serious", "violence"),
        ("han har truet sin lærer", "serious", "threats"),
        ("han siger at de alle skal slås ihjel", "serious", "absolute_solutions"),
        ("han taler om at rejse til syrien", "serious", "travel_conflict"),
        ("hun siger at vi ikke må stemme til valget", "serious", "vote_pressure"),
        ("han har fået nye venner og trækker sig fra familien", "combination", "new_friends"),
        ("han tror på konspirationsteorier om eliten", "combination", "conspiracy"),
        ("han har et hagekors på sin jakke", "combination", "symbols"),
        ("han er konverteret til islam", "not_a_sign", "religion"),
        ("hun er begyndt at gå i kirke", "not_a_sign", "religion"),
        ("han har meldt sig ind i et parti", "not_a_sign", "politics"),
        ("hun virker ensom og ked af det", "not_a_sign", "wellbeing"),
    ],
)
def test_descriptions_map_to_sign_groups(text, severity, group):
    findings = classify_signs(text)
    assert group in getattr(findings, severity)


@pytest.mark.parametrize("text", ["jeg beder om hjælp", "han går til fodbold", "hvad skal jeg gøre", ""])
def test_ordinary_sentences_are_not_signs(text):
    assert classify_signs(text).is_empty


def test_faith_and_opinions_are_never_serious_signs():
    findings = classify_signs("han er blevet muslim, beder fem gange om dagen og har stærke politiske holdninger")
    assert not findings.serious and not findings.combination
    assert set(findings.not_a_sign) == {"religion", "politics"}


@pytest.mark.parametrize(
    ("text", "band"),
    [("15", "13_17"), ("han er 16 år", "13_17"), ("Under 13 år", "under_13"), ("9 år", "under_13"),
     ("8. klasse", "13_17"), ("2.g", "13_17"), ("18-24 år", "18_24"), ("25 år eller ældre", "25_plus"),
     ("voksen", "25_plus"), ("teenager", "13_17"), ("det ved jeg ikke", None)],
)
def test_age_bands(text, band):
    assert parse_age_band(text) == band


@pytest.mark.parametrize(
    ("text", "role"),
    [("jeg er hans mor", "parent"), ("far", "parent"), ("jeg er hans moster", "relative"),
     ("jeg er lærer", "school_staff"), ("pædagog på skolen", "school_staff"), ("socialrådgiver", "professional"),
     ("det handler om mig selv", "self"), ("hvad mener du", None)],
)
def test_roles(text, role):
    assert parse_role(text) == role


@pytest.mark.parametrize("text", ["Spring over", "ved ikke", "Det vil jeg helst ikke sige", "nej"])
def test_skip_answers(text):
    assert is_skip(text)


def test_a_real_answer_is_not_a_skip():
    assert not is_skip("Odense")


@pytest.mark.parametrize(
    "text",
    [
        "han har en kniv og vil angribe nogen i aften",
        "det haster, han er på vej til lufthavnen",
        "han har truet med at skyde en lærer i morgen",
        "HAN HAR ET GEVÆR LIGE NU",
        "skal jeg ringe 112",
        "han har købt billet til syrien og flyver i morgen",
        "han banker sin bror lige nu",
        "han er voldelig lige nu",
        "hun siger hun vil slå sin chef ihjel i aften",
        "de planlægger at dræbe nogen i morgen",
    ],
)
def test_acute_messages(text):
    assert is_acute(text)


@pytest.mark.parametrize(
    "text",
    [
        "han går på jagt med sin far og har et gevær",
        "min søn vil rejse til syrien en dag",
        "jeg vil købe billet til en koncert i aften",
        "han beder hver fredag",
        "hvad er bekymringstegn",
        "han ser voldsvideoer nu",
        "han har været voldelig før",
        "han sagde engang at de burde slås ihjel",
    ],
)
def test_not_acute_messages(text):
    assert not is_acute(text)


@pytest.mark.parametrize(
    ("text", "band"),
    [("en elev i 8. klasse", "13_17"), ("min søn på 15", "13_17"), ("en 17-årig", "13_17"),
     ("min datter er blevet 19", "18_24"), ("han har været der i 2 år", None), ("vi har boet her i 10 år", None)],
)
def test_ages_mentioned_in_passing(text, band):
    assert mentioned_age_band(text) == band


@pytest.mark.parametrize(
    ("text", "role"),
    [("jeg er bekymret for min søn", "parent"), ("hej, jeg er hans moster", "relative"),
     ("jeg er lærer, og bekymret", "school_staff"), ("en af mine elever", "school_staff"),
     ("han er stoppet i skole", None), ("jeg er bange", None), ("jeg er selv med i en gruppe", None)],
)
def test_roles_mentioned_in_passing(text, role):
    assert mentioned_role(text) == role
