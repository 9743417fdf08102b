"""Rasa's SQL tracker store, anonymising every event before it is written (Rasa's environment only).

Configured in endpoints.yml; the database URL comes from `TRACKER_STORE_URL` (default a SQLite
file under var/), so the same class works on SQLite and PostgreSQL.
"""

import json
import logging
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.privacy.events import anonymize_event
from bot.store.settings import tracker_store_url

log = logging.getLogger(__name__)


class AnonymizingTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        if event_broker is not None:
            log.warning("The anonymising tracker store does not stream events: the event broker is ignored")
        super().__init__(domain=domain, host=host or tracker_store_url(), event_broker=None, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not yet stored, each anonymised; the live tracker is left as it is."""
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = anonymize_event(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
