"""Whole conversations with the running assistant (Rasa server + action server) over REST.

`make test` starts both servers on loopback and sets RASA_URL. Run alone, these tests are skipped
with a message saying so.
"""

import json
import os
import re
import urllib.error
import urllib.request
import uuid

import pytest

from bot.knowledge.contacts import route

pytestmark = pytest.mark.conversation

RASA_URL = os.environ.get("RASA_URL")
HOTLINE = route("hotline").number
HOURS = route("hotline").hours.text_da
EMERGENCY = route("emergency").number
POLICE = route("police").number
CASE_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@pytest.fixture
def chat():
    if not RASA_URL:
        pytest.skip("no Rasa server: set RASA_URL, or run `make test`, which starts one")
    sender = f"test-{uuid.uuid4()}"

    def send(message: str) -> list[str]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{RASA_URL}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return [m.get("text", "") for m in json.load(response)]

    return send


def start_worry(chat) -> None:
    chat("/express_worry")


def test_the_first_message_introduces_the_assistant(chat):
    replies = chat("hej")
    assert "ikke et menneske og ikke en alarmtjeneste" in replies[0] and EMERGENCY in replies[0]
    assert "Skriv ikke navne" in replies[1]


def test_a_parent_types_the_whole_guided_conversation(chat):
    assert any("Hvem er du" in r for r in chat("jeg er bekymret for en ung jeg kender, han har ændret sig meget"))
    assert any("Hvilken kommune" in r for r in chat("jeg er hans moster"))
    assert any("Hvor gammel" in r for r in chat("vi bor i hellerup"))
    assert any("Hvad har du lagt mærke til" in r for r in chat("han er 15"))
    advice = "\n".join(chat("han deler videoer der hylder vold og har truet sine klassekammerater"))
    assert "giver grund til at handle" in advice
    assert "SSP i kommunen (Gentofte)" in advice
    assert "Nordsjællands Politi" in advice
    assert HOTLINE in advice and HOURS in advice
    assert "underretning" in advice


def test_my_son_is_understood_as_a_parent_and_not_asked_again(chat):
    replies = chat("jeg er bekymret for min søn, han har ændret sig meget")
    assert not any("Hvem er du" in r for r in replies)
    assert any("Hvilken kommune" in r for r in replies)


def test_role_and_age_in_the_first_message_are_not_asked_again(chat):
    replies = chat("hej, jeg er lærer og er bekymret for en elev i 8. klasse")
    assert any("Hvilken kommune" in r for r in replies)
    assert any("Hvad har du lagt mærke til" in r for r in chat("Silkeborg"))


def test_thanks_in_the_middle_keeps_the_conversation_going(chat):
    start_worry(chat)
    replies = chat("tak for hjælpen indtil videre")
    assert any("Det var så lidt" in r for r in replies) and any("Hvem er du" in r for r in replies)


def test_buttons_and_skipping_work_too(chat):
    start_worry(chat)
    assert any("Hvilken kommune" in r for r in chat('/inform_role{"role": "school_staff"}'))
    assert any("Hvor gammel" in r for r in chat("Spring over"))
    assert any("Hvad har du lagt mærke til" in r for r in chat("13-17 år"))
    advice = chat("Har isoleret sig eller fået nye venner")
    assert "ét tegn alene er sjældent grund til stor bekymring" in advice[0]
    assert any(r.startswith("Tal først med skolens ledelse") for r in advice)
    assert any(HOTLINE in r for r in advice)


def test_acute_danger_inside_the_guided_conversation_gets_112_first_then_goes_on(chat):
    start_worry(chat)
    replies = chat("han har en kniv og siger han vil angribe skolen i morgen")
    assert replies[0].startswith(f"Ring {EMERGENCY} nu")
    assert any("Hvem er du" in r for r in replies[1:]), "the guided conversation goes on afterwards"


def test_acute_danger_as_the_very_first_message(chat):
    replies = chat("HJÆLP han er på vej til lufthavnen nu for at rejse til syrien")
    first_answer = next(r for r in replies if "Skriv ikke navne" not in r and "alarmtjeneste" not in r)
    assert first_answer.startswith(f"Ring {EMERGENCY} nu")


def test_a_question_in_the_middle_is_answered_and_the_conversation_resumes(chat):
    start_worry(chat)
    replies = chat("hvad er et infohus egentlig?")
    assert any("infohus" in r and "politikreds" in r for r in replies)
    assert any("Hvem er du" in r for r in replies)


def test_contact_details_in_the_middle(chat):
    start_worry(chat)
    replies = chat("hvad er telefonnummeret til hotlinen")
    assert any(HOTLINE in r for r in replies) and any("Hvem er du" in r for r in replies)


def test_changing_the_kommune_after_the_advice_gives_new_advice(chat):
    start_worry(chat)
    chat('/inform_role{"role": "parent"}')
    chat("Aarhus")
    chat("25 år eller ældre")
    assert any("Østjyllands Politi" in r for r in chat("Vold, trusler eller våben"))
    assert any("Fyns Politi" in r for r in chat("vi bor faktisk i Odense"))


def test_faith_is_not_treated_as_a_sign(chat):
    start_worry(chat)
    chat('/inform_role{"role": "relative"}')
    chat("Spring over")
    chat("18-24 år")
    advice = "\n".join(chat("han er konverteret og beder fem gange om dagen"))
    assert "ikke i sig selv et tegn på ekstremisme" in advice
    assert "giver grund til at handle" not in advice


def test_someone_worried_about_themself_gets_exit_help_not_the_police(chat):
    replies = "\n".join(chat("jeg er selv med i en ekstrem gruppe og vil gerne ud, men jeg er bange"))
    assert "Det kræver mod" in replies and HOTLINE in replies and "exit" in replies
    assert POLICE not in replies


def test_english_gets_a_short_english_answer(chat):
    replies = chat("Hello, I am worried that my nephew is being radicalised. Can you help me?")
    english = next(r for r in replies if r.startswith("Hi!"))
    assert HOTLINE in english and route("hotline").hours.text_en in english


def test_asking_for_a_human_in_the_middle_hands_over_with_a_case_code(chat):
    start_worry(chat)
    joined = "\n".join(chat("kan jeg ikke bare tale med et rigtigt menneske"))
    code = CASE_CODE.search(joined)
    assert code and HOTLINE in joined and HOURS in joined
    assert "Hvem er du" not in joined
    again = "\n".join(chat("/request_human"))
    assert code.group() in again and "allerede" in again


def test_accepting_the_offered_human_after_misunderstandings_hands_over(chat):
    chat("hej")
    chat("/out_of_scope")
    assert any("give din henvendelse videre" in r for r in chat("/out_of_scope"))
    assert CASE_CODE.search("\n".join(chat("/request_human")))


def test_off_topic_twice_offers_the_hotline(chat):
    # Payloads fix the NLU result: this checks the dialogue; tests/nlu_holdout.yml scores the model.
    chat("hej")
    assert any("Det kan jeg desværre ikke hjælpe med" in r for r in chat("/out_of_scope"))
    assert any("tale med et menneske" in r and HOTLINE in r for r in chat("/out_of_scope"))


def test_a_sign_button_that_sounds_alarming_is_still_an_answer(chat):
    start_worry(chat)
    chat('/inform_role{"role": "parent"}')
    chat("Aarhus")
    chat("13-17 år")
    advice = chat("Vold, trusler eller våben")
    assert "giver grund til at handle" in advice[0]
    assert not any(r.startswith(f"Ring {EMERGENCY} nu") for r in advice)


def test_not_understood_twice_ends_with_the_hotline(chat):
    # The payload forces the NLU result, so this checks the dialogue, not the model's confidence.
    chat("hej")
    first = chat("/nlu_fallback")
    assert any("på en anden måde" in r or "Mente du" in r for r in first)
    assert not any(HOTLINE in r for r in first)
    second = chat("/nlu_fallback")
    assert any("tale med et menneske" in r and HOTLINE in r for r in second)


def test_gibberish_twice_still_ends_with_the_hotline_number(chat):
    chat("blorp zzkx qwop")
    assert any(HOTLINE in r for r in chat("vrrk plonk fnys"))


@pytest.mark.parametrize(
    "message",
    ["<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "🙂" * 50, "a" * 5000, "   ", "\u0000\u0007"],
)
def test_odd_input_still_gets_an_answer(chat, message):
    assert chat(message), "every message gets at least one reply"


# -- the NLU model through Rasa's HTTP API (token-protected, loopback only) -------------------------


def parse(text: str) -> dict:
    token = os.environ["RASA_AUTH_TOKEN"]
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(
        f"{RASA_URL}/model/parse?token={token}", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture
def api():
    if not RASA_URL or not os.environ.get("RASA_AUTH_TOKEN"):
        pytest.skip("no Rasa server or token: run `make test`, which starts one")
    return parse


def test_the_http_api_refuses_requests_without_the_token(api):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{RASA_URL}/status", timeout=10)
    assert refused.value.code == 401


@pytest.mark.parametrize(("text", "kommune"), [("vi bor i Hellerup", "Gentofte"), ("det er i kbh", "København")])
def test_kommune_entities_carry_the_official_name(api, text, kommune):
    values = [e["value"] for e in api(text)["entities"] if e["entity"] == "kommune"]
    assert values == [kommune]


def test_acute_messages_are_acute_whatever_the_model_guesses(api):
    parsed = api("han har skaffet et gevær og vil bruge det på skolen i morgen")
    assert parsed["intent"]["name"] == "acute_danger"
    assert parsed["intent_ranking"][0]["name"] == "acute_danger"
