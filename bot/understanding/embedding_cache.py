"""The sentence vectors of training examples on disk (var/embeddings.sqlite), so that a retrain
embeds only the examples that are new.

Only texts embedded for training pass through here (bot.understanding.encoder, `keep=True`):
never a user's message. Rows are keyed by a SHA-256 of the encoder's name and the text, so the
file holds no text, and another encoder never reads this one's vectors. The file belongs to the
machine (the C engine's arithmetic differs slightly between CPUs); deleting it costs one slow
training, nothing else.
"""

import hashlib
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np

CACHE_FILE = Path(__file__).resolve().parents[2] / "var" / "embeddings.sqlite"


class EmbeddingCache:
    """Vectors of training texts of one encoder, by a hash of the text."""

    def __init__(self, encoder_name: str, dim: int, path: Path | None = None) -> None:
        self.encoder_name = encoder_name
        self.dim = dim
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
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(self._key(text), np.asarray(vector, dtype=np.float32).tobytes()) for text, vector in vectors.items()],
            )
