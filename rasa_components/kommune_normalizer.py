"""NLU component: `kommune` entities carry the official kommune name.

'kbh', 'Hellerup' or 'aeroe' become 'København', 'Gentofte' and 'Ærø' through the same lookup the
actions and the command line use (bot.knowledge.places). Unknown places keep the text the user
typed, so the dialogue can ask again.
"""

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, ENTITY_ATTRIBUTE_VALUE
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge.places import lookup_place
from rasa_components.stateless import StatelessComponent

KOMMUNE_ENTITY = "kommune"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class KommuneNormalizer(StatelessComponent):
    """Replaces the value of each kommune entity with the official kommune name."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            for entity in message.get(ENTITIES) or []:
                if entity.get(ENTITY_ATTRIBUTE_TYPE) != KOMMUNE_ENTITY:
                    continue
                match = lookup_place(str(entity.get(ENTITY_ATTRIBUTE_VALUE) or ""))
                if match is not None:
                    entity[ENTITY_ATTRIBUTE_VALUE] = match.kommune
        return messages
