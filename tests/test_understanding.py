"""Understanding that needs no trained model: answers to the guided questions, the acute safety net,
and how the situation readers' results decide the intent. The readers themselves are measured on
blind files (tests/understanding/, benchmarks/understanding.py) and tested in Rasa's environment."""

import pytest
import yaml
from pathlib import Path

from bot.knowledge.answers import (
    asks_if_a_sign,
    is_skip,
    mentioned_age_band,
    parse_age_band,
    says_nothing_else,
    sign_button_groups,
)
from bot.knowledge.signs import sign_groups
from bot.knowledge.text import list_items, sentences
from bot.understanding.intents import resolve_intent, ruled_out
from bot.understanding.reading import SituationReading
from bot.understanding.safety_net import is_clearly_acute

DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"


def _sign_button_payloads():
    buttons = yaml.safe_load(DOMAIN.read_text())["responses"]["utter_ask_signs"][0]["buttons"]
    return [b["payload"] for b in buttons if b["payload"] != "Spring over"]


@pytest.mark.parametrize("text, expected", [
    ("Han er 16. Han truer sin lærer! Hvad gør jeg?", ["Han er 16.", "Han truer sin lærer!", "Hvad gør jeg?"]),
    ("hej\nmin søn har en kniv", ["hej", "min søn har en kniv"]),
    ("han går i 9.klasse og er 15", ["han går i 9.klasse og er 15"]),
    ("han vil gøre det den 30. december. Han går i 9. klasse", ["han vil gøre det den 30. december.",
                                                                "Han går i 9. klasse"]),
    ("hun går i 3. g. hun er 18. han er ok", ["hun går i 3. g.", "hun er 18.", "han er ok"]),
    ("  ", []),
])
def test_a_message_splits_into_sentences(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize("sentence, expected", [
    ("vil have en gruppe udryddet, hylder skoleskydere, trussel mod klassekammerat",
     ["vil have en gruppe udryddet", "hylder skoleskydere", "trussel mod klassekammerat"]),
    ("trusler; kniv • nye venner", ["trusler", "kniv", "nye venner"]),
    ("ny gruppe - træner kamp", ["ny gruppe", "træner kamp"]),
    ("han er 16 og har fået nye venner", []),
    ("Lyngby-Taarbæk, 15 år", ["Lyngby-Taarbæk", "15 år"]),
])
def test_a_sentence_that_lists_splits_into_items(sentence, expected):
    assert list_items(sentence) == expected


@pytest.mark.parametrize("payload", _sign_button_payloads())
def test_every_sign_button_maps_to_known_groups(payload):
    groups = sign_button_groups(payload)
    assert groups and set(groups) <= set(sign_groups())


def test_a_typed_answer_is_not_a_button():
    assert sign_button_groups("han har vist vold") is None


@pytest.mark.parametrize(
    ("text", "band"),
    [("15", "13_17"), ("han er 16 år", "13_17"), ("Under 13 år", "under_13"), ("9 år", "under_13"),
     ("8. klasse", "13_17"), ("2.g", "13_17"), ("18-24 år", "18_24"), ("25 år eller ældre", "25_plus"),
     ("voksen", "25_plus"), ("teenager", "13_17"), ("det ved jeg ikke", None),
     ("vi er 81 og 79 år, han er 17", "13_17"), ("8 og 12", "under_13"),
     ("han er 19.. nej undskyld, jeg blander ham sammen med hans bror. han er 17", "13_17")],
)
def test_age_bands(text, band):
    assert parse_age_band(text) == band


@pytest.mark.parametrize(
    ("text", "band"),
    [("en elev i 8. klasse", "13_17"), ("min søn på 15", "13_17"), ("en 17-årig", "13_17"),
     ("min datter er blevet 19", "18_24"), ("han har været der i 2 år", None), ("vi har boet her i 10 år", None),
     # English, and the writer's own age, which is not the age of the person of concern
     ("their son is 16 and lately", "13_17"), ("a 16 year old boy", "13_17"), ("he's 17 and lives with his mum", "13_17"),
     ("one of my students (15) posts", "13_17"), ("I am father of a boy 17 years", "13_17"), ("for 2 years now", None),
     ("Vi er 81 og 79 år og har et barnebarn på 17", "13_17"), ("jeg er 15 og bekymret for min ven", None),
     ("I'm 45 and my son is 15", "13_17"), ("Jeg er en gammel mand på 81 og farfar til en knægt på 17", "13_17"),
     # a correction: the last age
     ("han er 18 tror jeg. nej vent han er 17, han er en af de yngste på holdet", "13_17")],
)
def test_ages_mentioned_in_passing(text, band):
    assert mentioned_age_band(text) == band


@pytest.mark.parametrize("text", ["Spring over", "ved ikke", "Det vil jeg helst ikke sige", "nej"])
def test_skip_answers(text):
    assert is_skip(text)


def test_a_real_answer_is_not_a_skip():
    assert not is_skip("Odense")


@pytest.mark.parametrize(("answer", "nothing_else"), [
    ("ingenting, han er sød og rolig", True),
    ("kun gaming snak i frikvarteret, ellers ingenting", True),
    ("Ingen ting, vi skal bare besoge familie", True),
    ("hun er glad og har venner, intet andet", True),
    ("han har fået nye venner", False),
    ("kunstig intelligens og computerspil", False),
    ("bandeord og vrede", False),
    ("ingen anelse", False),
    ("nej tak", False),
    ("skyder på skydebanen, ellers en velfungerende elev", True),
    ("vred når han taber i spil, ellers er han glad og har venner", True),
    ("ellers går det fint med hende", True),
    ("ellers har han truet sin lillesøster", False),
])
def test_an_answer_that_says_nothing_more_was_noticed(answer, nothing_else):
    assert says_nothing_else(answer) is nothing_else


@pytest.mark.parametrize(("text", "asks"), [
    ("Min datter er begyndt at bede fem gange om dagen. Er det et tegn på ekstremisme?", True),
    ("kan det vaere et tegn paa radikalisering", True),
    ("min nabo spurgte om det kunne være et tegn på noget", True),
    ("Skal vi være bekymrede?", True),
    ("bør jeg melde det til nogen", True),
    ("Er det noget, man skal reagere på?", True),
    ("Er der grund til bekymring", True),
    ("Er han ved at blive radikaliseret?", True),
    ("Overreagerer jeg?", True),
    ("Is this a warning sign of extremism?", True),
    ("Should we report him?", True),
    ("Is it something we should report?", True),
    ("Han er blevet radikaliseret og har truet sin lærer.", False),
    ("Jeg er bekymret for min søn.", False),
    ("Hvad er tegn på radikalisering?", False),
    ("Hvordan melder jeg en bekymring?", False),
    ("My son is being radicalised online.", False),
])
def test_a_question_whether_what_was_told_is_a_sign(text, asks):
    assert asks_if_a_sign(text) is asks


# -- the safety net under the acute reader: unmistakable only ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "HAN STÅR MED EN KNIV LIGE NU",
        "min søn er på vej over til skolen med en pistol",
        "de er ved at angribe moskeen",
        "han er ved at gøre sig klar med kniven",
        "hun siger hun vil tage sit liv om lidt",
        "vi er i akut fare",
    ],
)
def test_the_safety_net_catches_unmistakable_danger_now(text):
    assert is_clearly_acute(text)


@pytest.mark.parametrize(
    "text",
    [
        "han går på jagt med sin far og har et gevær",
        "det haster med afleveringen, den skal ind i aften",
        "festen i aften bliver en bombe",
        "i nat stod han med en kniv i køkkenet, nu sover han",
        "hun er ikke i fare lige nu, siger psykologen",
        "hvornår skal man ringe 112?",
        "jeg er på vej nu, er der om 10 min",
        "jeg råbte 'jeg slår jer alle ihjel' i spillet og nu tror hun at jeg er ved at blive radikaliseret",
    ],
)
def test_the_safety_net_leaves_everything_else_to_the_reader(text):
    assert not is_clearly_acute(text)


# -- the readers decide what they are trained for ---------------------------------------------------


def reading(**fields) -> SituationReading:
    return SituationReading(**fields)


def test_acute_and_crisis_readings_win_over_any_guess():
    assert resolve_intent(["faq"], reading(acute=True)) == "acute_danger"
    assert resolve_intent(["express_worry"], reading(crisis=True)) == "mental_health_crisis"
    assert resolve_intent(["express_worry"], reading(crisis=True, signs=("wellbeing", "religion"))) == "mental_health_crisis"


def test_distress_that_comes_with_warning_signs_about_someone_is_a_worry_about_them():
    # "Jeg kan snart ikke mere. Min søn har isoleret sig og snakker kun om at 'de' styrer verden."
    worn_out_parent = reading(crisis=True, signs=("isolation", "conspiracy"), role="parent")
    assert resolve_intent(["mental_health_crisis", "express_worry"], worn_out_parent) == "express_worry"


def test_distress_of_someone_who_has_pulled_away_from_everyone_is_a_crisis():
    # "jeg vil bare ud af det hele, ikke ud af en gruppe; jeg orker ikke at leve mere"
    alone = reading(crisis=True, signs=("isolation",), role="self")
    assert resolve_intent(["worry_about_self"], alone) == "mental_health_crisis"
    friend = reading(crisis=True, crisis_sure=True, signs=("isolation",), role="friend")
    assert resolve_intent(["express_worry"], friend) == "mental_health_crisis", "one change alone: the crisis first"
    assert resolve_intent(["worry_about_self"], reading(crisis=True, signs=("violent_groups",), role="self")) == "worry_about_self"


def test_an_unsure_opening_by_someone_who_names_their_relation_to_a_person_is_a_worry():
    # "goddag. jeg er lidt bekymret for min barnebarn og ved ikke rigtig hvem man spoerger"
    grandparent = reading(role="relative")
    assert resolve_intent(["nlu_fallback", "greet", "express_worry"], grandparent) == "express_worry"
    assert resolve_intent(["greet", "express_worry"], grandparent) == "express_worry"
    assert resolve_intent(["greet", "express_worry"], reading()) == "greet", "no relation named: a greeting"
    assert resolve_intent(["greet", "goodbye", "thank", "express_worry"], grandparent) == "greet"


def test_a_crisis_in_the_middle_band_told_about_someone_else_is_a_worry():
    # "Merhaba, jeg er bekymret for min datter, hun er 17. Hun er ikke sig selv mere." (crisis 0.65)
    unsure = reading(crisis=True, role="parent")
    assert resolve_intent(["express_worry"], unsure) == "express_worry"
    assert resolve_intent(["express_worry"], reading(crisis=True, crisis_sure=True, role="parent")) == "mental_health_crisis"
    assert resolve_intent(["express_worry"], reading(crisis=True, role="unknown")) == "mental_health_crisis"
    assert resolve_intent(["express_worry"], reading(crisis=True, role="self")) == "mental_health_crisis"


def test_a_guess_the_readers_do_not_confirm_gives_way_to_the_next_best():
    assert resolve_intent(["acute_danger", "greet"], reading()) == "greet"
    assert resolve_intent(["mental_health_crisis", "express_worry"], reading()) == "express_worry"
    assert resolve_intent(["report_incident", "express_worry"], reading(incident="none")) == "express_worry"
    assert resolve_intent(["english", "greet"], reading(language="da")) == "greet"


def test_a_question_about_leaving_a_group_is_a_question_unless_the_writer_says_it_is_them():
    asks = reading(questions=("faq/exit",))
    assert resolve_intent(["worry_about_self", "faq"], asks) == "faq"
    assert resolve_intent(["worry_about_self", "faq"], reading(questions=("faq/exit",), role="self")) == "worry_about_self"


def test_english_is_answered_in_english():
    assert resolve_intent(["greet"], reading(language="en")) == "english"
    assert resolve_intent(["faq"], reading(language="en", crisis=True)) == "english", "a crisis in English too"
    assert resolve_intent(["faq"], reading(language="en", acute=True)) == "acute_danger"
    assert resolve_intent(["express_worry"], reading(language="other")) == "english", "another language: both"


def test_a_victim_or_a_bystander_reports_an_incident_but_a_parent_describing_their_child_is_worried():
    assert resolve_intent(["express_worry"], reading(incident="victim", role="parent")) == "report_incident"
    assert resolve_intent(["express_worry"], reading(incident="witness")) == "report_incident"
    worried = reading(incident="witness", role="parent", signs=("vandalism",))
    assert resolve_intent(["express_worry"], worried) == "express_worry"


def test_signs_the_readers_are_sure_of_make_a_worry_of_a_message_the_classifier_is_unsure_of():
    neighbour = reading(signs=("violent_messages", "travel_conflict"), role="unknown")
    assert resolve_intent(["nlu_fallback", "express_worry"], neighbour) == "express_worry"
    assert resolve_intent(["nlu_fallback"], reading(signs=("violent_groups",), role="self")) == "worry_about_self"
    assert resolve_intent(["nlu_fallback"], reading(signs=("isolation",), role="unknown")) == "nlu_fallback", "one change alone"


def test_a_crime_done_by_the_writers_own_person_is_a_worry_about_them():
    offender = reading(incident="offender", role="parent", signs=("vandalism",))
    assert resolve_intent(["report_incident", "express_worry"], offender) == "express_worry"
    assert resolve_intent(["express_worry"], offender) == "express_worry"
    assert resolve_intent(["request_human"], offender) == "request_human"
    assert "report_incident" in ruled_out(offender)


def test_a_writer_threatened_by_the_group_they_want_to_leave_gets_exit_help():
    assert resolve_intent(["worry_about_self"], reading(incident="victim", role="self")) == "worry_about_self"
    assert resolve_intent(["report_incident"], reading(incident="victim", role="unknown")) == "report_incident"


def test_a_victim_writing_of_themself_gets_the_police_not_exit_help():
    """'Folk som dig skal brændes', written to a gay pupil: a hate crime suffered, not a group to leave."""
    assert resolve_intent(["report_incident", "worry_about_self"], reading(incident="victim", role="self")) == "report_incident"


def test_a_victims_fear_is_answered_as_an_incident_not_as_a_crisis_alone():
    assert resolve_intent(["express_worry"], reading(incident="victim", crisis=True)) == "report_incident"
    assert resolve_intent(["express_worry"], reading(crisis=True)) == "mental_health_crisis"


def test_a_request_stays_a_request_whatever_incident_it_mentions():
    assert resolve_intent(["request_human"], reading(incident="victim")) == "request_human"


def test_a_question_the_question_reader_is_sure_of_is_not_a_fallback():
    asked = reading(questions=("faq/anonymity",))
    assert resolve_intent(["nlu_fallback", "express_worry"], asked) == "faq"
    assert resolve_intent(["express_worry"], asked) == "express_worry", "a worry with a question stays a worry"
    assert resolve_intent(["nlu_fallback", "express_worry"], reading()) == "nlu_fallback"


def test_me_in_a_parents_message_is_not_a_worry_about_oneself():
    assert resolve_intent(["worry_about_self"], reading(role="parent")) == "express_worry"
    assert resolve_intent(["worry_about_self"], reading(role="self")) == "worry_about_self"


def test_exit_help_only_when_the_writer_says_it_is_about_them():
    witness = reading(role="unknown")  # "jeg står på den anden side af vejen, hvad gør jeg?"
    assert resolve_intent(["worry_about_self"], witness) == "express_worry", "the guided questions ask who"
    assert resolve_intent(["worry_about_self"], reading(role="unknown", questions=("faq/exit",))) == "faq"


def test_a_reading_survives_the_trip_through_the_parsed_message():
    original = reading(signs=("threats", "religion"), acute=True, role="parent", incident="witness", crisis=True,
                       language="en", gives_place=True, questions=("faq/infohus",))
    assert SituationReading.from_dict(original.as_dict()) == original
    assert SituationReading.from_dict(None) == SituationReading()


def test_what_the_readers_rule_out_never_reaches_a_did_you_mean_question():
    assert {"acute_danger", "mental_health_crisis", "english", "report_incident"} <= ruled_out(reading())
    assert "report_incident" not in ruled_out(reading(incident="witness"))
    assert "acute_danger" not in ruled_out(reading(acute=True))


def test_a_place_said_as_home_is_an_answer_whatever_the_classifier_made_of_it():
    assert resolve_intent(["nlu_fallback", "report_incident"], reading(gives_place=True)) == "express_worry"
    assert resolve_intent(["faq"], reading(gives_place=True)) == "faq"
