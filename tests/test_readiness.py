"""The readiness check for kommune staff (issue 14, seeds 004): reading typed answers, the form's
validation, the result and its summary, and the anonymous count on SQLite and PostgreSQL."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import SlotSet

from actions import readiness
from actions.readiness import (
    ActionReadinessResult,
    ActionStartReadinessCheck,
    ValidateReadinessForm,
    responses_of_the_check,
)
from bot.knowledge.contacts import contact_variables
from bot.knowledge.readiness import answer_pattern, question_keys, read_answer, slot_of
from bot.store.statistics import count_readiness_check, monthly_counts
from bot.web.chat import _text_to_copy
from bot.web.rasa import AssistantReply
from tests.conftest import make_tracker, run_action

KEYS = question_keys()
PATTERN_OF = {"yes": "j", "partly": "d", "no": "n", "unknown": "v"}


# -- reading a reply ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "answer"), [
    ("Ja", "yes"), ("ja", "yes"), ("jo, det har vi", "yes"), ("det har vi", "yes"), ("ja det er på plads", "yes"),
    ("Delvist", "partly"), ("delvis", "partly"), ("til dels", "partly"), ("nej, ikke helt", "partly"),
    ("vi er i gang", "partly"),
    ("Nej", "no"), ("nej ikke rigtigt", "no"), ("det har vi ikke", "no"), ("ikke endnu", "no"), ("nope", "no"),
    ("Ved ikke", "unknown"), ("det ved jeg ikke", "unknown"), ("aner det ikke", "unknown"), ("måske", "unknown"),
    ("VED IKKE!", "unknown"),
])
def test_typed_answers_are_read(text, answer):
    assert read_answer(text) == answer


@pytest.mark.parametrize("text", ["hmm", "hvad er et infohus", "jobbet er svært", "jamen", "januar", ""])
def test_other_words_are_no_answer(text):
    assert read_answer(text) is None


def test_seven_questions_each_with_the_four_answers_as_buttons(domain):
    assert len(KEYS) == 7
    for key in KEYS:
        question = domain["responses"][f"utter_ask_{slot_of(key)}"][0]
        assert {read_answer(button["payload"]) for button in question["buttons"]} == set(PATTERN_OF)
        assert slot_of(key) in domain["slots"] and slot_of(key) in domain["forms"]["readiness_form"]["required_slots"]
    assert domain["forms"]["readiness_form"]["required_slots"] == [slot_of(key) for key in KEYS]


def test_every_text_of_the_check_is_a_domain_response_without_a_number(domain):
    numbers = {value for value in contact_variables().values() if any(ch.isdigit() for ch in str(value))}
    for name in responses_of_the_check():
        text = domain["responses"][name][0]["text"]
        assert not any(number in text for number in numbers), name


def test_the_answer_pattern_keeps_only_seven_letters_in_question_order():
    answered = dict(zip(KEYS, ["yes", "partly", "no", "unknown", "yes", "yes", "no"]))
    assert answer_pattern(answered) == "jdnvjjn"


# -- the form -------------------------------------------------------------------------------------

def asked(key: str, text: str, intent: str | None = "affirm", situation: dict | None = None):
    return make_tracker(text, intent=intent, requested_slot=slot_of(key), active_loop="readiness_form",
                        situation=situation)


def test_a_button_fills_the_question_asked(domain):
    events, sent = run_action(ValidateReadinessForm(), asked("strategy", "Delvist", intent="nlu_fallback"), domain)
    assert events == [SlotSet("readiness_strategy", "partly")] and sent == []


@pytest.mark.parametrize(("text", "intent", "answer"), [
    ("nej ikke rigtigt", "deny", "no"), ("ja tak", "thank", "yes"), ("ved ikke", "out_of_scope", "unknown"),
    ("det har vi ikke", "express_worry", "no"), ("delvis", "faq", "partly"),
])
def test_free_text_fills_it_whatever_the_classifier_guessed(domain, text, intent, answer):
    events, sent = run_action(ValidateReadinessForm(), asked("procedures", text, intent=intent), domain)
    assert events == [SlotSet("readiness_procedures", answer)] and sent == []


def test_anything_else_gets_a_kind_word_and_the_question_again(domain):
    events, sent = run_action(ValidateReadinessForm(), asked("coordination", "blå banan", intent="out_of_scope"), domain)
    assert events == [SlotSet("readiness_coordination", None)]  # the form asks it again, with its buttons
    assert [message["response"] for message in sent] == ["utter_readiness_not_understood"]


@pytest.mark.parametrize(("text", "intent", "situation"), [
    ("ja, han har en kniv og vil gøre det nu", "acute_danger", None),
    ("jeg vil gerne tale med et menneske", "request_human", None),
    ("hvad er et infohus?", "faq", None),
    ("er det anonymt, ja?", "faq", None),
    ("hvad er jeres telefonnummer", "ask_contact", None),
    ("min nevø på 17 deler videoer der hylder terror", "express_worry", {"signs": ["glorifies_violence"]}),
    ("farvel", "goodbye", None),
])
def test_a_message_that_is_no_answer_is_left_to_its_rule(domain, text, intent, situation):
    events, sent = run_action(ValidateReadinessForm(), asked("understanding", text, intent=intent, situation=situation), domain)
    assert events == [] and sent == []


def test_starting_clears_an_earlier_checks_answers(domain):
    tracker = make_tracker("/start_readiness_check", intent="start_readiness_check",
                           slots={slot_of(key): "yes" for key in KEYS})
    events, sent = run_action(ActionStartReadinessCheck(), tracker, domain)
    assert [message["response"] for message in sent] == ["utter_readiness_intro"]
    assert {event["name"]: event["value"] for event in events} == {**{slot_of(key): None for key in KEYS},
                                                                   "requested_slot": None}


# -- the result -----------------------------------------------------------------------------------

@pytest.fixture
def counted(monkeypatch, store_engine):
    """The check's counts go to a real, migrated store of each kind."""
    monkeypatch.setattr(readiness, "statistics_engine", lambda: store_engine)
    return store_engine


def finished(answers: list[str]):
    return make_tracker("Nej", intent="deny", slots={slot_of(key): a for key, a in zip(KEYS, answers)},
                        latest_action_name="readiness_form")


def label(domain, key):
    return domain["responses"][f"utter_readiness_label_{key}"][0]["text"]


def step(domain, key):
    return " ".join(domain["responses"][f"utter_readiness_step_{key}"][0]["text"].split())


def test_the_result_names_what_the_kommune_has_and_a_step_for_each_no_or_partly(domain, counted):
    answers = ["yes", "partly", "no", "unknown", "yes", "yes", "no"]
    events, sent = run_action(ActionReadinessResult(), finished(answers), domain)
    by_name = {message["response"]: message for message in sent}
    assert list(by_name) == ["utter_readiness_result_intro", "utter_readiness_has", "utter_readiness_start_with",
                             "utter_readiness_unknown", "utter_readiness_center", "utter_readiness_summary_intro",
                             "utter_readiness_summary"]
    has = by_name["utter_readiness_has"]["readiness_list"]
    assert has.splitlines() == [f"- {label(domain, key)}" for key in ("understanding", "procedures", "coordination")]
    steps = by_name["utter_readiness_start_with"]["readiness_steps"]
    for key in ("strategy", "stakeholders", "interventions"):
        assert f"- {label(domain, key)}: {step(domain, key)}" in steps
    assert label(domain, "organisation") not in steps  # "ved ikke" gets no step, but something to find out
    assert by_name["utter_readiness_unknown"]["readiness_list"] == f"- {label(domain, 'organisation')}"
    assert "{center_advice_number}" in domain["responses"]["utter_readiness_center"][0]["text"]
    assert events == []


def test_the_summary_is_plain_text_to_copy_with_every_answer_and_the_advice_line(domain, counted):
    answers = ["no", "no", "partly", "yes", "unknown", "no", "yes"]
    _, sent = run_action(ActionReadinessResult(), finished(answers), domain)
    summary = sent[-1]
    assert summary["response"] == "utter_readiness_summary"
    template = domain["responses"]["utter_readiness_summary"][0]["text"]
    text = template.format_map({**contact_variables(), **{k: v for k, v in summary.items() if k.startswith("readiness_")}})
    assert summary["custom"] == {"copy": text}  # the whole summary, though the chat shows it in paragraphs
    assert summary["text"] == text, "the copy is what Rasa sends"
    titles = {"yes": "Ja", "partly": "Delvist", "no": "Nej", "unknown": "Ved ikke"}
    for key, answer in zip(KEYS, answers):
        assert f"{label(domain, key)}: {titles[answer]}" in text
    assert contact_variables()["center_advice_number"] in text
    assert "<" not in text and "{" not in text


def test_all_yes_gets_no_steps_but_the_offer_to_look_the_plan_over(domain, counted):
    _, sent = run_action(ActionReadinessResult(), finished(["yes"] * 7), domain)
    names = [message["response"] for message in sent]
    assert "utter_readiness_all_yes" in names and "utter_readiness_start_with" not in names
    assert "utter_readiness_unknown" not in names


def test_none_yes_says_so(domain, counted):
    _, sent = run_action(ActionReadinessResult(), finished(["no"] * 7), domain)
    assert "utter_readiness_has_none" in [message["response"] for message in sent]


def test_a_completed_check_is_counted_by_its_answer_pattern_only(domain, counted):
    run_action(ActionReadinessResult(), finished(["yes", "partly", "no", "unknown", "yes", "yes", "no"]), domain)
    run_action(ActionReadinessResult(), finished(["yes", "partly", "no", "unknown", "yes", "yes", "no"]), domain)
    run_action(ActionReadinessResult(), finished(["yes"] * 7), domain)
    counts = {(row.dimension, row.value): row.count for row in monthly_counts(counted)}
    assert counts == {("readiness", "jdnvjjn"): 2, ("readiness", "jjjjjjj"): 1}  # no case total, nothing else


def test_an_unfinished_check_is_neither_answered_nor_counted(domain, counted):
    _, sent = run_action(ActionReadinessResult(), finished(["yes", "no", None, None, None, None, None]), domain)
    assert sent == [] and monthly_counts(counted) == []


def test_the_result_is_shown_when_the_store_is_down(domain, monkeypatch, tmp_path):
    from bot.store.engine import make_engine

    monkeypatch.setattr(readiness, "statistics_engine", lambda: make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    _, sent = run_action(ActionReadinessResult(), finished(["yes"] * 7), domain)  # no tables: the count fails
    assert sent[-1]["response"] == "utter_readiness_summary"


def test_checks_count_in_the_month_of_the_service_time_zone(store_engine):
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # already January in Copenhagen
    count_readiness_check(store_engine, "nnnnnnn", new_years_eve)
    count_readiness_check(store_engine, "nnnnnnn", new_years_eve)
    month = new_years_eve.astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%Y-%m")
    assert [(r.month, r.dimension, r.value, r.count) for r in monthly_counts(store_engine)] == [
        (month, "readiness", "nnnnnnn", 2)]


# -- the copy affordance ----------------------------------------------------------------------------

def test_the_web_app_offers_the_copy_parts_text_under_the_reply_before_it():
    replies = [AssistantReply(text="Her er et kort resumé."), AssistantReply(text="Råd til kommuner ..."),
               AssistantReply(custom={"copy": "Tjek af ...\n\nRåd til kommuner ..."}), AssistantReply(text="Tak"),
               AssistantReply(custom={"copy": True})]
    assert [_text_to_copy(replies, i) for i in range(len(replies))] == [
        None, "Tjek af ...\n\nRåd til kommuner ...", None, None, None]
