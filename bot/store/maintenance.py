"""Housekeeping the running product does by itself: write spooled handoffs, expire unclaimed
cases, and delete what is past its retention (handoffs, audit rows, conversation events, expired
staff desk sessions)."""

import logging
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, MetaData, Table, delete, inspect

from bot.staff.sessions import purge_expired_sessions
from bot.staff.settings import staff_settings
from bot.store.delivery import flush_spool
from bot.store.engine import make_engine
from bot.store.handoffs import expire_unclaimed, purge_handoffs
from bot.store.settings import Retention, StoreSettings
from bot.store.spool import Spool

log = logging.getLogger(__name__)

RASA_EVENTS_TABLE = "events"


@dataclass(frozen=True)
class PurgeReport:
    expired: int
    handoffs_deleted: int
    audit_rows_deleted: int
    conversation_events_deleted: int
    staff_sessions_deleted: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def purge(engine: Engine, retention: Retention, tracker_url: str | None = None, now: datetime | None = None) -> PurgeReport:
    """Expire, then delete everything past `retention`."""
    now = now or datetime.now(timezone.utc)
    expired = expire_unclaimed(engine, timedelta(hours=retention.expire_unclaimed_hours), now)
    deleted = purge_handoffs(
        engine, timedelta(days=retention.resolved_days), timedelta(days=retention.unclaimed_days), now
    )
    events = purge_conversation_events(tracker_url, timedelta(hours=retention.transcript_hours), now) if tracker_url else 0
    desk = staff_settings().session
    sessions = purge_expired_sessions(engine, desk.idle_timeout, desk.absolute_timeout)
    return PurgeReport(expired, deleted.handoffs, deleted.audit_rows, events, sessions)


def purge_conversation_events(tracker_url: str, older_than: timedelta, now: datetime) -> int:
    """Delete Rasa tracker-store events older than `older_than` (none if Rasa has not made its table yet)."""
    engine = make_engine(tracker_url)
    try:
        if not inspect(engine).has_table(RASA_EVENTS_TABLE):
            return 0
        events = Table(RASA_EVENTS_TABLE, MetaData(), autoload_with=engine)
        cutoff = (now - older_than).timestamp()
        with engine.begin() as connection:
            return connection.execute(delete(events).where(events.c.timestamp < cutoff)).rowcount
    finally:
        engine.dispose()


def run_housekeeping(
    engine: Engine, spool: Spool, config: StoreSettings, tracker_url: str | None, stop: threading.Event
) -> None:
    """Until `stop` is set: flush the spool every few seconds, expire and purge every so often."""
    flush_every = config.maintenance.flush_interval_seconds
    purge_every = config.maintenance.purge_interval_minutes * 60
    since_purge = purge_every  # purge once at start
    while not stop.is_set():
        result = flush_spool(engine, spool)
        if result.written:
            log.info("Wrote %d spooled handoff(s); %d still waiting", result.written, result.pending)
        if since_purge >= purge_every:
            since_purge = 0
            try:
                report = purge(engine, config.retention, tracker_url)
                log.info("Retention: %s", report.as_dict())
            except Exception as error:  # the database may be away: try again next round
                log.warning("Retention run failed (%s); retrying later", type(error).__name__)
        stop.wait(flush_every)
        since_purge += flush_every
