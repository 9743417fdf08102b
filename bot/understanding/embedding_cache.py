"""The sentence vectors of training examples on disk (var/embeddings.sqlite), so that a retrain
embeds only the examples that are new.

The repository ships the vectors of the training examples as they were when they were last
exported (`SHIPPED_FILE`, half precision, written by scripts/ship_training_vectors.py), so that a
training on a fresh machine embeds only the examples added since: embedding every example takes
most of a training from nothing (docs/benchmarks.md).

Only texts embedded for training pass through here (bot.understanding.encoder, `keep=True`):
never a user's message. Rows are keyed by a SHA-256 of the encoder's name and the text, so the
file holds no text, and another encoder never reads this one's vectors. The file belongs to the
machine (the C engine's arithmetic differs slightly between CPUs); deleting it costs one slow
training, nothing else.
"""

import hashlib
import sqlite3
from contextlib import closing
from functools import cache
from pathlib import Path
from typing import Sequence

import numpy as np

CACHE_FILE = Path(__file__).resolve().parents[2] / "var" / "embeddings.sqlite"
SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "training_vectors.npz"


class EmbeddingCache:
    """Vectors of training texts of one encoder, by a hash of the text."""

    def __init__(self, encoder_name: str, dim: int, path: Path | None = None, shipped: Path | None = None) -> None:
        self.encoder_name = encoder_name
        self.dim = dim
        self._shipped = shipped or SHIPPED_FILE
        path = path or CACHE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.encoder_name}\0{text}".encode()).hexdigest()

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those of `texts` that have one."""
        keys = {self._key(text): text for text in texts}
        found = {}
        key_list = list(keys)
        for start in range(0, len(key_list), 500):
            chunk = key_list[start:start + 500]
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self.dim,):
                    found[keys[key]] = vector
        shipped = shipped_vectors(self._shipped)
        for key, text in keys.items():
            row = shipped.get(key)
            if text not in found and row is not None and row.shape == (self.dim,):
                found[text] = row.astype(np.float32)
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(self._key(text), np.asarray(vector, dtype=np.float32).tobytes()) for text, vector in vectors.items()],
            )


@cache
def shipped_vectors(path: Path) -> dict[str, np.ndarray]:
    """The repository's vectors of training examples, by key (none if the file is absent)."""
    if not path.exists():
        return {}
    with np.load(path) as shipped:
        return {key.tobytes().hex(): vector for key, vector in zip(shipped["keys"], shipped["vectors"])}


def export_vectors(path: Path, cache_file: Path | None = None, shipped: Path | None = None) -> int:
    """Write the shipped vectors joined with every vector of the machine's cache to `path` (keys as
    32 bytes, vectors as float16); returns how many. Stale examples stay: for a lean file, delete
    both and train from nothing first."""
    rows = dict(shipped_vectors(shipped or SHIPPED_FILE))
    with closing(sqlite3.connect(cache_file or CACHE_FILE)) as machine:
        rows.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in machine.execute("SELECT key, vector FROM vectors"))
    keys = sorted(rows)
    np.savez_compressed(path, keys=np.frombuffer(b"".join(bytes.fromhex(key) for key in keys), dtype=np.uint8).reshape(-1, 32),
                        vectors=np.stack([rows[key] for key in keys]).astype(np.float16))
    return len(keys)
