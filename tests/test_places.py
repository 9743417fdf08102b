"""The kommune/police-district table, its spelling variants, towns and the place lookup."""

import re
from pathlib import Path

import pytest

from bot.knowledge.loading import load_data
from bot.knowledge.places import district_of_kommune, find_place_in_text, kommune_names, lookup_place, police_districts

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
        ("min søn går i skole i Hellerup", "Gentofte"),
        ("hellerup", "Gentofte"),
        ("vi er fra Ringe på Fyn", "Faaborg-Midtfyn"),
        ("jeg vil gerne ringe til nogen", None),
        ("han vil give op", None),
        ("jeg er bekymret for min søn", None),
    ],
)
def test_places_in_free_text(message, kommune):
    match = find_place_in_text(message)
    assert (match.kommune if match else None) == kommune
