"""Training examples' vectors on disk: a retrain embeds only new examples, and no user text is kept."""

import sqlite3

import numpy as np
import pytest

import bot.understanding.embedding_cache as embedding_cache
from bot.understanding.embedding_cache import EmbeddingCache
from bot.understanding.encoder import E5Encoder
from bot.understanding.situation import load_examples
from bot.understanding.spelling import respelled


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


def test_exported_vectors_are_found_by_a_cache_that_never_embedded_them(tmp_path):
    machine, shipped = tmp_path / "machine.sqlite", tmp_path / "shipped.npz"
    vector = np.linspace(-0.5, 0.5, 4, dtype=np.float32)
    EmbeddingCache("encoder a", 4, machine).put({"han vil rejse til Syrien": vector})
    assert embedding_cache.export_vectors(shipped, machine, tmp_path / "none.npz") == 1
    fresh = EmbeddingCache("encoder a", 4, tmp_path / "fresh.sqlite", shipped=shipped)
    found = fresh.get(["han vil rejse til Syrien", "ny"])
    assert list(found) == ["han vil rejse til Syrien"]
    assert found["han vil rejse til Syrien"].dtype == np.float32
    assert np.allclose(found["han vil rejse til Syrien"], vector, atol=1e-3)
    assert EmbeddingCache("encoder b", 4, tmp_path / "b.sqlite", shipped=shipped).get(["han vil rejse til Syrien"]) == {}
    assert "Syrien".encode() not in shipped.read_bytes()


def test_the_shipped_vectors_are_todays_encoder_on_todays_examples(tmp_path):
    """The repository's vectors must be what the local encoder gives: a changed model, or a file
    exported from another encoder, would train the readers on vectors they never see in use."""
    encoder = E5Encoder()
    cache = EmbeddingCache(f"{encoder.name} {encoder._version}", encoder.dim, tmp_path / "empty.sqlite")
    texts = [respelled(example["text"].strip()) or "." for example in load_examples()["signs"]]
    shipped = cache.get(texts)
    assert len(shipped) >= 0.5 * len(texts), "training_vectors.npz is missing most examples: re-export it"
    sample = sorted(shipped)[:: max(1, len(shipped) // 24)]
    local = encoder._model.encode(sample, True)
    for text, vector in zip(sample, local):
        assert float(np.dot(shipped[text], vector)) > 0.999, text


def test_an_export_keeps_the_shipped_vectors_and_adds_the_machines(tmp_path):
    first, second = tmp_path / "first.sqlite", tmp_path / "second.sqlite"
    EmbeddingCache("encoder a", 4, first).put({"gammelt eksempel": np.ones(4, dtype=np.float32)})
    EmbeddingCache("encoder a", 4, second).put({"nyt eksempel": np.zeros(4, dtype=np.float32)})
    assert embedding_cache.export_vectors(tmp_path / "old.npz", first, tmp_path / "none.npz") == 1
    assert embedding_cache.export_vectors(tmp_path / "new.npz", second, tmp_path / "old.npz") == 2
    joined = EmbeddingCache("encoder a", 4, tmp_path / "empty.sqlite", shipped=tmp_path / "new.npz")
    assert set(joined.get(["gammelt eksempel", "nyt eksempel"])) == {"gammelt eksempel", "nyt eksempel"}
