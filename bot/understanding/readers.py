"""Small trained classifiers over one shared feature space: a sentence embedding and character n-grams.

A `FeatureSpace` turns texts into `Features`: the pretrained encoder's vector beside TF-IDF
weights of character n-grams, which catch the words a sentence vector blurs (symbol names, slang,
misspellings), and the time expressions of bot.understanding.timing. Each reader weighs the parts
its own way (`embedding_weight`: what a message is about matters most for sign groups, the exact
words more for urgency; `timing_weight` and `timing_gate`: only the acute reader uses time). Two
kinds of reader learn from curated examples on top of it:
- `MultiLabelReader`: any number of labels per text (sign groups; acute; crisis), one logistic
  regression per label, each with its own decision threshold;
- `ChoiceReader`: exactly one of a few classes (role; incident), with a default class when the
  model is not confident enough.
"""

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.knowledge.text import fold
from bot.understanding.encoder import SentenceEncoder
from bot.understanding.spelling import respelled
from bot.understanding.timing import HAS_NEAR, timing_features


@dataclass(frozen=True)
class FeatureSettings:
    """How texts become features; the values live in data/readers.yml."""

    char_ngram_min: int
    char_ngram_max: int
    min_document_frequency: int


@dataclass(frozen=True)
class Features:
    """Texts as features: unit-length sentence vectors, TF-IDF character n-grams, time expressions."""

    embeddings: np.ndarray
    ngrams: csr_matrix
    timing: np.ndarray

    def rows(self, indices: Sequence[int]) -> "Features":
        indices = list(indices)
        return Features(self.embeddings[indices], self.ngrams[indices], self.timing[indices])

    def weighted(self, embedding_weight: float, timing_weight: float = 0.0, timing_gate: float = 0.0) -> csr_matrix:
        """One matrix for a linear model, with the sentence vector scaled by `embedding_weight`.

        `timing_weight`: the time expressions as columns of this weight. `timing_gate`: a second copy
        of the sentence vector, scaled by this, in texts that place something now or within days
        only, so that a linear model can weigh what is told differently when it is about to happen.
        """
        parts = [csr_matrix(self.embeddings * embedding_weight), self.ngrams]
        if timing_weight:
            parts.append(csr_matrix(self.timing * timing_weight))
        if timing_gate:
            parts.append(csr_matrix(self.embeddings * (embedding_weight * timing_gate) * self.timing[:, [HAS_NEAR]]))
        return hstack(parts, format="csr")


def folded(text: str) -> str:
    """The text as the n-grams read it: æ, ø and å put back where they were left out, then folded."""
    return fold(respelled(text))


class FeatureSpace:
    """The encoder's sentence vector, and TF-IDF character n-grams of the folded text."""

    def __init__(self, encoder: SentenceEncoder, settings: FeatureSettings) -> None:
        self.encoder = encoder
        self.settings = settings
        self._ngrams = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(settings.char_ngram_min, settings.char_ngram_max),
            min_df=settings.min_document_frequency,
            preprocessor=folded,
            sublinear_tf=True,
            dtype=np.float32,
        )

    def fit(self, texts: Sequence[str]) -> "FeatureSpace":
        self._ngrams.fit(texts)
        return self

    def transform(self, texts: Sequence[str], keep: bool = False) -> Features:
        return Features(self.encoder.embed(texts, keep=keep), self._ngrams.transform(texts), timing_features(texts))

    def __getstate__(self) -> dict:
        # The encoder is a handle on a memory-mapped model, not part of what is saved.
        return {key: value for key, value in self.__dict__.items() if key != "encoder"}

    def attach(self, encoder: SentenceEncoder) -> "FeatureSpace":
        """Give a loaded feature space its encoder back."""
        self.encoder = encoder
        return self


def _logistic_regression(regularisation: float, solver: str = "lbfgs") -> LogisticRegression:
    """Balanced classes. liblinear for the yes/no models: as good here, three times faster."""
    return LogisticRegression(C=regularisation, class_weight="balanced", solver=solver, max_iter=2000, random_state=2024)


@dataclass
class MultiLabelReader:
    """Independent yes/no decisions per label, each with its own threshold."""

    labels: tuple[str, ...]
    thresholds: dict[str, float]
    regularisation: float
    embedding_weight: float
    timing_weight: float = 0.0
    timing_gate: float = 0.0
    _models: dict[str, LogisticRegression] = field(default_factory=dict, repr=False)

    def fit(self, features: Features, label_sets: Sequence[Sequence[str]]) -> "MultiLabelReader":
        matrix = self._matrix(features)
        for label in self.labels:
            target = np.array([label in labels for labels in label_sets], dtype=int)
            if target.min() == target.max():
                raise ValueError(f"label {label!r} needs both positive and negative examples")
            self._models[label] = _logistic_regression(self.regularisation, "liblinear").fit(matrix, target)
        return self

    def scores(self, features: Features) -> dict[str, np.ndarray]:
        """The probability of each label, per text."""
        matrix = self._matrix(features)
        return {label: model.predict_proba(matrix)[:, 1] for label, model in self._models.items()}

    def _matrix(self, features: Features) -> csr_matrix:
        return features.weighted(self.embedding_weight, self.timing_weight, self.timing_gate)

    def read(self, features: Features) -> list[list[str]]:
        """The labels whose probability reaches their threshold, per text."""
        return self.labels_of(self.scores(features))

    def labels_of(self, scores: dict[str, np.ndarray], margin: float = 0.0) -> list[list[str]]:
        """The labels whose probability in `scores` reaches their threshold plus `margin`, per text."""
        rows = len(next(iter(scores.values())))
        return [
            [label for label in self.labels if scores[label][row] >= self.thresholds.get(label, 0.5) + margin]
            for row in range(rows)
        ]


@dataclass
class ChoiceReader:
    """One class per text; the default class when no class is probable enough."""

    classes: tuple[str, ...]
    default: str
    min_probability: float
    regularisation: float
    embedding_weight: float
    _model: LogisticRegression | None = field(default=None, repr=False)

    def fit(self, features: Features, choices: Sequence[str]) -> "ChoiceReader":
        unknown = set(choices) - set(self.classes)
        if unknown:
            raise ValueError(f"unknown classes in the examples: {sorted(unknown)}")
        self._model = _logistic_regression(self.regularisation).fit(features.weighted(self.embedding_weight), list(choices))
        return self

    def probabilities(self, features: Features) -> list[dict[str, float]]:
        """The probability of every class, per text."""
        rows = self._model.predict_proba(features.weighted(self.embedding_weight))
        return [dict(zip(self._model.classes_, map(float, row))) for row in rows]

    def read(self, features: Features, min_probability: float | None = None) -> list[str]:
        """The likeliest class per text, or the default below `min_probability` (else the reader's own)."""
        at_least = self.min_probability if min_probability is None else min_probability
        choices = []
        for probabilities in self.probabilities(features):
            best = max(probabilities, key=probabilities.get)
            choices.append(best if probabilities[best] >= at_least else self.default)
        return choices

    def read_any(self, features: Features) -> list[str]:
        """The likeliest class other than the default per text, when those classes together reach
        the reader's `min_probability`; else the default. A hate crime that the incident reader
        finds for sure (none 0.04) but cannot place between victim 0.44, offender 0.31 and witness
        0.21 is still a crime."""
        choices = []
        for probabilities in self.probabilities(features):
            others = {name: value for name, value in probabilities.items() if name != self.default}
            best = max(others, key=others.get)
            choices.append(best if sum(others.values()) >= self.min_probability else self.default)
        return choices
