"""The situation readers' machinery on small examples: shapes, thresholds, defaults, what is saved."""

import pickle

import numpy as np
import pytest

from bot.understanding.encoder import default_encoder
from bot.understanding.readers import ChoiceReader, FeatureSettings, FeatureSpace, MultiLabelReader
from bot.understanding.situation import (SituationReaders, _affirmed, _asks_about_before, _hearsay, _without_places,
                                         asked_part, is_question, joined_questions, training_sets, with_sentence_changes, with_sentence_signs,
                                         without_lawful_weapons, without_unsupported)

THREATS = ["han truer sin lærer", "hun har truet sin søster", "han sagde han ville slå mig ned", "de truer naboen"]
OTHER = ["vi skal på ferie", "hun går til håndbold", "han spiser morgenmad", "de bager boller i klubben"]


@pytest.fixture(scope="module")
def space():
    return FeatureSpace(default_encoder(), FeatureSettings(2, 4, 1)).fit(THREATS + OTHER)


def test_a_multi_label_reader_learns_and_its_threshold_decides(space):
    features = space.transform(THREATS + OTHER)
    labels = [["threats"]] * len(THREATS) + [[]] * len(OTHER)
    reader = MultiLabelReader(("threats",), {"threats": 0.5}, 10.0, 1.0).fit(features, labels)
    assert reader.read(space.transform(["han truer sin bror"])) == [["threats"]]
    assert reader.read(space.transform(["vi skal til fødselsdag"])) == [[]]
    strict = MultiLabelReader(("threats",), {"threats": 1.01}, 10.0, 1.0).fit(features, labels)
    assert strict.read(space.transform(["han truer sin bror"])) == [[]]


def test_a_label_without_negatives_is_refused(space):
    with pytest.raises(ValueError):
        MultiLabelReader(("threats",), {}, 1.0, 1.0).fit(space.transform(THREATS), [["threats"]] * len(THREATS))


def test_a_choice_reader_falls_back_to_its_default_when_unsure(space):
    features = space.transform(THREATS + OTHER)
    reader = ChoiceReader(("threat", "ordinary", "unknown"), "unknown", 0.99, 1.0, 1.0)
    reader.fit(features, ["threat"] * len(THREATS) + ["ordinary"] * len(OTHER))
    assert reader.read(space.transform(["hmm"])) == ["unknown"]
    with pytest.raises(ValueError):
        reader.fit(features, ["threat"] * len(THREATS) + ["holiday"] * len(OTHER))


def test_read_any_takes_the_likeliest_other_class_when_the_others_together_are_probable(space):
    features = space.transform(THREATS + OTHER + OTHER)
    reader = ChoiceReader(("victim", "witness", "none"), "none", 0.6, 1.0, 1.0)
    reader.fit(features, ["victim", "witness"] * (len(THREATS) // 2) + ["none"] * (2 * len(OTHER)))
    threat = space.transform(["han truer naboen"])
    split = reader.probabilities(threat)[0]
    assert max(split["victim"], split["witness"]) < 0.6 <= split["victim"] + split["witness"], split
    assert reader.read(threat) == ["none"], "no class alone is probable enough"
    assert reader.read_any(threat) == [max(("victim", "witness"), key=split.get)]
    assert reader.read_any(space.transform(["vi bager boller"])) == ["none"]


def test_the_saved_feature_space_leaves_the_encoder_out(space):
    restored = pickle.loads(pickle.dumps(space))
    assert not hasattr(restored, "encoder")
    restored.attach(default_encoder())
    assert restored.transform(["han truer"]).ngrams.shape == space.transform(["han truer"]).ngrams.shape


def test_every_reader_also_learns_what_it_is_not_about():
    examples = {
        "signs": [{"text": "han truer andre", "signs": ["threats"]}, {"text": "hun er ensom", "signs": ["wellbeing"]},
                  {"text": "han deler videoer af angreb", "signs": ["violent_messages"]}],
        "urgency": [{"text": "han har en kniv lige nu", "acute": True}],
        "incidents": [{"text": "de malede hagekors på moskeen", "incident": "witness", "crisis": False}],
        "roles": [{"text": "jeg er hans mor", "role": "parent"}],
        "ordinary": ["vi kører til lufthavnen nu"],
    }
    sets = training_sets(examples, everyday=["hej", "tak for hjælpen", "hvad er et infohus?"],
                         not_a_crisis=["jeg vil gerne ud af gruppen"], questions=[("hvad er et infohus?", "faq/infohus")])
    questions = list(zip(sets["question"].texts, sets["question"].labels))
    assert ("hvad er et infohus?", "faq/infohus") in questions and ("han truer andre", "none") in questions
    assert ("hvad er et infohus?", "none") not in questions, "a question about the service is never 'none'"
    assert len(sets["question"].texts) == len(set(sets["question"].texts)), "each text once, however many readers use it"
    assert ("jeg vil gerne ud af gruppen", []) in zip(sets["crisis"].texts, sets["crisis"].labels)
    assert ("hej", []) in zip(sets["acute"].texts, sets["acute"].labels)
    assert ("han truer andre", []) in zip(sets["acute"].texts, sets["acute"].labels), "signs over time are not acute"
    assert "hun er ensom" not in sets["crisis"].texts, "loneliness is not a sure 'no crisis'"
    assert "han truer andre" not in sets["incident"].texts, "a sign that describes a crime may be a hate crime"
    assert ("han deler videoer af angreb", "none") in zip(sets["incident"].texts, sets["incident"].labels)
    assert ("tak for hjælpen", "unknown") in zip(sets["role"].texts, sets["role"].labels)
    assert ("vi kører til lufthavnen nu", []) in zip(sets["crisis"].texts, sets["crisis"].labels)


def test_the_middle_band_of_the_acute_reader_needs_the_classifier_to_agree():
    from bot.understanding.situation import _is_acute, settings

    config = settings()["acute"]
    alone, with_danger = config["threshold_alone"], config["threshold_with_danger"]
    low, minimum = config["threshold_with_danger_and_classifier"], config["classifier_minimum"]
    assert _is_acute(alone, danger=False) and not _is_acute(with_danger, danger=False)
    assert _is_acute(with_danger, danger=True, opinion=0.0)
    assert _is_acute(low, danger=True, opinion=minimum)
    assert not _is_acute(low, danger=True, opinion=minimum / 2), "the classifier sees no acute danger"
    assert _is_acute(low, danger=True, opinion=None), "without a second opinion the band counts"
    assert not _is_acute(low - 0.01, danger=True, opinion=1.0)
    sure_sentence = config["sentence_alone"]
    assert _is_acute(low, danger=True, opinion=0.0, sentence=sure_sentence), "one sentence of a long letter seconds"
    assert not _is_acute(low, danger=True, opinion=0.0, sentence=sure_sentence - 0.01)
    assert not _is_acute(low - 0.01, danger=True, opinion=0.0, sentence=sure_sentence), "only in the band"
    # ... unless one sentence is sure of danger now: "han tager sin fars haglgevær med i skole i morgen"
    sure, floor = config["sentence_sure"], config["threshold_with_a_sure_sentence"]
    assert _is_acute(floor, danger=True, opinion=0.0, sentence=sure), "one sure sentence among others"
    assert not _is_acute(floor - 0.01, danger=True, opinion=0.0, sentence=1.0), "not from a whole far below"
    assert not _is_acute(floor, danger=True, opinion=0.0, sentence=sure - 0.01)
    assert not _is_acute(with_danger, danger=False, sentence=1.0), "only with a danger"


def test_a_long_letter_is_sure_danger_now_only_when_one_of_its_sentences_is_a_little():
    from bot.understanding.situation import _sure_of_danger, settings

    config = settings()["acute"]
    alone, floor = config["threshold_alone"], config["sure_sentence_probability"]
    assert _sure_of_danger(alone) and not _sure_of_danger(alone - 0.01), "one sentence: the whole decides"
    assert _sure_of_danger(alone, sentence=floor)
    assert not _sure_of_danger(1.0, sentence=floor - 0.01), "months of signs, no sentence about now"


@pytest.mark.parametrize(("text", "near", "far"), [
    ("han står ude foran skolen med en kniv", True, False),
    ("flyet går i morgen tidlig", True, False),
    ("de vil gøre det på lørdag", True, False),
    ("han slog sin bror for to år siden", False, True),
    ("det har stået på i flere måneder", False, True),
    ("det siger han tit når han har drukket", False, True),
    ("han er vred på sin lærer", False, False),
    ("hun går i 9. klasse og går med tørklæde", False, False),
    ("han er ved at blive radikaliseret, synes hans far", False, False),
    ("han sidder og skriver med dem hele tiden", True, False),
    ("Han slog ham sidste år, og nu siger han at han gør det igen i aften", True, True),
])
def test_time_expressions_place_a_message_now_or_far_off(text, near, far):
    from bot.understanding.timing import COLUMNS, timing_features

    row = dict(zip(COLUMNS, timing_features([text])[0]))
    assert (bool(row["has_near"]), bool(row["has_far"])) == (near, far)
    assert (row["near_count"] > 0, row["far_count"] > 0) == (near, far)


def test_the_time_gate_copies_the_sentence_vector_only_where_something_is_near(space):
    features = space.transform(["han står med en kniv lige nu", "han havde en kniv for tre år siden"])
    plain = features.weighted(2.0)
    gated = features.weighted(2.0, timing_weight=1.0, timing_gate=0.5)
    extra = gated[:, plain.shape[1]:].toarray()
    assert extra.shape[1] == 4 + features.embeddings.shape[1], "four time columns, then the gated copy"
    assert np.allclose(extra[0, 4:], features.embeddings[0] * 1.0) and not extra[1, 4:].any()
    assert extra[0, 2] == 1.0 and extra[1, 3] == 1.0, "has_near, has_far"
    assert np.allclose(features.rows([1]).timing, features.timing[[1]])


@pytest.mark.parametrize(("text", "named"), [
    ("han har købt en riffel", True),
    ("hun vil ned og kæmpe i syrien", True),
    ("de vil brænde huset ned", True),
    ("han kører ind i folk med bilen", True),
    ("han har slæbt sække med gødning og dunke ind i garagen", True),
    ("vi skal til fodbold i aften", False),
    ("min søn er begyndt at bede fem gange om dagen", False),
])
def test_words_of_the_four_acute_dangers_are_named(text, named):
    from bot.understanding.safety_net import is_clearly_acute, names_a_danger

    assert names_a_danger(text) is named
    assert not is_clearly_acute(text), "a danger named is no emergency on its own"


@pytest.fixture(scope="module")
def threat_readers(space):
    """Sign, incident and acute readers that learned the threats as threats, crimes and danger now."""
    features = space.transform(THREATS + OTHER)
    signs = MultiLabelReader(("threats",), {"threats": 0.5}, 10.0, 1.0).fit(
        features, [["threats"]] * len(THREATS) + [[]] * len(OTHER))
    incident = ChoiceReader(("witness", "victim", "none"), "none", 0.5, 10.0, 1.0).fit(
        features, ["witness"] * len(THREATS) + ["none"] * len(OTHER))
    acute = MultiLabelReader(("acute",), {}, 10.0, 1.0).fit(features, [["acute"]] * len(THREATS) + [[]] * len(OTHER))
    return SituationReaders(space, signs, flags=None, role=None, incident=incident, acute=acute)


def test_a_serious_sign_told_in_one_sentence_of_a_long_message_is_read_there(threat_readers):
    readers = threat_readers
    long_message = "Vi skal på ferie. Hun går til håndbold. Han truer sin lærer. De bager boller i klubben."
    harmless = "Vi skal på ferie. Hun går til håndbold. De bager boller i klubben."
    told, nothing, one_sentence = readers._read_sentences([long_message, harmless, "han truer sin lærer"])
    assert (told.serious, told.crime, nothing.serious, nothing.crime) == ({"threats"}, True, set(), False)
    assert told.acute > 0.5 > nothing.acute, "the likeliest sentence (or pair) for danger now"
    assert one_sentence.serious is one_sentence.crime is one_sentence.acute is None


def test_a_serious_sign_of_one_sentence_needs_some_weight_in_the_whole_message():
    whole = {"threats": 0.3, "weapons": 0.01}
    assert with_sentence_signs(["politics"], {"threats", "weapons"}, whole) == ["politics", "threats"]
    assert with_sentence_signs(["threats"], {"threats"}, whole) == ["threats"], "not twice"
    assert with_sentence_signs([], None, whole) == []
    assert with_sentence_signs([], None, {"threats": 0.1, "weapons": 0.01}, {"threats", "weapons"}) == ["threats"], \
        "an item of a list needs less weight from the whole than a sentence"


def test_a_serious_sign_of_the_whole_message_needs_a_sentence_pair_or_item_that_gives_it_some_probability():
    assert without_unsupported(["threats", "religion"], {"threats": 0.15}) == ["religion"]
    assert without_unsupported(["threats", "religion"], {"threats": 0.8}) == ["threats", "religion"]
    assert without_unsupported(["threats"], None) == ["threats"], "a message of one sentence is its own support"


def test_changes_told_one_per_sentence_count_only_when_there_are_several():
    assert with_sentence_changes(["dropout"], {"isolation", "new_friends", "conspiracy"}) == [
        "dropout", "conspiracy", "isolation", "new_friends"]
    assert with_sentence_changes(["politics"], {"isolation", "symbols"}) == ["politics"], "two are not several"
    assert with_sentence_changes(["isolation"], {"isolation", "new_friends", "dropout"}) == [
        "isolation", "dropout", "new_friends"], "not twice"
    assert with_sentence_changes([], None) == []
    assert with_sentence_changes(["wellbeing"], {"isolation", "new_friends", "dropout"}, not_a_sign=0.6) == [
        "wellbeing"], "a lonely boy's changes are loneliness"


def test_weapons_alone_in_a_lawful_use_are_no_sign():
    assert without_lawful_weapons(["weapons"], "Han har jagttegn og går på jagt med sin far") == []
    assert without_lawful_weapons(["weapons", "isolation"], "Hun er i Hjemmeværnet") == ["isolation"]
    assert without_lawful_weapons(["weapons", "threats"], "Han har jagttegn og truer naboen") == ["weapons", "threats"]
    assert without_lawful_weapons(["weapons"], "han kommer med sin fars jagtgevær") == ["weapons"], "no lawful use told"


def test_a_sentence_that_denies_a_sign_tells_none(threat_readers):
    readers = threat_readers
    denied = "Hun går til håndbold. Ingen trusler mod sin lærer."
    told = "Hun går til håndbold. Han truer sin lærer."
    in_denied, in_told = readers._read_sentences([_affirmed(denied), _affirmed(told)])
    assert (in_denied.serious, in_told.serious) == (None, {"threats"}), "read from what is not denied"
    assert _affirmed("Hun går til håndbold. Han har aldrig sagt noget om våben.") == "Hun går til håndbold."
    assert _affirmed("Han har en kniv, men ingen pistol.") == "Han har en kniv"
    assert _affirmed("Ingen tvivl om at han truer læreren.") == "Ingen tvivl om at han truer læreren."
    assert _affirmed("Han vil ikke gå i skole mere.") == "Han vil ikke gå i skole mere.", "a change, not a denial"


@pytest.mark.parametrize("sentence, asked", [
    ("hvad er det overhovedet", True),
    ("Før jeg gør det, vil jeg gerne vide, om min henvendelse forbliver anonym", True),
    ("jeg vil gerne spørge om man kan være anonym", True),
    ("Min søn er begyndt at gå i moské", False),
    ("Jeg vil ikke have at mit barnebarn havner i et kartotek", False),
    ("Han gider ikke forklare sig over for os", False),
])
def test_a_question_is_told_by_its_mark_or_its_words(sentence, asked):
    assert is_question(sentence) is asked


@pytest.mark.parametrize("sentence, about_before", [
    ("Passer det?", True),
    ("er det rigtig?", True),
    ("hvem har ret", True),
    ("Kan man blive radikaliseret gennem spil?", False),
    ("Min søn spiller meget.", False),
])
def test_a_short_question_asks_about_the_sentence_before_it(sentence, about_before):
    assert _asks_about_before(sentence) is about_before


@pytest.mark.parametrize("sentence, part", [
    ("To spørgsmål fra en gammel dame: Skal jeg sige hvem jeg er?", "Skal jeg sige hvem jeg er?"),
    ("to sporgsmaal: er det anonymt hvis jeg ringer?", "er det anonymt hvis jeg ringer?"),
    ("2) Hvis jeg ringer til hotlinen, hvad sker der så?", "Hvis jeg ringer til hotlinen, hvad sker der så?"),
    ("Min søn siger: skal vi ikke bare smide dem ud?", "Min søn siger: skal vi ikke bare smide dem ud?"),
    ("Mit spørgsmål: hvorfor?", "Mit spørgsmål: hvorfor?"),
    ("Han er 15. Det er alt.", "Han er 15. Det er alt."),
])
def test_a_question_is_read_without_its_numbering_or_announcing_lead_in(sentence, part):
    assert asked_part(sentence) == part


def test_place_names_are_not_read_for_signs():
    # "Haderslev" holds "had" (hate) and "Lejre" "lejr" (camp): read as signs before this.
    assert _without_places("Haderslev") == _without_places("Kirke Hyllinge") == _without_places("16") == ""
    assert _without_places("han bor i Lejre") == "han bor i"
    assert _without_places("Min søn i Aarhus truer folk") == "Min søn i truer folk"
    assert _without_places("Han har en kniv.") == "Han har en kniv.", "a text without places stays as written"


def test_the_readers_are_retrained_when_their_code_changes(monkeypatch):
    from pathlib import Path

    from rasa_components.situation_reader import SituationReader

    before = SituationReader.fingerprint_addon({})
    original = Path.read_bytes

    def edited(path: Path) -> bytes:
        return original(path) + (b"\n# edited" if path.name == "situation.py" else b"")

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert SituationReader.fingerprint_addon({}) != before


@pytest.mark.parametrize(("text", "language"), [
    ("Hello, my nephew keeps talking about joining a militia", "en"),
    ("min søn er 16 og ser krigsvideoer hele tiden", "da"),
    ("jeg er bekymret for min søn", "da"),
    ("hej", "da"), ("ok tak", "da"),
    ("Dzień dobry. Jeg er polsk mor, bor i Rønne. Min søn er 15 år", "da"),
    ("jeg er bekymra for sonen min, han ser krigsvideoer", "da"),
    ("Moj syn ma 16 lat i ogląda filmy z wojny, co mam robić?", "other"),
    ("Mein Sohn ist 16 und schaut Kriegsvideos, was soll ich tun?", "other"),
    ("ابني عمره 16 سنة ويشاهد فيديوهات حرب", "other"),
    ("Oğlum 16 yaşında ve savaş videoları izliyor", "other"),
])
def test_the_language_of_a_message(text, language):
    from bot.understanding.language import language_of

    assert language_of(text) == language


def test_what_lay_people_around_the_writer_say_is_hearsay_but_the_persons_own_words_are_not():
    assert _hearsay("Nogle drenge i klassen siger hun skal 'sendes i træningslejr'")
    assert _hearsay("Naboen siger kommunen vil tro vi sender børn til al-Shabaab")
    assert not _hearsay("han siger at alle jøder skal dø")
    assert not _hearsay("Hans lærer siger at han truer andre elever"), "a teacher's report is of what they saw"


def test_a_long_message_whose_whole_gives_no_role_takes_it_from_its_first_sentence():
    teacher, mother = ["jeg er lærer", "jeg er lærer på skolen", "jeg er lærer i 8. klasse"], ["jeg er hans mor", "jeg er mor til ham"]
    space = FeatureSpace(default_encoder(), FeatureSettings(2, 4, 1)).fit(teacher + mother + OTHER)
    role = ChoiceReader(("school_staff", "parent", "unknown"), "unknown", 0.6, 50.0, 1.0).fit(
        space.transform(teacher + mother + OTHER), ["school_staff"] * 3 + ["parent"] * 2 + ["unknown"] * len(OTHER))
    readers = SituationReaders(space, signs=None, flags=None, role=role, incident=None, acute=None)
    first = "Jeg er lærer. Vi skal på ferie. Hun går til håndbold. De bager boller i klubben."
    last = "Vi skal på ferie. Hun går til håndbold. De bager boller i klubben. Jeg er hans mor."
    assert role.read(space.transform([first, last])) == ["unknown", "unknown"], "the whole blurs the role"
    assert readers._roles([first, last, "jeg er hans mor"], space.transform([first, last, "jeg er hans mor"])) == [
        "school_staff", "unknown", "parent"]


@pytest.mark.parametrize(("text", "parts"), [
    ("hvad er et infohus og kan man ringe uden at sige hvem man er?",
     ["hvad er et infohus", "kan man ringe uden at sige hvem man er?"]),
    ("Jeg er pædagog. Har jeg pligt til at underrette, og må jeg ringe anonymt først?",
     ["Har jeg pligt til at underrette", "må jeg ringe anonymt først?"]),
    ("kan jeg ringe og få et råd?", []),
    ("kan han og hans venner komme i klubben?", []),
    ("han er sød og kan godt lide fodbold", []),
])
def test_two_questions_joined_by_og_are_read_one_by_one(text, parts):
    assert joined_questions(text) == parts
