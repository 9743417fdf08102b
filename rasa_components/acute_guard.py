"""NLU component: a message that bot.knowledge.urgency calls acute is always `acute_danger`.

Runs after the classifiers and the FallbackClassifier, so neither a wrong guess nor a low
confidence can hide an emergency from the dialogue (which answers acute danger with the emergency number first).
"""

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge.urgency import is_acute
from rasa_components.stateless import StatelessComponent

ACUTE_INTENT = "acute_danger"
INTENT_RANKING = "intent_ranking"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class AcuteDangerGuard(StatelessComponent):
    """Overrides the predicted intent with acute_danger when the message is clearly acute."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if predicted != ACUTE_INTENT and is_acute(message.get(TEXT) or ""):
                acute = {INTENT_NAME_KEY: ACUTE_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                ranking = [r for r in message.get(INTENT_RANKING) or [] if r.get(INTENT_NAME_KEY) != ACUTE_INTENT]
                message.set(INTENT, acute, add_to_output=True)
                message.set(INTENT_RANKING, [acute] + ranking, add_to_output=True)
        return messages
