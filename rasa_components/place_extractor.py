"""NLU component: `kommune` entities for the Danish places a message names.

The places come from the kommune/town table (bot/knowledge/data/places.yml) through
bot.knowledge.places.read_places, the same reading the guided conversation uses: spelling
variants, towns and districts, missing æøå and small typos, with place names that are also
ordinary words ('Give', 'Vejen') only where a place is meant. The value is the official kommune,
or the name as typed when several places share it.
"""

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge.places import read_places
from rasa_components.stateless import StatelessComponent

KOMMUNE_ENTITY = "kommune"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PlaceExtractor(StatelessComponent):
    """Adds one `kommune` entity per place named in the message."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            places = [
                {
                    ENTITY_ATTRIBUTE_TYPE: KOMMUNE_ENTITY,
                    ENTITY_ATTRIBUTE_START: place.start,
                    ENTITY_ATTRIBUTE_END: place.end,
                    ENTITY_ATTRIBUTE_VALUE: place.kommune or place.text,
                    EXTRACTOR: self.__class__.__name__,
                }
                for place in read_places(message.get(TEXT) or "")
            ]
            message.set(ENTITIES, (message.get(ENTITIES) or []) + places, add_to_output=True)
        return messages
