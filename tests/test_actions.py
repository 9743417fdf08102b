"""Every custom action, run with real rasa-sdk trackers and dispatchers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import make_tracker, names, run_action, texts

from actions import messages
from actions.fallback import (
    ActionDefaultAskAffirmation,
    ActionDefaultAskRephrase,
    ActionDefaultFallback,
    ActionHandleOutOfScope,
)
from actions.help import (
    ActionAcuteDanger,
    ActionAnswerOtherQuestions,
    ActionCrisisHelp,
    ActionGiveContacts,
    ActionIncidentHelp,
    ActionReplyInEnglish,
)
from actions.recommend import ActionRecommendRoute, ActionSupportSelf
from actions.session import ActionSessionStart
from actions.worry_form import ActionAnswerAside, ActionAskKommune, ActionAskSigns, ValidateWorryForm
from bot.knowledge.contacts import route

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
HOTLINE = route("hotline").number
EMERGENCY = route("emergency").number
POLICE = route("police").number
LIVSLINIEN = route("livslinien").number
VICTIM_SUPPORT = route("victim_support").number


@pytest.fixture(autouse=True)
def hotline_open(monkeypatch):
    """Pin the clock inside opening hours unless a test moves it."""
    monkeypatch.setattr(messages, "current_time", lambda: datetime(2026, 3, 2, 12, 0, tzinfo=COPENHAGEN))


def set_clock(monkeypatch, hour):
    monkeypatch.setattr(messages, "current_time", lambda: datetime(2026, 3, 2, hour, 0, tzinfo=COPENHAGEN))


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


# -- session start ------------------------------------------------------------------------------


def test_session_start_introduces_the_assistant_and_sets_contact_slots(domain):
    events, sent = run_action(ActionSessionStart(), make_tracker(), domain)
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    assert slot_events(events)["hotline_number"] == HOTLINE
    intro, privacy = texts(sent)
    assert "ikke et menneske" in intro and f"ring {EMERGENCY}" in intro
    assert "Skriv ikke navne" in privacy
    assert sent[1]["buttons"], "the first message offers buttons"


# -- the guided conversation ----------------------------------------------------------------------


def recommend(domain, **slots):
    return texts(run_action(ActionRecommendRoute(), make_tracker(slots=slots), domain)[1])


def test_parent_with_serious_signs_gets_the_infohus_of_their_police_district(domain):
    sent = recommend(domain, role="parent", kommune="Gentofte", age_band="18_24", signs=["threats", "isolation"])
    joined = "\n".join(sent)
    assert "giver grund til at handle" in sent[0] and "trusler" in sent[0]
    infohus = next(t for t in sent if "Kontakt infohuset" in t)
    assert "Nordsjællands Politi" in infohus and "Gentofte" in infohus and POLICE in infohus
    assert HOTLINE in joined and route("hotline").hours.text_da in joined
    assert joined.index("Kontakt infohuset") < joined.index(HOTLINE), "infohus before hotline when kommune is known"
    assert "Det er altid dig, der bestemmer" in sent[-1]


def test_a_crime_among_the_signs_puts_the_police_first(domain):
    sent = recommend(domain, role="parent", kommune="Odense", age_band="13_17", signs=["vandalism", "symbols"])
    assert POLICE in sent[2] and route("police").web in sent[2]


def test_faith_with_a_pupil_gets_no_ssp_no_infohus_and_no_underretning(domain):
    joined = "\n".join(recommend(domain, role="parent", kommune="Odense", age_band="13_17", signs=["religion", "politics"]))
    assert "ikke i sig selv et tegn" in joined and HOTLINE in joined
    assert not any(phrase in joined for phrase in ("Kontakt infohuset", "Kontakt det lokale infohus", "Kontakt SSP",
                                                   "underretning"))


def test_teacher_of_a_pupil_starts_with_school_leadership_and_ssp(domain):
    sent = recommend(domain, role="school_staff", kommune="Odense", age_band="13_17", signs=["violent_messages"])
    route_texts = sent[2:]
    assert route_texts[0].startswith("Tal først med skolens ledelse")
    assert "SSP i kommunen (Odense)" in route_texts[1]
    assert any("underretning" in t for t in route_texts)
    assert any("Fyns Politi" in t for t in route_texts)


def test_one_combination_sign_alone_is_explained_kindly_and_gets_the_hotlines_advice_only(domain):
    sent = recommend(domain, role="parent", kommune="Aarhus", age_band="13_17", signs=["isolation"])
    assert "ét tegn alene er sjældent grund til stor bekymring" in sent[0]
    joined = "\n".join(sent)
    assert HOTLINE in joined
    for local_route in ("Kontakt infohuset", "Bliver du ved med at være bekymret", "Kontakt SSP", "underretning"):
        assert local_route not in joined


def test_combination_signs_told_together_get_the_hotline_first_and_the_infohus_if_it_persists(domain):
    sent = recommend(domain, role="relative", kommune="Aarhus", age_band="25_plus", signs=["isolation", "fixation"])
    assert not any(t.startswith("Kontakt") and "infohus" in t for t in sent)
    joined = "\n".join(sent)
    assert joined.index(HOTLINE) < joined.index("Bliver du ved med at være bekymret")
    assert "Østjyllands Politi" in joined


def test_several_changes_at_once_are_not_played_down(domain):
    sent = recommend(domain, role="parent", kommune="unknown", age_band="13_17",
                     signs=["isolation", "new_friends", "conspiracy"])
    assert "sjældent grund til stor bekymring" not in sent[0] and "flere ændringer på samme tid" in sent[0]
    assert any("kontakt det lokale infohus" in t for t in sent)


def test_faith_is_explicitly_not_treated_as_a_sign(domain):
    sent = recommend(domain, role="parent", kommune="Aarhus", age_band="13_17", signs=["religion"])
    assert "kan jeg ikke pege på et bestemt bekymringstegn" in sent[0]
    assert "ikke i sig selv et tegn på ekstremisme" in sent[1]
    assert "religiøs omvendelse" in sent[1] and "Grundloven" in sent[1]


def test_the_underretning_is_worded_for_the_writer(domain):
    child = {"kommune": "Aarhus", "age_band": "13_17", "signs": ["violent_messages"]}
    parent = "\n".join(recommend(domain, role="parent", **child))
    assert "hjælp og støtte til familien" in parent and "underretning" not in parent, "never 'report your own child'"
    teacher = "\n".join(recommend(domain, role="school_staff", **child))
    assert "skærpet pligt" in teacher and "procedure" in teacher
    aunt = "\n".join(recommend(domain, role="relative", **child))
    assert "Alle har pligt til at underrette" in aunt


def test_no_not_a_sign_note_beside_a_serious_sign(domain):
    sent = "\n".join(recommend(domain, role="parent", kommune="Aarhus", age_band="18_24",
                                signs=["politics", "absolute_solutions"]))
    assert "giver grund til at handle" in sent and "ikke i sig selv et tegn på ekstremisme" not in sent


def test_wellbeing_points_to_other_help(domain):
    sent = recommend(domain, role="parent", signs=["wellbeing"])
    assert any("anden slags hjælp" in t for t in sent)


def test_unknown_kommune_still_explains_how_to_reach_the_infohus(domain):
    sent = recommend(domain, role="parent", kommune="unknown", age_band="18_24", signs=["weapons"])
    assert any("Skriver du kommunen" in t for t in sent)


def test_acute_slot_puts_112_first_in_the_recommendation(domain):
    sent = recommend(domain, role="parent", kommune="Aarhus", signs=["weapons"], acute=True)
    assert sent[2] == f"Er nogen i fare lige nu, så ring {EMERGENCY} med det samme."


def test_role_self_in_the_form_gets_exit_help_without_police(domain):
    sent = recommend(domain, role="self")
    joined = "\n".join(sent)
    assert "Det kræver mod" in sent[0]
    assert HOTLINE in joined and "exit" in joined
    assert POLICE not in joined and f"ring {EMERGENCY}" not in joined


def test_support_self_sets_the_role_and_never_starts_with_police(domain):
    events, sent = run_action(ActionSupportSelf(), make_tracker(text="jeg vil ud", intent="worry_about_self"), domain)
    assert slot_events(events) == {"role": "self"}
    joined = "\n".join(texts(sent))
    assert POLICE not in joined and "uden at dømme" in joined
    assert "bringe den videre til det lokale infohus" not in joined


def test_closed_hotline_says_when_it_opens(domain, monkeypatch):
    set_clock(monkeypatch, 23)
    sent = recommend(domain, role="parent", signs=["isolation"])
    closed = [t for t in sent if "Lige nu er hotlinen lukket" in t]
    assert closed and route("hotline").hours.text_da in closed[0]


def test_someone_worried_about_themself_at_night_gets_something_to_do_now(domain, monkeypatch):
    set_clock(monkeypatch, 23)
    _, sent = run_action(ActionSupportSelf(), make_tracker(text="jeg vil ud af gruppen", intent="worry_about_self"), domain)
    tonight = next(message for message in sent if "allerede nu" in message.get("text", ""))
    assert LIVSLINIEN in tonight["text"] and tonight["buttons"][0]["payload"] == "/request_human"
    set_clock(monkeypatch, 12)
    _, sent = run_action(ActionSupportSelf(), make_tracker(text="jeg vil ud af gruppen", intent="worry_about_self"), domain)
    assert not any("allerede nu" in message.get("text", "") for message in sent)


def test_open_hotline_has_no_closed_note(domain):
    assert not any("lukket" in t for t in recommend(domain, role="parent", signs=["isolation"]))


# -- form extraction and validation -----------------------------------------------------------------


def form_events(domain, **tracker_args):
    events, sent = run_action(ValidateWorryForm(), make_tracker(active_loop="worry_form", **tracker_args), domain)
    return slot_events(events), texts(sent)


def test_role_button_payload_fills_role(domain):
    slots, _ = form_events(domain, text='/express_worry{"role":"parent"}', intent="express_worry",
                           entities=[{"entity": "role", "value": "parent"}], requested_slot="role")
    assert slots["role"] == "parent"


def test_free_text_answers_fill_slots_from_what_the_readers_read(domain):
    teacher = {"role": "school_staff"}
    assert form_events(domain, text="jeg er lærer", intent="express_worry", requested_slot="role", situation=teacher)[0]["role"] == "school_staff"
    assert form_events(domain, text="vi bor i koege", intent="express_worry", requested_slot="kommune")[0]["kommune"] == "Køge"
    assert form_events(domain, text="han er 15", intent="express_worry", requested_slot="age_band")[0]["age_band"] == "13_17"
    slots, _ = form_events(domain, text="han truer andre og ser voldsvideoer", intent="express_worry", requested_slot="signs",
                           situation={"signs": ["threats", "violent_messages"]})
    assert set(slots["signs"]) == {"threats", "violent_messages"}


def test_a_crisis_told_in_the_questions_puts_livslinien_among_the_routes(domain):
    worried = dict(text="jeg er bekymret for min datter, hun er 17. Hun er ikke sig selv mere.", intent="express_worry",
                   requested_slot=None)
    assert form_events(domain, situation={"role": "parent", "crisis": True}, **worried)[0]["crisis"] is True
    assert "crisis" not in form_events(domain, situation={"role": "parent"}, **worried)[0]


def test_a_short_reply_naming_the_role_is_its_answer_whatever_the_intent(domain):
    professional = {"role": "professional"}
    slots, _ = form_events(domain, text="kontaktperson", intent="request_human", requested_slot="role", situation=professional)
    assert slots["role"] == "professional"
    slots, _ = form_events(domain, text="jeg er hans kontaktperson, men kan jeg tale med et menneske?",
                           intent="request_human", requested_slot="role", situation=professional)
    assert "role" not in slots, "a wish to talk to a person is not lost"


def test_a_role_the_reader_cannot_place_is_asked_again_kindly(domain):
    slots, sent = form_events(domain, text="det er lidt kompliceret", intent="express_worry", requested_slot="role",
                              situation={"role": "unknown"})
    assert slots["role"] is None and "Det forstod jeg ikke helt" in sent[0]


def test_skipping_a_question_moves_on(domain):
    slots, _ = form_events(domain, text="Spring over", intent="deny", slots={"role": "parent"}, requested_slot="kommune")
    assert slots["kommune"] == "unknown"


def test_an_unknown_place_is_asked_again_kindly(domain):
    slots, sent = form_events(domain, text="Atlantis", intent="express_worry", slots={"role": "parent"}, requested_slot="kommune")
    assert slots["kommune"] is None
    assert "kender jeg ikke" in sent[0]


def test_a_question_in_the_middle_extracts_nothing_so_the_form_steps_aside(domain):
    for intent in ("faq", "acute_danger", "request_human", "ask_contact", "worry_about_self"):
        slots, sent = form_events(domain, text="han har en kniv i aften, hvad er ssp", intent=intent, requested_slot="role")
        assert set(slots) <= {"requested_slot"} and not sent, intent


def test_facts_given_early_are_kept_and_not_asked_again(domain):
    slots, _ = form_events(domain, text="jeg er mor og vi bor i Rønne", intent="express_worry", requested_slot=None,
                           situation={"role": "parent"})
    assert slots["role"] == "parent" and slots["kommune"] == "Bornholm"


def test_an_unplaced_description_still_counts_as_an_answer(domain):
    slots, _ = form_events(domain, text="han er bare anderledes", intent="express_worry",
                           slots={"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}, requested_slot="signs")
    assert slots["signs"] == []


def test_a_request_for_a_person_is_never_taken_for_the_answer(domain):
    slots, _ = form_events(domain, text="Aarhus. Men kan jeg ikke tale med et menneske?", intent="request_human",
                           requested_slot="kommune")
    assert "kommune" not in slots, "the form must step aside so that the handoff follows"
    slots, _ = form_events(domain, text="Aarhus", intent="request_human", requested_slot="kommune")
    assert slots["kommune"] == "Aarhus", "a bare answer the classifier misread is still the answer"


def form_run(domain, **tracker_args):
    """Slots set, and every message sent."""
    events, sent = run_action(ValidateWorryForm(), make_tracker(active_loop="worry_form", **tracker_args), domain)
    return slot_events(events), sent


def test_a_question_about_the_service_between_the_questions_is_answered_and_the_question_stays_open(domain):
    known = {"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}
    slots, sent = form_run(domain, text="Inden jeg fortsætter: skal jeg oplyse mit navn?", intent="express_worry",
                           slots=known, requested_slot="signs", situation={"signs": []}, faq=("faq/anonymity", 0.97))
    assert names(sent)[0] == "utter_faq/anonymity"
    assert "signs" not in slots


def test_a_question_the_aside_answer_gave_is_not_repeated_when_the_form_runs_again(domain):
    known = {"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}
    text = "før jeg svarer mere: hvad betyder ekstremisme egentlig? han er bare blevet mærkelig og lukket"
    asked = {"text": text, "situation": {"signs": ["isolation"], "questions": ["faq/extremism"]}}
    user = {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": "express_worry"}}}
    first = form_run(domain, intent="express_worry", slots=known, requested_slot="signs", **asked)
    again = form_run(domain, intent="express_worry", slots=known, requested_slot="signs", **asked,
                     events=[user, {"event": "action", "name": "action_answer_aside"}])
    assert "utter_faq/extremism" in names(first[1])
    assert "utter_faq/extremism" not in names(again[1])


def test_a_question_without_a_question_mark_between_the_questions_is_not_taken_for_the_answer(domain):
    known = {"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}
    slots, sent = form_run(domain, text="hvad sker der hvis jeg ringer til jer", intent="express_worry", slots=known,
                           requested_slot="signs", situation={"signs": [], "questions": ["faq/what_happens"]})
    assert names(sent)[0] == "utter_faq/what_happens"
    assert "signs" not in slots, "the question about signs stays open"


def test_an_unsure_faq_topic_or_a_plain_answer_is_not_taken_for_a_question(domain):
    known = {"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}
    unsure = form_run(domain, text="er det her normalt?", intent="express_worry", slots=known,
                      requested_slot="signs", situation={"signs": []}, faq=("faq/anonymity", 0.5))
    assert unsure[0]["signs"] == [] and "utter_faq/anonymity" not in names(unsure[1])
    place = form_run(domain, text="Odense?", intent="express_worry", slots={"role": "parent"},
                     requested_slot="kommune", faq=("faq/infohus", 0.95))
    assert place[0]["kommune"] == "Odense" and "utter_faq/infohus" not in names(place[1])


def test_an_age_given_when_the_kommune_was_asked_is_kept_without_a_not_understood(domain):
    slots, sent = form_run(domain, text="han er 18 tror jeg. nej vent han er 17", intent="express_worry",
                           slots={"role": "school_staff"}, requested_slot="kommune")
    assert slots.get("age_band") == "13_17"
    assert "utter_kommune_not_understood" not in names(sent)


def test_every_question_of_a_message_is_answered_not_only_the_faq_selectors(domain):
    tracker = make_tracker(text="hvad er et infohus? og hvad menes der med den danske model?", intent="faq",
                           situation={"questions": ["faq/infohus", "faq/danish_model"]}, faq=("faq/danish_model", 0.9))
    _, sent = run_action(ActionAnswerOtherQuestions(), tracker, domain)
    assert names(sent) == ["utter_faq/infohus"], "the selector's topic is answered by utter_faq itself"
    one = make_tracker(text="hvad er SSP?", intent="faq", situation={"questions": ["faq/ssp"]}, faq=("faq/ssp", 0.99))
    assert run_action(ActionAnswerOtherQuestions(), one, domain)[1] == []


def test_a_question_between_the_guided_questions_read_as_a_worry_is_answered(domain):
    """The form declines a message that fills nothing, and Rasa drops what its validation said:
    the rule for a declined worry answers the question (data/rules/interruptions.yml)."""
    aside = make_tracker(text="vent før jeg svarer, får han at vide at det er mig der har skrevet?", intent="express_worry",
                         requested_slot="kommune", active_loop="worry_form", situation={"questions": ["faq/anonymity"]})
    assert names(run_action(ActionAnswerAside(), aside, domain)[1]) == ["utter_faq/anonymity"]
    answer = make_tracker(text="han bor i Odense", intent="express_worry", requested_slot="kommune",
                          active_loop="worry_form", situation={"questions": []})
    assert run_action(ActionAnswerAside(), answer, domain)[1] == []


def test_a_question_about_the_infohus_of_a_place_names_its_police_district(domain):
    tracker = make_tracker(text="hvad er SSP egentlig? og hvilket infohus hører Ballerup under", intent="faq",
                           situation={"questions": ["faq/ssp", "faq/infohus"]}, faq=("faq/ssp", 0.9))
    sent = run_action(ActionAnswerOtherQuestions(), tracker, domain)[1]
    assert names(sent) == ["utter_faq/infohus", "utter_contacts_infohus"] and "Københavns Vestegns Politi" in texts(sent)[1]
    selected = make_tracker(text="Hvilket infohus hører vi under i Thisted?", intent="faq",
                            situation={"questions": []}, faq=("faq/infohus", 0.9))
    assert "Midt- og Vestjyllands Politi" in texts(run_action(ActionAnswerOtherQuestions(), selected, domain)[1])[0]
    unplaced = make_tracker(text="Hvad er et infohus?", intent="faq", situation={"questions": []}, faq=("faq/infohus", 0.9))
    assert run_action(ActionAnswerOtherQuestions(), unplaced, domain)[1] == [], "no place named or known: nothing to add"


def test_questions_inside_a_long_first_message_are_answered_before_the_guided_questions(domain):
    text = "Min bror har delt en video hvor en mand siger at jøder skal dræbes. Hvad er et infohus egentlig?"
    slots, sent = form_run(domain, text=text, intent="express_worry",
                           situation={"signs": ["violent_messages"], "role": "relative", "questions": ["faq/infohus"]})
    assert names(sent)[0] == "utter_faq/infohus"
    assert slots["signs"] == ["violent_messages"], "the worry told is kept"


def test_is_faith_a_sign_inside_a_message_gets_the_note_on_that_topic_not_the_faq_too(domain):
    slots, sent = form_run(domain, text="Hun går med tørklæde nu. Er det et tegn på radikalisering?", intent="express_worry",
                           slots={"role": "parent"}, requested_slot="kommune",
                           situation={"signs": ["religion"], "questions": ["faq/not_a_sign"]})
    assert "utter_faq/not_a_sign" not in names(sent) and any("ikke i sig selv et tegn" in text for text in texts(sent))


def test_a_correction_in_reply_to_the_signs_question_is_not_its_answer(domain):
    known = {"role": "professional", "kommune": "Slagelse", "age_band": "18_24"}
    slots, _ = form_run(domain, text="undskyld, han er lige flyttet. han bor faktisk i Holbæk nu", intent="express_worry",
                        slots=known, requested_slot="signs", situation={"signs": []})
    assert slots["kommune"] == "Holbæk" and "signs" not in slots


def test_faith_asked_about_between_other_questions_is_answered_even_after_signs_of_concern(domain):
    slots, sent = form_run(domain, text="Han er begyndt at bede fem gange om dagen. Er det et tegn?",
                           intent="express_worry", slots={"role": "parent", "signs": ["isolation", "dropout"]},
                           requested_slot="kommune", situation={"signs": ["religion"]})
    assert any("ikke i sig selv et tegn" in text for text in texts(sent))
    assert set(slots["signs"]) == {"isolation", "dropout", "religion"}


def test_one_change_told_before_the_signs_question_is_noted_and_the_question_still_asked(domain):
    slots, _ = form_run(domain, text="Hun skriver hele tiden med en meget ældre mand på nettet.",
                        intent="express_worry", slots={"role": "parent"}, requested_slot="kommune",
                        situation={"signs": ["new_friends"]})
    assert slots["signs"] is None and slots["noted_signs"] == ["new_friends"]


def test_an_age_mentioned_later_is_someone_elses_unless_it_corrects(domain):
    known = {"role": "parent", "kommune": "Helsingør", "age_band": "13_17"}
    slots, _ = form_run(domain, text="har fået en kæreste på 24 som hun har mødt online", intent="express_worry",
                        slots=known, requested_slot="signs", situation={"signs": ["new_friends"]})
    assert "age_band" not in slots or slots["age_band"] == "13_17"
    slots, _ = form_run(domain, text="undskyld, hun er faktisk 19", intent="express_worry",
                        slots=known, requested_slot="signs", situation={"signs": []})
    assert slots["age_band"] == "18_24"


def test_changing_the_kommune_later_updates_it(domain):
    slots, _ = form_events(domain, text="vi bor faktisk i Odense", intent="express_worry",
                           slots={"role": "parent", "kommune": "Aarhus", "age_band": "13_17", "signs": ["threats"]})
    assert slots["kommune"] == "Odense"


def test_a_place_mentioned_later_for_another_reason_does_not_replace_the_kommune(domain):
    slots, _ = form_events(domain, text="han var til en demonstration i Odense i weekenden", intent="express_worry",
                           slots={"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}, requested_slot="signs",
                           situation={"signs": ["extremist_events"]})
    assert "kommune" not in slots or slots["kommune"] == "Aarhus"
    assert slots["signs"] == ["extremist_events"]


def test_a_place_that_is_not_where_they_live_is_not_taken_before_it_is_asked(domain):
    slots, _ = form_events(domain, text="min søn var med til en demonstration i Vejle", intent="express_worry",
                           situation={"role": "parent", "signs": ["extremist_events"]})
    assert "kommune" not in slots


def test_a_name_several_places_share_is_asked_about(domain):
    slots, _ = form_events(domain, text="Strandby", intent="express_worry", slots={"role": "parent"}, requested_slot="kommune")
    assert "kommune" not in slots
    tracker = make_tracker(text="Strandby", intent="express_worry", slots={"role": "parent"}, requested_slot="kommune")
    _, sent = run_action(ActionAskKommune(), tracker, domain)
    assert "flere steder, der hedder Strandby" in texts(sent)[-1]


def test_a_shared_name_follows_the_city_named_with_it(domain):
    slots, _ = form_events(domain, text="Indre By i Aarhus", intent="express_worry", slots={"role": "parent"}, requested_slot="kommune")
    assert slots["kommune"] == "Aarhus"


def test_the_first_question_says_why_it_is_asked_and_only_once(domain):
    _, sent = run_action(ActionAskSigns(), make_tracker(), domain)
    assert "Jeg stiller dig nogle få spørgsmål" in texts(sent)[0] and "Hvad har du lagt mærke til" in texts(sent)[1]
    said = [{"event": "bot", "text": texts(sent)[0]}]
    _, sent = run_action(ActionAskSigns(), make_tracker(events=said), domain)
    assert len(sent) == 1 and "Hvad har du lagt mærke til" in texts(sent)[0]


def test_the_person_themself_is_asked_nothing_more(domain):
    # required_slots shrinks to [role], so the form ends: requested_slot is set to None.
    slots, _ = form_events(domain, text='/express_worry{"role":"self"}', intent="express_worry",
                           entities=[{"entity": "role", "value": "self"}], requested_slot="role")
    assert slots["role"] == "self" and slots["requested_slot"] is None


def test_sign_question_has_buttons_and_a_skip(domain):
    _, sent = run_action(ActionAskSigns(), make_tracker(), domain)
    titles = [b["title"] for b in sent[-1]["buttons"]]
    assert "Spring over" in titles and len(titles) >= 5


# -- direct help ---------------------------------------------------------------------------------------


def test_acute_danger_says_112_first_and_remembers_it(domain):
    events, sent = run_action(ActionAcuteDanger(), make_tracker(text="han har en kniv", intent="acute_danger"), domain)
    assert texts(sent)[0].startswith(f"Ring {EMERGENCY} nu")
    assert HOTLINE in texts(sent)[1]
    assert slot_events(events) == {"acute": True, "after_alarm": True}


def test_acute_danger_in_english_is_answered_in_english(domain):
    tracker = make_tracker(text="he is leaving for Syria tonight", intent="acute_danger", situation={"acute": True, "language": "en"})
    _, sent = run_action(ActionAcuteDanger(), tracker, domain)
    assert texts(sent)[0].startswith(f"Call {EMERGENCY} now") and HOTLINE in texts(sent)[1]


def test_an_english_alarm_keeps_the_language_and_the_signs_for_the_message_after_it(domain):
    tracker = make_tracker(text="my son is driving to the mosque with his rifle to shoot people", intent="acute_danger",
                           situation={"acute": True, "language": "en", "signs": ["weapons"]})
    events, _ = run_action(ActionAcuteDanger(), tracker, domain)
    slots = slot_events(events)
    assert slots["language"] == "en" and slots["noted_signs"] == ["weapons"] and "after_alarm" not in slots


def test_a_crisis_alarm_goes_on_into_the_questions_only_with_signs_of_concern(domain):
    def slots(signs):
        tracker = make_tracker(text="han vil tage nogle af dem med sig", intent="acute_danger",
                               situation={"acute": True, "crisis": True, "signs": signs})
        return slot_events(run_action(ActionAcuteDanger(), tracker, domain)[0])
    assert slots(["violent_messages"]).get("after_alarm") is True
    assert "after_alarm" not in slots([])


def test_an_alarm_with_the_advice_at_once_goes_on_into_the_questions_only_without_a_place(domain):
    def slots(text):
        tracker = make_tracker(text=text, intent="acute_danger",
                               situation={"acute": True, "acute_sure": False, "signs": ["violent_messages"]})
        events, sent = run_action(ActionAcuteDanger(), tracker, domain)
        assert texts(sent)[0].startswith(f"Ring {EMERGENCY} nu") and len(sent) > 3, "the advice follows at once"
        return slot_events(events)
    assert slots("min lejer siger vesten skal bombes til grus").get("after_alarm") is True
    assert "after_alarm" not in slots("min lejer bor i Horsens og siger vesten skal bombes til grus")


def test_the_message_after_an_alarm_tells_facts_to_the_questions_whatever_its_intent(domain):
    follow_up = dict(text="har ringet til dem. han er 16 og jeg er hans træner. hvem skal vide det?", intent="faq",
                     requested_slot=None, situation={"role": "professional"})
    slots, _ = form_events(domain, slots={"after_alarm": True}, **follow_up)
    assert slots["age_band"] == "13_17" and slots["after_alarm"] is None
    slots, _ = form_events(domain, **follow_up)
    assert "age_band" not in slots, "without an alarm before it, a question extracts nothing"


def test_the_message_after_an_alarm_read_as_danger_again_gets_the_number_once_and_tells_its_facts(domain):
    called = dict(text="Nu har jeg ringet 112. Betjentene fandt ham før der skete noget. Han er 17. Hvad nu?",
                  intent="acute_danger", slots={"after_alarm": True},
                  situation={"acute": True, "acute_sure": True, "role": "relative"})
    events, sent = run_action(ActionAcuteDanger(), make_tracker(**called), domain)
    assert names(sent) == ["utter_acute_danger"], "the number once more; the questions follow (data/rules/acute.yml)"
    slots, _ = form_events(domain, requested_slot=None, **called)
    assert slots["age_band"] == "13_17" and slots["after_alarm"] is None
    alarm_now = [{"event": "user", "text": called["text"]}, {"event": "slot", "name": "after_alarm", "value": True}]
    slots, _ = form_events(domain, requested_slot="role", events=alarm_now, **called)
    assert "age_band" not in slots, "an alarm in the middle of the questions: the form takes nothing from its message"
    shaken = make_tracker(text="jeg har ikke lukket et øje", intent="mental_health_crisis", slots={"after_alarm": True})
    assert names(run_action(ActionCrisisHelp(), shaken, domain)[1]) == ["utter_crisis_support", "utter_route_livslinien"]


def test_the_shock_of_the_writer_after_the_alarm_does_not_make_them_the_person_of_concern(domain):
    shaken = dict(text="jeg har ringet 112 nu. jeg ryster helt på hænderne, er det normalt?", intent="express_worry",
                  requested_slot=None, situation={"role": "self"})
    slots, _ = form_events(domain, slots={"after_alarm": True}, **shaken)
    assert "role" not in slots
    slots, _ = form_events(domain, **shaken)
    assert slots["role"] == "self", "without an alarm before it, the reader's 'self' is taken"


def test_an_uncertain_alarm_with_its_story_gets_the_advice_at_once(domain):
    story = "min søn på 16 i Ishøj siger han skal til Syrien og hjælpe brødrene, han har spurgt om penge til billet"
    uncertain = make_tracker(text=story, intent="acute_danger",
                             situation={"acute": True, "acute_sure": False, "signs": ["travel_conflict"], "role": "parent"})
    events, sent = run_action(ActionAcuteDanger(), uncertain, domain)
    said = texts(sent)
    joined = "\n".join(said)
    assert said[0].startswith(f"Ring {EMERGENCY} nu") and "giver grund til at handle" in joined
    assert "Københavns Vestegns Politi" in joined and "Kontakt SSP" in joined and "hjælp og støtte til familien" in joined
    assert slot_events(events) == {"acute": True, "kommune": "Ishøj", "age_band": "13_17", "signs": ["travel_conflict"]}
    sure = make_tracker(text=story, intent="acute_danger",
                        situation={"acute": True, "acute_sure": True, "signs": ["travel_conflict"], "role": "parent"})
    said = texts(run_action(ActionAcuteDanger(), sure, domain)[1])
    assert len(said) == 2 and HOTLINE in said[1], "a certain emergency gets the number and nothing to read"


def test_a_life_in_danger_from_a_crisis_gets_112_then_livslinien_not_the_hotline(domain):
    tracker = make_tracker(text="hun har taget piller", intent="acute_danger", situation={"acute": True, "crisis": True})
    _, sent = run_action(ActionAcuteDanger(), tracker, domain)
    assert texts(sent)[0].startswith(f"Ring {EMERGENCY} nu")
    assert LIVSLINIEN in texts(sent)[1] and HOTLINE not in "\n".join(texts(sent))


def test_a_crisis_gets_livslinien_and_never_exit_help(domain):
    _, sent = run_action(ActionCrisisHelp(), make_tracker(text="jeg vil ikke leve mere", intent="mental_health_crisis"), domain)
    joined = "\n".join(texts(sent))
    assert LIVSLINIEN in joined and route("livslinien").hours.text_da in joined and "egen læge" in joined
    assert "exit" not in joined and "komme ud af et miljø" not in joined


def test_a_hate_crime_read_as_danger_now_gets_the_police_after_the_emergency_number(domain):
    def sent(incident, language="da"):
        tracker = make_tracker(text="i går sagde de, at de vil finde mig og slå mig ihjel", intent="acute_danger",
                               situation={"acute": True, "acute_sure": True, "incident": incident, "language": language})
        return "\n".join(texts(run_action(ActionAcuteDanger(), tracker, domain)[1]))

    victim = sent("victim")
    assert victim.index(EMERGENCY) < victim.index(POLICE) < victim.index(VICTIM_SUPPORT) < victim.index(HOTLINE)
    witness = sent("witness")
    assert POLICE in witness and VICTIM_SUPPORT not in witness
    assert POLICE not in sent("none")
    assert POLICE in sent("victim", language="en") and VICTIM_SUPPORT in sent("victim", language="en")


def test_a_witnessed_hate_crime_gets_the_police_and_no_victim_support(domain):
    tracker = make_tracker(text="nogen har malet hagekors på moskeen", intent="report_incident", situation={"incident": "witness"})
    events, sent = run_action(ActionIncidentHelp(), tracker, domain)
    joined = "\n".join(texts(sent))
    assert POLICE in joined and route("police").web in joined and HOTLINE in joined
    assert VICTIM_SUPPORT not in joined and slot_events(events) == {"incident": "witness"}


def test_a_victim_also_gets_victim_support(domain):
    tracker = make_tracker(text="jeg får dødstrusler efter min artikel", intent="report_incident", situation={"incident": "victim"})
    _, sent = run_action(ActionIncidentHelp(), tracker, domain)
    joined = "\n".join(texts(sent))
    assert joined.index(POLICE) < joined.index(VICTIM_SUPPORT)
    assert LIVSLINIEN not in joined


def test_a_victim_in_despair_gets_livslinien_after_the_police_and_victim_support(domain):
    tracker = make_tracker(text="jeg får trusler i postkassen og kan ikke mere", intent="report_incident",
                           situation={"incident": "victim", "crisis": True})
    _, sent = run_action(ActionIncidentHelp(), tracker, domain)
    joined = "\n".join(texts(sent))
    assert joined.index(POLICE) < joined.index(VICTIM_SUPPORT) < joined.index(LIVSLINIEN)


def test_a_crime_told_as_what_was_noticed_answers_the_question_instead_of_interrupting_it(domain):
    tracker = make_tracker(text="skriftlig trussel mod moskeen med dato, har vist billeder af sine våben",
                           intent="report_incident", active_loop="worry_form", requested_slot="signs",
                           situation={"incident": "witness", "signs": ["threats", "weapons"]})
    events, sent = run_action(ActionIncidentHelp(), tracker, domain)
    assert texts(sent) == []
    assert slot_events(events) == {"signs": ["threats", "weapons"], "noted_signs": [], "incident": "witness"}


def test_a_crime_told_while_another_question_is_open_gets_the_police_at_once(domain):
    tracker = make_tracker(text="nogen har smadret ruden i moskeen i nat", intent="report_incident",
                           active_loop="worry_form", requested_slot="kommune", situation={"incident": "witness"})
    events, sent = run_action(ActionIncidentHelp(), tracker, domain)
    assert POLICE in "\n".join(texts(sent)) and "signs" not in slot_events(events)


def test_contacts_include_the_infohus_when_the_kommune_is_known(domain):
    _, sent = run_action(ActionGiveContacts(), make_tracker(slots={"kommune": "Bornholm"}), domain)
    joined = "\n".join(texts(sent))
    assert EMERGENCY in joined and HOTLINE in joined and POLICE in joined and "Bornholms Politi" in joined


def test_contacts_name_the_infohus_of_the_place_the_message_names(domain):
    tracker = make_tracker(text="hej, hvilket infohus hoerer vi under her i Marstal paa Aeroe?", intent="ask_contact",
                           slots={"kommune": "Aarhus"})
    joined = "\n".join(texts(run_action(ActionGiveContacts(), tracker, domain)[1]))
    assert "Fyns Politi" in joined and "Østjyllands Politi" not in joined


def test_a_question_asked_with_the_numbers_is_answered_after_them(domain):
    tracker = make_tracker(text="Hvad er det for en hotline, og er det politiet jeg taler med?", intent="ask_contact",
                           situation={"questions": ["faq/hotline"]})
    _, sent = run_action(ActionGiveContacts(), tracker, domain)
    assert HOTLINE in texts(sent)[0] and sent[-1].get("response") == "utter_faq/hotline"


def test_english_reply_is_in_english_with_the_hotline(domain):
    _, sent = run_action(ActionReplyInEnglish(), make_tracker(text="hello there", intent="english"), domain)
    assert texts(sent)[0].startswith("Hi! I am a chat assistant") and EMERGENCY in texts(sent)[0]
    assert HOTLINE in texts(sent)[1] and route("hotline").hours.text_en in texts(sent)[1]


def test_english_messages_are_routed_in_english_like_danish_ones(domain):
    worry = make_tracker(text="My nephew lives in Aarhus and shares videos saying Jews should be killed",
                         intent="english", situation={"signs": ["violent_messages"], "role": "relative", "language": "en"})
    joined = "\n".join(texts(run_action(ActionReplyInEnglish(), worry, domain)[1]))
    assert "Østjyllands Politi" in joined and "infohus" in joined and HOTLINE in joined
    assert "give reason to act" in joined
    unplaced = make_tracker(text="My nephew shares videos saying Jews should be killed", intent="english",
                            situation={"signs": ["violent_messages"], "role": "relative", "language": "en"})
    events, sent = run_action(ActionReplyInEnglish(), unplaced, domain)
    assert "town or kommune" in texts(sent)[-1] and slot_events(events)["noted_signs"] == ["violent_messages"]
    placed_later = make_tracker(text="Hvidovre", intent="express_worry", situation={"language": "da"},
                                slots={"noted_signs": ["violent_messages"], "role": "relative", "language": "en"})
    later = texts(run_action(ActionReplyInEnglish(), placed_later, domain)[1])
    assert "Københavns Vestegns Politi" in "\n".join(later) and not later[0].startswith("Hi!"), "no second greeting"
    parent = make_tracker(text="Hi, I'm worried about my son, he's 16.", intent="english",
                          situation={"role": "parent", "language": "en"})
    assert "town or kommune" in texts(run_action(ActionReplyInEnglish(), parent, domain)[1])[-1]
    faith = make_tracker(text="My daughter converted to Islam and prays five times a day", intent="english",
                         situation={"signs": ["religion"], "role": "parent", "language": "en"})
    joined = "\n".join(texts(run_action(ActionReplyInEnglish(), faith, domain)[1]))
    assert "not signs of extremism on their own" in joined and "The local infohus" not in joined and "12 police" not in joined
    crisis = make_tracker(text="I cannot go on living", intent="english", situation={"crisis": True, "language": "en"})
    assert LIVSLINIEN in texts(run_action(ActionReplyInEnglish(), crisis, domain)[1])[-1]
    victim = make_tracker(text="someone sprayed a swastika on our shop last night", intent="english",
                          situation={"incident": "victim", "language": "en"})
    joined = "\n".join(texts(run_action(ActionReplyInEnglish(), victim, domain)[1]))
    assert POLICE in joined and VICTIM_SUPPORT in joined
    assert "town or kommune" not in joined, "a victim is not asked where they live"
    witness_of_his_threats = make_tracker(text="I called 112 and they are sending someone. Who should I talk to about him?",
                                          intent="english", situation={"incident": "witness", "language": "en"},
                                          slots={"noted_signs": ["weapons", "violent_messages"], "language": "en"})
    assert "town or kommune" in texts(run_action(ActionReplyInEnglish(), witness_of_his_threats, domain)[1])[-1], \
        "the infohus is advised: where he lives names its police district"
    offers = [text for text in texts(run_action(ActionReplyInEnglish(), parent, domain)[1]) if "talk to a person" in text]
    assert len(offers) == 1, "a person from the hotline is offered with a button, once"
    assert not [text for text in later if "talk to a person" in text], "not again later in the conversation"
    self_worry = make_tracker(text="I want to get out of the group I am in", intent="english",
                              situation={"role": "self", "language": "en"})
    joined = "\n".join(texts(run_action(ActionReplyInEnglish(), self_worry, domain)[1]))
    assert "mentor" in joined and HOTLINE in joined and POLICE not in joined


def test_a_reply_to_the_english_question_of_where_names_the_place_however_it_is_worded(domain):
    asked = [{"event": "bot", "text": messages.render("utter_ask_kommune_en")["text"]}]
    slots = {"noted_signs": ["violent_messages"], "role": "school_staff", "language": "en"}
    reply = make_tracker(text="Helsingør, he lives at the school", intent="english", situation={"language": "en"},
                         slots=slots, events=asked)
    assert "Nordsjællands Politi" in "\n".join(texts(run_action(ActionReplyInEnglish(), reply, domain)[1]))
    unasked = make_tracker(text="Helsingør, he lives at the school", intent="english", situation={"language": "en"},
                           slots=slots)
    assert "Nordsjællands Politi" not in "\n".join(texts(run_action(ActionReplyInEnglish(), unasked, domain)[1]))


def test_another_language_gets_a_short_answer_in_english_and_danish_with_the_numbers(domain):
    tracker = make_tracker(text="Moj syn ma 16 lat i ogląda filmy z wojny", intent="english", situation={"language": "other"})
    events, sent = run_action(ActionReplyInEnglish(), tracker, domain)
    assert len(sent) == 1 and not events
    assert "English and Danish" in sent[0]["text"] and "engelsk og dansk" in sent[0]["text"]
    assert EMERGENCY in sent[0]["text"] and HOTLINE in sent[0]["text"]


def test_english_questions_about_the_service_get_the_english_faq_answer(domain):
    def answer(name):
        return messages.render(name, **messages.response_values(name))["text"]

    asked = make_tracker(text="Can you explain what SSP is?", intent="english",
                         situation={"language": "en", "questions": ["faq/ssp"]})
    events, sent = run_action(ActionReplyInEnglish(), asked, domain)
    assert texts(sent)[-2:] == [answer("utter_faq_ssp_en"), answer("utter_english_handoff_offer")]
    assert slot_events(events) == {"language": "en"}
    assert answer("utter_route_hotline_en") not in texts(sent), "a question gets its answer, not the routes of a worry"
    selected = make_tracker(text="And can she call without giving her name?", intent="english",
                            situation={"language": "en"}, slots={"language": "en"}, faq=("faq/anonymity", 0.7))
    assert texts(run_action(ActionReplyInEnglish(), selected, domain)[1]) == [answer("utter_faq_anonymity_en")]
    unsure = make_tracker(text="And what about teachers?", intent="english",
                          situation={"language": "en"}, slots={"language": "en"}, faq=("faq/not_a_sign", 0.2))
    assert answer("utter_faq_not_a_sign_en") not in texts(run_action(ActionReplyInEnglish(), unsure, domain)[1])
    described = make_tracker(text="My son is 16 and lives in Esbjerg. He sits alone in his room. What should I do?",
                             intent="english", situation={"language": "en", "role": "parent"}, faq=("faq/what_happens", 0.8))
    said = texts(run_action(ActionReplyInEnglish(), described, domain)[1])
    assert answer("utter_faq_what_happens_en") not in said and answer("utter_route_hotline_en") in said, \
        "a description with its own question gets the routes, not an FAQ"
    worry_and_question = make_tracker(
        text="My son is 16, lives in Esbjerg and shares IS videos. Will the police get his name if I call?", intent="english",
        situation={"language": "en", "signs": ["violent_messages"], "role": "parent", "questions": ["faq/what_happens"]})
    said = texts(run_action(ActionReplyInEnglish(), worry_and_question, domain)[1])
    joined = "\n".join(said)
    assert "Syd- og Sønderjyllands Politi" in joined and answer("utter_route_ssp_en") in said
    assert said.index(answer("utter_faq_what_happens_en")) > said.index(answer("utter_route_ssp_en"))
    ours = make_tracker(
        text="Our son's school on Frederiksberg mentioned an 'infohus'. What is that, and which one is ours? We live on "
             "Frederiksberg.", intent="english", situation={"language": "en", "role": "parent"}, faq=("faq/infohus", 0.94))
    joined = "\n".join(texts(run_action(ActionReplyInEnglish(), ours, domain)[1]))
    assert answer("utter_faq_infohus_en") in joined and "Københavns Politi" in joined, \
        "a sure question told with a worry is answered, and the infohus of the place told named"


# -- misunderstandings ---------------------------------------------------------------------------------


def test_out_of_scope_steers_back_then_offers_the_hotline(domain):
    events, sent = run_action(ActionHandleOutOfScope(), make_tracker(intent="out_of_scope", slots={"misunderstandings": 0}), domain)
    assert "Det kan jeg desværre ikke hjælpe med" in texts(sent)[0]
    assert slot_events(events) == {"misunderstandings": 1}
    events, sent = run_action(ActionHandleOutOfScope(), make_tracker(intent="out_of_scope", slots={"misunderstandings": 1}), domain)
    assert HOTLINE in texts(sent)[0]
    assert slot_events(events) == {"misunderstandings": 0}


def test_out_of_scope_in_the_middle_of_the_questions_asks_again_without_turning_away(domain):
    tracker = make_tracker(text="ambulancen er her nu. hvad gør vi nu", intent="out_of_scope",
                           slots={"misunderstandings": 0}, active_loop="worry_form")
    events, sent = run_action(ActionHandleOutOfScope(), tracker, domain)
    assert "forstod jeg ikke helt" in texts(sent)[0]
    assert "ikke hjælpe med" not in " ".join(texts(sent))
    assert slot_events(events) == {"misunderstandings": 1}


def test_ask_affirmation_names_the_guess_in_danish(domain):
    tracker = make_tracker(text="ssp hvad", intent="nlu_fallback")
    tracker.latest_message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "faq"}, {"name": "greet"}]
    tracker.latest_message["response_selector"] = {"faq": {"response": {"intent_response_key": "faq/ssp"}}}
    _, sent = run_action(ActionDefaultAskAffirmation(), tracker, domain)
    assert sent[0]["text"] == "Mente du: hvad SSP er?"
    assert [b["payload"] for b in sent[0]["buttons"]] == ["Hvad er SSP?", "/out_of_scope"]


def test_ask_affirmation_for_a_normal_intent_uses_its_payload(domain):
    tracker = make_tracker(intent="nlu_fallback")
    tracker.latest_message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "request_human"}]
    _, sent = run_action(ActionDefaultAskAffirmation(), tracker, domain)
    assert sent[0]["buttons"][0]["payload"] == "/request_human"


@pytest.mark.parametrize("guess", ["affirm", "thank", "english", "greet", "deny"])
def test_a_guess_that_helps_nobody_is_never_offered_and_the_user_is_asked_to_rephrase(domain, guess):
    tracker = make_tracker(text="asdkj qwe", intent="nlu_fallback")
    tracker.latest_message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": guess}]
    _, sent = run_action(ActionDefaultAskAffirmation(), tracker, domain)
    assert "Mente du" not in sent[0]["text"] and sent[0]["text"] == messages.render("utter_ask_rephrase")["text"]


def test_rephrase_and_final_fallback(domain):
    _, sent = run_action(ActionDefaultAskRephrase(), make_tracker(), domain)
    assert "på en anden måde" in texts(sent)[0]
    events, sent = run_action(ActionDefaultFallback(), make_tracker(), domain)
    assert HOTLINE in texts(sent)[0] and events[-1]["event"] == "rewind"


def test_an_age_mentioned_in_passing_is_kept(domain):
    slots, _ = form_events(domain, text="jeg er lærer og bekymret for en elev i 8. klasse", intent="express_worry",
                           situation={"role": "school_staff"})
    assert slots["role"] == "school_staff" and slots["age_band"] == "13_17"


def test_a_duration_is_not_taken_for_an_age(domain):
    slots, _ = form_events(domain, text="han har haft nye venner i 2 år", intent="express_worry")
    assert "age_band" not in slots


def test_describing_signs_when_asked_for_the_age_keeps_the_signs_without_scolding(domain):
    slots, sent = form_events(domain, text="han har tegnet hagekors og truer andre", intent="express_worry",
                              slots={"role": "parent", "kommune": "Aarhus"}, requested_slot="age_band",
                              situation={"signs": ["symbols", "threats"]})
    assert slots["age_band"] is None and {"symbols", "threats"} <= set(slots["signs"])
    assert not sent


def test_thanks_in_the_middle_is_not_taken_as_an_answer(domain):
    slots, sent = form_events(domain, text="tak for hjælpen", intent="thank", requested_slot="age_band")
    assert set(slots) <= {"requested_slot"} and not sent


def test_a_skip_button_counts_whatever_the_classifier_made_of_it(domain):
    slots, _ = form_events(domain, text="Spring over", intent="ask_contact", slots={"role": "parent"}, requested_slot="kommune")
    assert slots["kommune"] == "unknown"


def test_a_button_answer_counts_even_if_it_looks_like_a_question(domain):
    slots, _ = form_events(domain, text="Ekstremt indhold på nettet", intent="faq",
                           slots={"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}, requested_slot="signs")
    assert slots["signs"] == ["online_material"]
    slots, _ = form_events(domain, text="13-17 år", intent="out_of_scope", slots={"role": "parent"}, requested_slot="age_band")
    assert slots["age_band"] == "13_17"


def test_sure_acute_danger_is_never_taken_as_an_answer(domain):
    slots, _ = form_events(domain, text="han har et våben og vil angribe i morgen", intent="acute_danger",
                           slots={"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}, requested_slot="signs",
                           situation={"acute": True, "acute_sure": True, "signs": ["weapons"]})
    assert set(slots) <= {"requested_slot"}


def test_observations_read_as_possible_danger_now_answer_the_signs_question_and_put_the_emergency_number_first(domain):
    known = {"role": "professional", "kommune": "Faaborg-Midtfyn", "age_band": "13_17"}
    observed = dict(text="han har en machete på værelset og siger at de vantro skal dø", intent="acute_danger",
                    slots=known, situation={"acute": True, "acute_sure": False, "signs": ["weapons", "violent_messages"]})
    slots, _ = form_events(domain, **observed, requested_slot="signs")
    assert slots["signs"] == ["weapons", "violent_messages"] and slots["acute"] is True
    slots, _ = form_events(domain, **observed, requested_slot="kommune")
    assert set(slots) <= {"requested_slot"}, "only an answer to 'what have you noticed?' is read this way"


def test_a_role_mentioned_in_passing_is_kept_whatever_the_intent(domain):
    slots, _ = form_events(domain, text="jeg er bekymret for min søn, han har ændret sig", intent="express_worry",
                           situation={"role": "parent"})
    assert slots["role"] == "parent"


def test_a_known_role_stays_until_the_writer_corrects_it(domain):
    known = {"role": "school_staff", "kommune": "Hvidovre", "age_band": "13_17"}
    slots, _ = form_events(domain, text="han har sagt til en pige i klassen at hun bliver den næste", intent="express_worry",
                           slots=known, requested_slot="signs", situation={"role": "friend", "signs": ["threats"]})
    assert slots.get("role", "school_staff") == "school_staff", "the pupil's classmate is not the writer"
    slots, _ = form_events(domain, text="undskyld, jeg er faktisk pædagog i hans fritidsklub", intent="express_worry",
                           slots=known, requested_slot="signs", situation={"role": "professional"})
    assert slots["role"] == "professional"
    slots, _ = form_events(domain, text="undskyld, klubben ligger i Køge men han bor faktisk i Næstved",
                           intent="express_worry", slots={**known, "role": "professional"}, requested_slot="age_band",
                           situation={"role": "friend"})
    assert slots.get("role", "professional") == "professional", "a correction of where he lives, not of the writer"


def test_a_hate_crime_described_in_the_guided_conversation_is_remembered_for_the_police_route(domain):
    slots, _ = form_events(domain, text="han har sprayet hagekors på moskeen", intent="express_worry",
                           slots={"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}, requested_slot="signs",
                           situation={"signs": ["vandalism"], "incident": "witness"})
    assert slots["signs"] == ["vandalism"] and slots["incident"] == "witness"


def test_an_answer_to_what_was_noticed_is_never_out_of_scope(domain):
    known = {"role": "school_staff", "kommune": "Brøndby", "age_band": "under_13"}
    slots, _ = form_events(domain, text="skal på lang familieferie til Pakistan, ellers ingen bekymringer",
                           intent="out_of_scope", slots=known, requested_slot="signs", situation={"signs": []})
    assert slots["signs"] == []
    slots, _ = form_events(domain, text="hvad er vejret i morgen?", intent="out_of_scope", slots=known,
                           requested_slot="signs", situation={"signs": []})
    assert "signs" not in slots, "a question of its own is not the answer"


def test_a_crisis_told_with_the_signs_adds_livslinien_to_the_advice(domain):
    slots, _ = form_events(domain, text="hun er helt isoleret, har skåret i sig selv og skriver hun ikke gider leve mere",
                           intent="express_worry", slots={"role": "friend", "kommune": "Aarhus", "age_band": "13_17"},
                           requested_slot="signs", situation={"signs": ["isolation", "wellbeing"], "crisis": True})
    assert slots["crisis"] is True
    advice = "\n".join(texts(run_action(ActionRecommendRoute(), make_tracker(slots={
        "role": "friend", "kommune": "Aarhus", "age_band": "13_17", "signs": ["isolation", "wellbeing"], "crisis": True}),
        domain)[1]))
    assert LIVSLINIEN in advice and "exit" not in advice


def test_an_alarming_sign_button_is_an_answer_even_if_classified_as_acute(domain):
    slots, _ = form_events(domain, text="Vold, trusler eller våben", intent="acute_danger",
                           slots={"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}, requested_slot="signs")
    assert {"violence", "threats", "weapons"} <= set(slots["signs"])


def test_faith_told_before_the_question_is_noted_and_the_question_still_asked(domain):
    slots, sent = form_events(domain, text="min datter er begyndt at gå med tørklæde, er det et tegn?", intent="express_worry",
                              situation={"role": "parent", "signs": ["religion"]})
    assert slots["signs"] is None and slots["noted_signs"] == ["religion"]
    assert "ikke i sig selv et tegn på ekstremisme" in sent[0], "the question is answered at once"
    slots, _ = form_events(domain, text="hun siger vi ikke må stemme", intent="express_worry", requested_slot="signs",
                           slots={"role": "parent", "kommune": "Aarhus", "age_band": "13_17", "noted_signs": ["religion"]},
                           situation={"signs": ["vote_pressure"]})
    assert slots["signs"] == ["religion", "vote_pressure"] and slots["noted_signs"] == []


def test_a_question_about_faith_in_reply_to_the_signs_question_is_answered_and_the_question_asked_again(domain):
    known = {"role": "relative", "kommune": "Holbæk", "age_band": "13_17"}
    slots, sent = form_events(domain, text="må jeg spørge først: er det et tegn at hun er begyndt at gå med tørklæde?",
                              intent="express_worry", slots=known, requested_slot="signs", situation={"signs": ["religion"]})
    assert slots["signs"] is None and slots["noted_signs"] == ["religion"]
    assert "ikke i sig selv et tegn på ekstremisme" in sent[0]
    slots, _ = form_events(domain, text="hun går med tørklæde og beder", intent="express_worry", slots=known,
                           requested_slot="signs", situation={"signs": ["religion"]})
    assert slots["signs"] == ["religion"], "a plain answer about faith still answers the question"


def test_a_sign_of_concern_told_before_the_question_answers_it(domain):
    slots, _ = form_events(domain, text="han truer sin lærer", intent="express_worry", situation={"signs": ["threats"]})
    assert slots["signs"] == ["threats"]


def test_the_advice_names_what_was_noted_before_the_question(domain):
    sent = recommend(domain, role="parent", kommune="Aarhus", age_band="13_17", signs=[], noted_signs=["religion"])
    assert any("ikke i sig selv et tegn" in t for t in sent)


def test_an_emergency_in_the_middle_is_declined_and_its_action_keeps_its_facts(domain):
    emergency = dict(text="han har en kniv og vil stikke nogen ned i aften i Vejle, han bor i Horsens", intent="acute_danger",
                     slots={"role": "parent"}, requested_slot="kommune", situation={"acute": True, "signs": ["weapons"]})
    slots, sent = form_events(domain, **emergency)
    assert not slots and not sent, "the form takes nothing, so the acute rule answers first"
    # Rasa does not validate the form after the acute action, so that action keeps the facts.
    events, sent = run_action(ActionAcuteDanger(), make_tracker(active_loop="worry_form", **emergency), domain)
    assert "112" in sent[0]["text"]
    assert slot_events(events) == {"acute": True, "after_alarm": True, "kommune": "Horsens", "signs": ["weapons"]}
    events, _ = run_action(ActionAcuteDanger(), make_tracker(
        active_loop="worry_form", text="han har lige vist mig en kniv, han er bare sur", intent="acute_danger",
        requested_slot="role", situation={"acute": True, "signs": ["wellbeing"], "role": "friend"}), domain)
    assert slot_events(events) == {"acute": True, "after_alarm": True}, \
        "no place, no sign of concern, no role for sure: the questions go on"
    events, _ = run_action(ActionAcuteDanger(), make_tracker(text="han har en kniv i Horsens", intent="acute_danger",
                                                             situation={"acute": True, "signs": ["weapons"]}), domain)
    assert slot_events(events) == {"acute": True, "after_alarm": True, "signs": ["weapons"]}, \
        "outside the guided questions too: questions that follow ('I called 112, what now?') go on from them," \
        " and ask where he lives (Horsens is where the knife is)"


def test_where_the_writer_lives_is_not_taken_for_where_the_person_lives(domain):
    slots, _ = form_events(domain, text="Jeg er farmor og bor selv i Rønne. Jeg er bekymret for mit barnebarn på 18.",
                           intent="express_worry", situation={"role": "relative"})
    assert "kommune" not in slots


def test_a_correction_without_where_they_live_takes_the_place_it_corrects_to(domain):
    slots, _ = form_events(domain, text="nej undskyld, ikke Køge men Kolding", intent="express_worry",
                           slots={"role": "parent", "kommune": "Køge", "age_band": "13_17", "signs": ["threats"]})
    assert slots["kommune"] == "Kolding"


def test_what_was_noticed_that_the_classifier_takes_for_a_question_is_the_answer(domain):
    known = {"role": "parent", "kommune": "Aarhus", "age_band": "13_17"}
    slots, sent = form_run(domain, text="ingen ting, vi skal bare besoge familie", intent="faq", slots=known,
                           requested_slot="signs", situation={"signs": []}, faq=("faq/what_happens", 0.9))
    assert slots["signs"] == [] and slots["nothing_else_noticed"] is True
    assert not any(name.startswith("utter_faq") for name in names(sent))


def test_is_this_a_sign_is_answered_before_the_questions_when_nothing_of_concern_is_told(domain):
    def first_question(**reading):
        tracker = make_tracker(text="Han spiller meget og er stoppet til fodbold. Er det et tegn på radikalisering?",
                               intent="express_worry", situation=reading)
        return names(run_action(ActionAskKommune(), tracker, domain)[1])

    assert first_question(signs=[])[:3] == ["utter_assessment_no_sign", "utter_acknowledge_worry", "utter_ask_kommune"]
    assert "utter_assessment_no_sign" not in first_question(signs=["threats"]), "a sign is never called no sign"
    assert "utter_assessment_no_sign" not in first_question(signs=["isolation"])
    assert "utter_assessment_no_sign" not in first_question(signs=["religion"]), "faith gets its own note"
    assert "utter_assessment_no_sign" not in first_question(signs=[], acute=True)
    assert "utter_assessment_no_sign" not in first_question(signs=[], incident="witness")
    assert "utter_assessment_no_sign" not in first_question(signs=[], crisis=True)
    untold = make_tracker(text="Han spiller meget og er stoppet til fodbold.", intent="express_worry", situation={"signs": []})
    assert "utter_assessment_no_sign" not in names(run_action(ActionAskKommune(), untold, domain)[1]), "nothing asked"
    bare = make_tracker(text="Jeg er bekymret for min søn. Skal jeg melde det?", intent="express_worry", situation={"signs": []})
    assert "utter_assessment_no_sign" not in names(run_action(ActionAskKommune(), bare, domain)[1]), "nothing told yet"


def test_is_this_a_sign_asked_earlier_is_answered_in_the_advice_once(domain):
    known = {"role": "parent", "kommune": "Aarhus", "age_band": "13_17", "signs": []}
    asked = {"event": "user", "text": "Skal jeg være bekymret for radikalisering?"}
    later = {"event": "user", "text": "kun gaming"}

    def advice(*events, **slots):
        tracker = make_tracker(text="kun gaming", slots={**known, **slots}, events=list(events))
        return names(run_action(ActionRecommendRoute(), tracker, domain)[1])

    assert "utter_assessment_no_sign" in advice(asked, later)
    assert "utter_assessment_unclear" in advice(later), "not asked: no verdict"
    assert "utter_assessment_serious" in advice(asked, later, signs=["weapons"])
    answered = {"event": "bot", "text": messages.render("utter_assessment_no_sign")["text"]}
    assert "utter_assessment_unclear" in advice(asked, answered, later), "not said twice"
    assert "utter_assessment_no_sign" not in advice(asked, later, incident="witness")
    restarted = {"event": "session_started"}
    assert "utter_assessment_unclear" in advice(asked, restarted, later), "an expired session is another conversation"
    assert "utter_assessment_no_sign" in advice(answered, restarted, asked, later), "said in the old one only"


def test_is_this_a_warning_sign_in_english_gets_what_is_and_is_not_a_sign(domain):
    tracker = make_tracker(text="My son-in-law lost his job and is angry at the government. Is this a warning sign?",
                           intent="english", situation={"signs": [], "role": "relative", "language": "en"})
    assert "utter_faq_not_a_sign_en" in names(run_action(ActionReplyInEnglish(), tracker, domain)[1])
    told = make_tracker(text="My son-in-law is angry at the government.", intent="english",
                        situation={"signs": [], "role": "relative", "language": "en"})
    assert "utter_faq_not_a_sign_en" not in names(run_action(ActionReplyInEnglish(), told, domain)[1])


def test_faith_told_with_a_hate_crime_is_said_to_be_no_sign(domain):
    tracker = make_tracker(text="min datter går med jilbab, og drengene i skolen kalder hende terrorist",
                           intent="report_incident", situation={"incident": "victim", "signs": ["religion"]})
    sent = names(run_action(ActionIncidentHelp(), tracker, domain)[1])
    assert sent.index("utter_incident_support") < sent.index("utter_not_a_sign")


def test_nothing_noticed_beyond_what_was_told_and_no_sign_read_is_said_to_be_no_sign(domain):
    def advice(**slots):
        known = {"role": "parent", "kommune": "Aarhus", "age_band": "13_17", **slots}
        return names(run_action(ActionRecommendRoute(), make_tracker(slots=known), domain)[1])

    assert "utter_assessment_no_sign" in advice(signs=[], nothing_else_noticed=True)
    assert "utter_assessment_unclear" in advice(signs=[]), "without the writer's word, no verdict"
    assert "utter_assessment_serious" in advice(signs=["violence"], nothing_else_noticed=True)
    faith = advice(signs=["religion"], nothing_else_noticed=True)
    assert "utter_not_a_sign" in faith and "utter_assessment_no_sign" not in faith, "said once, on the topic"
