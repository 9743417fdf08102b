"""`python -m bot lookup PLACE`, run as a real subprocess."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_bot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_help_lists_the_lookup_command():
    result = run_bot("--help")
    assert result.returncode == 0
    assert "lookup" in result.stdout


def test_lookup_a_town_prints_kommune_and_police_district_as_json():
    result = run_bot("lookup", "Hellerup")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["kommune"] == "Gentofte"
    assert answer["police_district"] == "Nordsjællands Politi"
    assert answer["infohus"]


def test_lookup_a_bornholm_town_and_a_two_word_name():
    assert json.loads(run_bot("lookup", "Nexø").stdout)["police_district"] == "Bornholms Politi"
    assert json.loads(run_bot("lookup", "Høje", "Taastrup").stdout)["kommune"] == "Høje-Taastrup"


def test_unknown_place_exits_non_zero_with_a_danish_message():
    result = run_bot("lookup", "Atlantis")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Ukendt sted" in result.stderr and "Atlantis" in result.stderr
