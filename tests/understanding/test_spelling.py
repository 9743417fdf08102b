"""Words typed without æ, ø and å get their letters back before the encoder and the n-grams read them."""

import numpy as np
import pytest

from bot.understanding.encoder import default_encoder
from bot.understanding.language import language_of
from bot.understanding.spelling import respelled


@pytest.mark.parametrize("typed, meant", [
    ("min son gar i moske paa fredag", "min søn går i moske på fredag"),
    ("min soen vil ikke gaa i skole", "min søn vil ikke gå i skole"),
    ("HJAELP min son har vaaben", "HJÆLP min søn har våben"),
    ("Paa mandag sa han noget maerkeligt", "På mandag så han noget mærkeligt"),
])
def test_words_typed_without_the_danish_letters_get_them_back(typed, meant):
    assert respelled(typed) == meant


@pytest.mark.parametrize("text", [
    "han bor hos sin far og er bange for at gå i skole",  # written with å: left alone
    "han bor hos sin far, han troede ikke det var for alvor",  # real words stay: bor, far, for, troede
    "my son was born here and he made a bomb",  # English keeps its words
    "",
])
def test_text_that_needs_nothing_is_left_alone(text):
    assert respelled(text) == text


def test_the_encoder_reads_a_message_typed_without_the_letters_as_the_same_message():
    typed, meant = default_encoder().embed(["min son gar ikke i skole mere", "min søn går ikke i skole mere"])
    assert np.allclose(typed, meant)


@pytest.mark.parametrize("text, language", [
    ("HJAELP han har en kniv", "da"),  # as typed, the detector takes it for English
    ("hjaelp min son har vaaben", "da"),
    ("help my son has a gun", "en"),
    ("my son is going to syria tonight", "en"),
])
def test_the_language_is_read_from_the_message_with_its_letters_back(text, language):
    assert language_of(respelled(text)) == language
