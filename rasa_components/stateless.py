"""Shared base for our NLU components: nothing to train, nothing to persist."""

from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class StatelessComponent(GraphComponent):
    """A component that only post-processes messages at inference time."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "StatelessComponent":
        return cls()
