"""The kommune/police-district table, its spelling variants, towns and the place lookup."""

import re
from pathlib import Path

import pytest

from bot.knowledge.loading import load_data
from bot.knowledge.places import (
    HOME,
    NOT_HOME,
    WEAK_HOME,
    WRITERS_HOME,
    answered_home,
    district_of_kommune,
    kommune_names,
    lookup_place,
    police_districts,
    read_places,
    residence,
)

DOMAIN_TABLE = Path(__file__).parent / "data" / "domain_police_districts.md"
SHARED_DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "DOMAIN.md"
ROW = re.compile(r"^\| (?P<district>[^|(]+?) \((?P<count>\d+)\) \| (?P<kommuner>[^|]+) \|$", re.M)


def domain_mapping(text: str) -> dict[str, str]:
    """Kommune -> police district name, parsed from the DOMAIN.md table."""
    mapping = {}
    for row in ROW.finditer(text):
        kommuner = [k.strip() for k in row["kommuner"].split(",")]
        assert len(kommuner) == int(row["count"]), row["district"]
        mapping.update({k: row["district"].strip() for k in kommuner})
    return mapping


def test_the_copied_table_matches_shared_domain_md():
    if not SHARED_DOMAIN.exists():
        pytest.skip(f"{SHARED_DOMAIN} is not beside this checkout; compared against the copy only")
    assert domain_mapping(SHARED_DOMAIN.read_text()) == domain_mapping(DOMAIN_TABLE.read_text())


def test_all_98_kommuner_and_12_districts():
    assert len(domain_mapping(DOMAIN_TABLE.read_text())) == 98
    assert len(kommune_names()) == 98
    assert len(police_districts()) == 12


@pytest.mark.parametrize("kommune,district", sorted(domain_mapping(DOMAIN_TABLE.read_text()).items()))
def test_every_kommune_maps_to_its_domain_police_district(kommune, district):
    assert district_of_kommune()[kommune].name == district
    match = lookup_place(kommune)
    assert match is not None and match.kommune == kommune and match.police_district.name == district


def test_every_district_has_an_infohus():
    assert all(d.infohus.startswith("Infohus") for d in police_districts().values())


def test_at_least_150_towns_and_every_place_name_is_unique():
    kommuner = load_data("places")["kommuner"]
    towns = [t for entry in kommuner.values() for t in entry.get("towns") or []]
    names = list(kommuner) + towns + [v for entry in kommuner.values() for v in entry.get("variants") or []]
    assert len(towns) >= 150
    assert len({n.casefold() for n in names}) == len(names)


@pytest.mark.parametrize(
    ("typed", "kommune"),
    [
        ("Århus", "Aarhus"), ("aarhus", "Aarhus"), ("AARHUS KOMMUNE", "Aarhus"), ("Kbh", "København"),
        ("koege", "Køge"), ("Koge", "Køge"), ("Aeroe", "Ærø"), ("Lyngby", "Lyngby-Taarbæk"),
        ("lyngby taarbaek", "Lyngby-Taarbæk"), ("Hellerup", "Gentofte"), ("Nakskov", "Lolland"),
        ("Rønne", "Bornholm"), ("Nexø", "Bornholm"), ("Nørrebro", "København"), ("Valby", "København"),
        ("Kastrup", "Tårnby"), ("Taastrup", "Høje-Taastrup"), ("Silkborg", "Silkeborg"),
        ("Frederiksvaerk", "Halsnæs"), ("Høje Taastrup", "Høje-Taastrup"),
    ],
)
def test_variants_towns_and_typos(typed, kommune):
    match = lookup_place(typed)
    assert match is not None, typed
    assert match.kommune == kommune


@pytest.mark.parametrize("typed", ["Narnia", "Paris", "", "   ", "12345", "<script>"])
def test_unknown_places_give_none(typed):
    assert lookup_place(typed) is None


@pytest.mark.parametrize(
    ("message", "kommune"),
    [
        ("vi bor i koege", "Køge"),
        ("hellerup", "Gentofte"),
        ("Aarhus Kommune", "Aarhus"),
        ("vi er fra Ringe på Fyn", "Faaborg-Midtfyn"),
        ("han bor hos sin far i Nørresundby", "Aalborg"),
        ("min bror bor i Hilerød med mor", "Hillerød"),
        ("hans nye venner er fra Ishøj, vi bor i Greve", "Greve"),
        ("Jeg bor selv i Aarhus, men mit barnebarn bor hos sin mor i Holstebro.", "Holstebro"),
        ("hun er flyttet fra Randers til Aalborg", "Aalborg"),
        ("så han bor i Haderslev nu, ikke Kolding", "Haderslev"),
        ("han bor ikke i Kolding mere, han bor hos sin far i Vejle", "Vejle"),
        ("Har en bekymring om en 16-årig fra Hellerup", "Gentofte"),
        # the school, club or office where someone is met stands in for a home nobody named
        ("min søn går i skole i Hellerup", "Gentofte"),
        ("Jeg er lærer i 7. klasse på en skole i Holstebro. En elev på 14", "Holstebro"),
        ("Jeg er sagsbehandler på jobcentret i Næstved. En borger på 22", "Næstved"),
        ("Pædagog i fritidsklubben i Kirke Hyllinge.", "Lejre"),
        # ... and the place a professional names with their work, as a heading
        ("SSP-konsulent, Ishoej. Ung fyr, 19 aar.", "Ishøj"),
        ("Sundhedsplejerske på Ærø. Ved et hjemmebesøg fortalte moren", "Ærø"),
        ("Butikschef i Helsingør. En ung medarbejder på 19 har ændret sig", "Helsingør"),
        ("hvem tager vi fat i nu? vi er Broendby kommune", "Brøndby"),
        ("I teach at an international school on Nørrebro in Copenhagen. One of my students", "København"),
        ("Jeg er lærer og min elev tog til Odense i weekenden", None),
        ("han går i skole i Hellerup men bor i Gladsaxe", "Gladsaxe"),
        ("han studerer og har lejlighed i Indre By i Aarhus", "Aarhus"),
        ("han var til en demonstration i Odense i weekenden", None),
        ("jeg vil gerne ringe til nogen", None),
        ("Give ham lidt tid", None),
        ("han bor hos sin mor i Ringe, kan I hjælpe?", "Faaborg-Midtfyn"),
        ("Vejen er lang", None),
        ("jeg er bekymret for min søn", None),
        ("jeg er bekymret for en ung fyr i min opgang i thisted", "Thisted"),
    ],
)
def test_where_the_person_lives(message, kommune):
    home = residence(read_places(message))
    assert (home.kommune if home else None) == kommune


@pytest.mark.parametrize("message", ["de vil brænde moskeen ned", "han fylder 13 års i morgen", "mon det er farligt?",
                                     "han har sat ild til noget brænde"])
def test_ordinary_words_that_are_loosely_a_place_name_are_no_place(message):
    assert read_places(message) == []


@pytest.mark.parametrize("message", ["er der noget i vejen med ham?", "han råbte det på vejen hjem fra skole",
                                     "han står i vejen for sig selv", "det hjælper kun i ringe grad",
                                     "han går i ry for at være sød",
                                     "naboens søn står ude på vejen med en økse"])
def test_a_place_name_that_is_an_ordinary_word_in_lower_case_is_no_place_unless_someone_lives_there(message):
    assert read_places(message) == []


@pytest.mark.parametrize(("message", "kommune"), [
    ("vi bor i vejen", "Vejen"), ("i vejen", "Vejen"), ("fra give", "Vejle"), ("min søn på 16 i ringe", "Faaborg-Midtfyn"),
    ("vi var på Fur i sommer", "Skive"), ("Ringe på Fyn", "Faaborg-Midtfyn"), ("Stilling ved Skanderborg", "Skanderborg"),
])
def test_a_place_name_that_is_an_ordinary_word_counts_as_a_home_an_answer_or_placed(message, kommune):
    assert answered_home(read_places(message)).kommune == kommune


def test_a_place_name_that_is_an_ordinary_word_counts_after_a_professionals_heading():
    assert [mention.kommune for mention in read_places("Skoleleder, Brande. Elev i 8. kl.")] == ["Ikast-Brande"]
    assert read_places("Det er Give, der har fødselsdag") == []


def test_in_a_correction_the_place_after_det_er_counts_and_the_one_after_ikke_is_denied():
    mentions = read_places("nej undskyld jeg skrev forkert, det er Vejen ikke Vejle")
    assert [(mention.kommune, mention.correction) for mention in mentions] == [("Vejen", True), ("Vejle", True)]
    assert mentions[1].home == NOT_HOME


@pytest.mark.parametrize("message", ["Strandby", "vi bor i Sundby", "han bor på Amager"])
def test_a_name_several_places_share_gives_no_kommune(message):
    assert [mention.kommune for mention in read_places(message)] == [None]


@pytest.mark.parametrize(("message", "kommune"), [("han bor i Give", "Vejle"), ("Ringe", "Faaborg-Midtfyn"),
                                                  ("vi bor i Stilling", "Skanderborg"),
                                                  ("Hvor hører Skive til ift. infohus?", "Skive")])
def test_a_place_name_that_is_an_ordinary_word_counts_where_a_place_is_meant(message, kommune):
    assert [mention.kommune for mention in read_places(message)] == [kommune]


@pytest.mark.parametrize("message", ["jeg vil snakke med et menneske, kan i ringe mig?", "Vil I give mig nummeret?"])
def test_the_pronoun_i_before_an_ordinary_word_names_no_place(message):
    assert read_places(message) == []


def test_a_shared_name_follows_the_city_named_with_it():
    assert [mention.kommune for mention in read_places("Indre By i Aarhus")] == ["Aarhus", "Aarhus"]
    assert read_places("hun bor i Hasle på Bornholm")[0].kommune == "Bornholm"


def test_a_correction_is_recognised():
    assert all(mention.correction for mention in read_places("nej, vi bor faktisk i Odense"))
    assert not any(mention.correction for mention in read_places("vi bor i Odense"))
    assert all(mention.correction for mention in read_places("16. og sorry autocorrect, det er RINGSTED ikke ringe"))
    assert all(mention.correction for mention in read_places("det er Ringsted, ikke Ringe"))


def test_a_neighbours_place_here_is_the_persons_place():
    assert residence(read_places("Jeg er nabo til en familie her i Stege og er bekymret for deres dreng")).kommune == "Vordingborg"
    assert residence(read_places("Jeg bor ved siden af en ung mand her i Gram.")).kommune == "Haderslev"


def test_gram_is_a_town_only_where_a_place_is_meant():
    assert residence(read_places("Grindsted er hvor hans forældre bor, vi bor i Gram.")).kommune == "Haderslev"
    assert read_places("Tilsæt 100 gram mel") == []


def test_where_a_relative_of_the_person_lives_is_not_their_home():
    text = "Vi har en 17-årig der bor her i Brabrand som bærer kniv. Hans far bor i Vejle og vil ikke høre på det."
    assert residence(read_places(text)).kommune == "Aarhus"
    assert residence(read_places("Hendes forældre bor i Aalborg, men hun bor i Odense")).kommune == "Odense"
    assert read_places("hans far bor i Vejle")[0].home == WRITERS_HOME
    in_apposition = "Mit barnebarn bor i et lille hus på Fur. Min datter, hans mor, bor i København."
    assert residence(read_places(in_apposition)).kommune == "Skive"
    assert residence(read_places("Min søn bor hos sin far i Vejle")).home == HOME


def test_where_the_writer_writes_from_is_the_persons_home_only_when_they_live_with_the_writer():
    letter = "Jeg skriver til jer fra Skagen, hvor jeg har boet hele mit liv. Min datterdatter på 18 {}."
    assert read_places(letter.format("bor hos mig"))[0].home == WEAK_HOME
    assert read_places(letter.format("er flyttet hjemmefra"))[0].home == WRITERS_HOME
    assert read_places("jeg er en mand paa 62 fra Nexo paa Bornholm")[0].home == WRITERS_HOME


def test_in_a_correction_a_place_where_someone_else_lives_is_not_the_home():
    mentions = read_places("undskyld, jeg mente Viborg, ikke Randers. Vi bor i Viborg, det er min mor der bor i Randers")
    assert residence(mentions).kommune == "Viborg"
    assert not any(m.home > NOT_HOME for m in read_places("nej vent, jeg mente Faxe. Det er min søster der bor i Køge"))
    assert residence(read_places("nej undskyld jeg mente Rødovre. det er mig der bor i Roskilde")).home == WRITERS_HOME
    assert residence(read_places("Det er min søn der bor i Aarhus")).kommune == "Aarhus", "not a correction: his home"
    text = "Undskyld, de bor ikke i Vejen, de bor i Vejle. Det er min svigersøns mor, der bor i Vejen."
    assert residence(read_places(text)).kommune == "Vejle", "with a comma before 'der bor' too"


def test_every_shared_name_and_common_word_is_a_real_entry():
    data = load_data("places")
    assert set(data["common_words"]) <= {t for e in data["kommuner"].values() for t in e.get("towns") or []} | set(
        data["kommuner"]) | {v for e in data["kommuner"].values() for v in e.get("variants") or []}
    named = {n.casefold() for e in data["kommuner"].values() for n in (e.get("towns") or []) + (e.get("variants") or [])}
    assert not {n.casefold() for n in data["shared_names"]} & named, "a shared name maps to no kommune"
    assert set(data["ordinary_after_a_preposition"]) <= set(data["common_words"])


def test_a_home_cue_is_read_after_words_with_aeoeaa():
    # Folding makes 'på', 'Søren' and 'blevet' longer or shorter: the cue must still be found.
    text = "Min søn på 15 år, som er blevet så mærkelig, bor i Hørsholm"
    mentions = read_places(text)
    assert residence(mentions).kommune == "Hørsholm"
    assert residence(read_places("Jeg er lærer og bekymret for en dreng på 15 fra Herlev.")).kommune == "Herlev"


def test_in_a_correction_that_denies_a_place_the_other_place_is_the_home():
    assert residence(read_places("nej sorry autocorrect, SVENDBORG ikk soenderborg lol")).kommune == "Svendborg"
    assert residence(read_places("undskyld jeg mener vejen!! ikke vejle, autocorrect")).kommune == "Vejen"


def test_a_kommune_denied_in_a_correction_is_nobodys_home_in_that_message():
    mentions = read_places("undskyld, jeg skrev forkert by. vi bor ikke i Horsens, vi bor i Holstebro. "
                           "min bror bor i Horsens, jeg tænkte på ham")
    assert residence(mentions).kommune == "Holstebro"
    assert residence(read_places("undskyld, der er noget i vejen med min søn")) is None
