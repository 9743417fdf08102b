"""Training examples' vectors on disk: a retrain embeds only new examples, and no user text is kept."""

import sqlite3

import numpy as np
import pytest

import bot.understanding.embedding_cache as embedding_cache
from bot.understanding.embedding_cache import EmbeddingCache
from bot.understanding.encoder import E5Encoder


def test_vectors_come_back_as_stored_and_the_file_holds_no_text(tmp_path):
    path = tmp_path / "cache.sqlite"
    vector = np.arange(4, dtype=np.float32)
    EmbeddingCache("encoder a", 4, path).put({"min søn truer sin lærer": vector})
    found = EmbeddingCache("encoder a", 4, path).get(["min søn truer sin lærer", "ny"])
    assert list(found) == ["min søn truer sin lærer"] and np.array_equal(found["min søn truer sin lærer"], vector)
    assert EmbeddingCache("encoder b", 4, path).get(["min søn truer sin lærer"]) == {}
    assert "truer".encode() not in path.read_bytes()


@pytest.fixture
def cache_file(tmp_path, monkeypatch):
    path = tmp_path / "embeddings.sqlite"
    monkeypatch.setattr(embedding_cache, "CACHE_FILE", path)
    return path


def _rows(path) -> int:
    if not path.exists():
        return 0
    return sqlite3.connect(path).execute("SELECT COUNT(*) FROM vectors").fetchone()[0]


def test_a_message_read_outside_training_is_never_written(cache_file):
    E5Encoder().embed(["min datter har fået nye venner"])
    assert _rows(cache_file) == 0


def test_a_retrain_takes_a_training_example_from_the_cache(cache_file):
    first = E5Encoder().embed(["min datter har fået nye venner"], keep=True)
    assert _rows(cache_file) == 1
    second_encoder = E5Encoder()
    second_encoder._model = None  # the engine must not be asked again
    assert np.array_equal(second_encoder.embed(["min datter har fået nye venner"], keep=True), first)
