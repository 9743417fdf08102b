"""The table of words typed without æ, ø and å (scripts/build_spellings_da.py), built from wordfreq."""

import importlib.util
from pathlib import Path

_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_spellings_da.py"
_spec = importlib.util.spec_from_file_location("build_spellings_da", _SCRIPT)
build_spellings_da = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_spellings_da)


def test_every_way_of_typing_a_word_without_the_letters_is_known():
    assert build_spellings_da.typed_forms("kære") == {"kaere", "kare"}
    assert build_spellings_da.typed_forms("søndag") == {"soendag", "sondag"}


def test_a_typed_form_maps_to_the_word_only_where_that_word_is_clearly_more_frequent():
    table = build_spellings_da.spellings(1.0, ["på", "søn", "får", "før", "bør", "går"])
    assert table["paa"] == table["pa"] == "på"
    assert table["son"] == table["soen"] == "søn"
    assert table["gar"] == "går"
    assert "for" not in table  # "for" is more frequent than "får" and "før"
    assert "bor" not in table  # "bor" (lives) is as frequent as "bør"


def test_words_without_the_danish_letters_are_not_in_the_table():
    assert build_spellings_da.spellings(1.0, ["skole", "far"]) == {}
