"""Write the machine's vectors of training examples (var/embeddings.sqlite) to the file the
repository ships (bot/understanding/data/training_vectors.npz), so that a training on a fresh
machine embeds only the examples added since.

The file keeps what it held and adds the machine's vectors: run it after a training, when many
examples were added. For a file with today's examples only, delete it and var/embeddings.sqlite,
train from nothing (about 20 minutes), then run this. Commit the file.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.understanding.embedding_cache import SHIPPED_FILE, export_vectors  # noqa: E402

if __name__ == "__main__":
    count = export_vectors(SHIPPED_FILE)
    print(f"{count} vectors -> {SHIPPED_FILE} ({SHIPPED_FILE.stat().st_size / 1e6:.1f} MB)")
