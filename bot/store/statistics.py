"""Monthly counts of cases per sign, role and police district, for the centre's knowledge work,
and of the kommune staff's completed readiness checks by answer pattern.

A case is counted once, in the same transaction that stores it; the counts hold no case data and
are kept when the cases themselves are purged. A readiness check is counted by its seven answer
letters only (dimension "readiness"); nothing else about it is stored."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.knowledge.contacts import service_timezone
from bot.store.models import Handoff, MonthlyCount
from bot.store.records import HandoffRecord


def _counted_values(record: HandoffRecord | Handoff) -> list[tuple[str, str]]:
    return (
        [("total", "")]
        + [("sign", sign) for sign in dict.fromkeys(record.sign_groups)]
        + [("role", record.role or ""), ("police_district", record.police_district or "")]
    )


READINESS = "readiness"


def _month(when: datetime) -> str:
    """The month a moment counts in, in the service's time zone."""
    return when.astimezone(service_timezone()).strftime("%Y-%m")


def _month_of(case: HandoffRecord | Handoff) -> str:
    """The month a case counts in."""
    return _month(case.created_at)


def _add_one(session: Session, month: str, dimension: str, value: str) -> None:
    """Add one to a month's count of `dimension` = `value` (inside the caller's transaction)."""
    dialect_insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(MonthlyCount).values(month=month, dimension=dimension, value=value, count=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["month", "dimension", "value"], set_={"count": MonthlyCount.count + 1}
        )
    )


def count_case(session: Session, record: HandoffRecord) -> None:
    """Add one case to its month's counts (inside the caller's transaction)."""
    month = _month_of(record)
    for dimension, value in _counted_values(record):
        _add_one(session, month, dimension, value)


def count_readiness_check(engine: Engine, pattern: str, completed_at: datetime) -> None:
    """Add one completed readiness check to its month's count under its answer pattern ('jdnvjjn')."""
    with Session(engine) as session, session.begin():
        _add_one(session, _month(completed_at), READINESS, pattern)


def uncount_case(session: Session, case: Handoff) -> None:
    """Take a stored case out of its month's counts again (inside the caller's transaction): a case
    withdrawn as past the chat's handoff limit was never a real request for help."""
    month = _month_of(case)
    for dimension, value in _counted_values(case):
        session.execute(
            update(MonthlyCount)
            .where(MonthlyCount.month == month, MonthlyCount.dimension == dimension, MonthlyCount.value == value,
                   MonthlyCount.count > 0)
            .values(count=MonthlyCount.count - 1)
        )


@dataclass(frozen=True)
class CountRow:
    month: str
    dimension: str
    value: str
    count: int


def monthly_counts(engine: Engine) -> list[CountRow]:
    """Every count, by month, dimension and value."""
    with Session(engine) as session:
        rows = session.execute(
            select(MonthlyCount.month, MonthlyCount.dimension, MonthlyCount.value, MonthlyCount.count).order_by(
                MonthlyCount.month, MonthlyCount.dimension, MonthlyCount.value
            )
        )
        return [CountRow(*row) for row in rows]
