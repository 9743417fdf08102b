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
    chat("jeg går og er urolig for en ung mand")


def test_the_first_message_introduces_the_assistant(chat):
    replies = chat("hej")
    assert "ikke et menneske og ikke en alarmtjeneste" in replies[0] and EMERGENCY in replies[0]
    assert "Skriv ikke navne" in replies[1]


def test_a_relative_types_the_whole_guided_conversation(chat):
    assert any("Hvem er du" in r for r in chat("der er en ung i min omgangskreds som bekymrer mig"))
    assert any("Hvilken kommune" in r for r in chat("jeg er hans moster"))
    assert any("Hvor gammel" in r for r in chat("de bor i hellerup"))
    assert any("Hvad har du lagt mærke til" in r for r in chat("han er 15"))
    advice = "\n".join(chat("han deler klip hvor folk bliver tævet og skriver at de fortjener det, og han har truet to fra klassen"))
    assert "giver grund til at handle" in advice
    assert "SSP i kommunen (Gentofte)" in advice
    assert "Nordsjællands Politi" in advice
    assert HOTLINE in advice and HOURS in advice
    assert "underretning" in advice


def test_my_son_is_understood_as_a_parent_and_not_asked_again(chat):
    replies = chat("min søn er slet ikke sig selv for tiden, jeg ved ikke hvad jeg skal gøre")
    assert not any("Hvem er du" in r for r in replies)
    assert any("Hvilken kommune" in r for r in replies)


def test_a_son_who_threatens_his_mother_is_not_taken_for_her_own_worry(chat):
    replies = "\n".join(chat("min søn truer mig, og han er blevet så vred på alle"))
    assert "Det kræver mod" not in replies and "exit" not in replies
    assert "Hvilken kommune" in replies or "Hvor gammel" in replies


def test_role_and_age_in_the_first_message_are_not_asked_again(chat):
    replies = chat("goddag, jeg underviser i udskolingen og er bekymret for en af mine elever i 8. klasse")
    assert any("Hvilken kommune" in r for r in replies)
    assert any("Hvad har du lagt mærke til" in r for r in chat("Silkeborg"))


def test_thanks_in_the_middle_keeps_the_conversation_going(chat):
    start_worry(chat)
    replies = chat("tusind tak indtil videre")
    assert any("Det var så lidt" in r for r in replies) and any("Hvem er du" in r for r in replies)


def test_buttons_and_skipping_work_too(chat):
    chat("der er en ung jeg er bekymret for")
    assert any("Hvilken kommune" in r for r in chat('/express_worry{"role": "school_staff"}'))
    assert any("Hvor gammel" in r for r in chat("Spring over"))
    assert any("Hvad har du lagt mærke til" in r for r in chat("13-17 år"))
    advice = chat("Har isoleret sig eller fået nye venner")
    assert "ét tegn alene er sjældent grund til stor bekymring" in advice[0]
    assert any(r.startswith("Tal først med skolens ledelse") for r in advice)
    assert any(HOTLINE in r for r in advice)


def test_acute_danger_inside_the_guided_conversation_gets_112_first_then_goes_on(chat):
    start_worry(chat)
    replies = chat("han har lige vist mig en stor kniv og siger han vil gå ind på skolen med den i morgen tidlig")
    assert replies[0].startswith(f"Ring {EMERGENCY} nu")
    assert any("Hvem er du" in r for r in replies[1:]), "the guided conversation goes on afterwards"


def test_acute_danger_as_the_very_first_message(chat):
    replies = chat("HJÆLP min bror sidder i toget mod kastrup nu, han skal flyve til syrien og kæmpe")
    first_answer = next(r for r in replies if "Skriv ikke navne" not in r and "alarmtjeneste" not in r)
    assert first_answer.startswith(f"Ring {EMERGENCY} nu")


def test_a_question_in_the_middle_is_answered_and_the_conversation_resumes(chat):
    start_worry(chat)
    replies = chat("hvad er det der infohus for noget?")
    assert any("infohus" in r and "politikreds" in r for r in replies)
    assert any("Hvem er du" in r for r in replies)


def test_contact_details_in_the_middle(chat):
    start_worry(chat)
    replies = chat("hvilket nummer har jeres hotline")
    assert any(HOTLINE in r for r in replies) and any("Hvem er du" in r for r in replies)


def test_changing_the_kommune_after_the_advice_gives_new_advice(chat):
    start_worry(chat)
    chat("jeg er hans far")
    chat("Aarhus")
    chat("25 år eller ældre")
    assert any("Østjyllands Politi" in r for r in chat("Vold, trusler eller våben"))
    assert any("Fyns Politi" in r for r in chat("undskyld, han bor faktisk i Odense"))


def test_a_place_mentioned_for_another_reason_keeps_the_kommune(chat):
    start_worry(chat)
    chat("jeg er hans mor")
    chat("vi bor i Aalborg")
    chat("17")
    advice = "\n".join(chat("han var med til en voldelig demonstration i Odense i weekenden og slog en betjent"))
    assert "Nordjyllands Politi" in advice and "Fyns Politi" not in advice


def test_faith_is_not_treated_as_a_sign(chat):
    chat("min datter på 15 er begyndt at gå med tørklæde og beder hver dag, er det et tegn?")
    chat("Spring over")
    advice = "\n".join(chat("hun læser koranen og faster, ellers er hun som hun plejer"))
    assert "ikke i sig selv et tegn på ekstremisme" in advice
    assert "giver grund til at handle" not in advice
    assert "Kontakt infohuset" not in advice and "Kontakt SSP" not in advice and "underretning" not in advice


def test_someone_worried_about_themself_gets_exit_help_not_the_police(chat):
    replies = "\n".join(chat("jeg har været med i et voldeligt miljø et stykke tid og vil gerne ud, men jeg tør ikke"))
    assert "Det kræver mod" in replies and HOTLINE in replies and "exit" in replies
    assert POLICE not in replies


def test_english_gets_an_english_answer(chat):
    replies = chat("Hello, my nephew keeps talking about joining some militia. Who could I talk to?")
    first = next(index for index, reply in enumerate(replies) if reply.startswith("Hi!"))
    assert replies[first].startswith("Hi! I am a chat assistant")
    english = "\n".join(replies[first:])
    assert HOTLINE in english and route("hotline").hours.text_en in english and "Hotline mod radikalisering" in english
    assert "Ring " not in english, "no Danish route text"


def test_a_question_in_english_gets_the_english_faq_answer(chat):
    replies = "\n".join(chat("Hi, I work at a school here. Could you tell me what the SSP cooperation is?"))
    assert "SSP is a partnership in the kommune" in replies
    assert "Ring " not in replies and "SSP er et samarbejde" not in replies
    again = "\n".join(chat("And is there anything like a mentor programme for young people?"))
    assert "mentor" in again and "Ring " not in again


def test_asking_for_a_human_in_the_middle_hands_over_with_a_case_code(chat):
    start_worry(chat)
    joined = "\n".join(chat("jeg vil hellere snakke med en person end med en maskine"))
    code = CASE_CODE.search(joined)
    assert code and HOTLINE in joined and HOURS in joined
    assert "Hvem er du" not in joined
    again = "\n".join(chat("må jeg tale med en rådgiver nu"))
    assert code.group() in again and "allerede" in again


def test_off_topic_twice_offers_the_hotline_and_accepting_hands_over(chat):
    chat("hej")
    assert any("Det kan jeg desværre ikke hjælpe med" in r for r in chat("hvad er opskriften på brunkager"))
    offer = chat("hvem vinder superligaen i år")
    assert any("tale med et menneske" in r and HOTLINE in r for r in offer)
    assert CASE_CODE.search("\n".join(chat("/request_human"))), "the offer's button hands over"


def test_a_sign_button_that_sounds_alarming_is_still_an_answer(chat):
    start_worry(chat)
    chat("jeg er hans mor")
    chat("Aarhus")
    chat("13-17 år")
    advice = chat("Vold, trusler eller våben")
    assert "giver grund til at handle" in advice[0]
    assert not any(r.startswith(f"Ring {EMERGENCY} nu") for r in advice)


@pytest.mark.xfail(strict=True, reason="known misreading: the classifier is sure (0.99) that gibberish is out_of_scope "
                   "and answers 'kan ikke hjælpe med'; issue 14 asks for 'please rephrase' for gibberish")
def test_not_understood_twice_ends_with_the_hotline(chat):
    chat("hej")
    first = chat("blorp zzkx qwop")
    assert any("på en anden måde" in r or "Mente du" in r for r in first)
    assert not any(HOTLINE in r for r in first)
    second = chat("vrrk plonk fnys")
    assert any("tale med et menneske" in r and HOTLINE in r for r in second)


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


@pytest.mark.parametrize(("text", "kommune"), [("de bor i Hellerup", "Gentofte"), ("det er inde i kbh", "København")])
def test_kommune_entities_carry_the_official_name(api, text, kommune):
    values = [e["value"] for e in api(text)["entities"] if e["entity"] == "kommune"]
    assert values == [kommune]


def test_every_message_carries_its_situation(api):
    situation = api("min søn har truet sin lærer med en kniv")["situation"]
    assert "threats" in situation["signs"] and situation["role"] == "parent"
    assert set(situation) == {"signs", "acute", "acute_sure", "role", "incident", "crisis", "crisis_sure", "language",
                              "gives_place", "questions"}


def test_acute_messages_are_acute_whatever_the_model_guesses(api):
    parsed = api("han har fået fat i et haglgevær og siger han skyder rektor når han møder op i morgen")
    assert parsed["intent"]["name"] == "acute_danger"
    assert parsed["intent_ranking"][0]["name"] == "acute_danger"
