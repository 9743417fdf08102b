"""The queries on handoffs: store once, claim atomically, change status with an audit row, purge."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.store.models import TRANSITIONS, AuditEntry, Handoff, Status
from bot.store.records import HandoffRecord, new_case_code, normalise_case_code
from bot.store.statistics import count_case, uncount_case

log = logging.getLogger(__name__)

ASSISTANT = "assistant"
SYSTEM = "system"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def save_handoff(engine: Engine, record: HandoffRecord) -> str | None:
    """Store `record` unless its idempotency key is already stored.

    Returns the case code it was stored under, or None when it was stored before. In the
    astronomically rare case that the code is taken by another case, a new code is drawn.
    """
    try:
        return _insert_once(engine, record, record.code)
    except IntegrityError:
        if _code_taken(engine, record.code):
            fresh = new_case_code()
            log.warning("Case code %s was taken; the handoff is stored as %s", record.code, fresh)
            return _insert_once(engine, record, fresh)
        raise


def _insert_once(engine: Engine, record: HandoffRecord, code: str) -> str | None:
    values = record.to_json() | {
        "code": code,
        "created_at": record.created_at,
        "status": Status.QUEUED,
        "status_changed_at": record.created_at,
    }
    dialect_insert = postgres_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(Handoff)
        .values(values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Handoff.id)
    )
    with Session(engine) as session, session.begin():
        handoff_id = session.execute(statement).scalar_one_or_none()
        if handoff_id is None:
            return None
        session.execute(
            insert(AuditEntry).values(
                handoff_id=handoff_id, from_status=None, to_status=Status.QUEUED, actor=ASSISTANT, at=record.created_at
            )
        )
        count_case(session, record)
    return code


def _code_taken(engine: Engine, code: str) -> bool:
    with Session(engine) as session:
        return session.scalar(select(func.count()).where(Handoff.code == code)) > 0


def open_case_of_conversation(engine: Engine, conversation_hash: str) -> str | None:
    """The code of the conversation's case that is still queued or claimed, if there is one."""
    with Session(engine) as session:
        return session.scalar(
            select(Handoff.code)
            .where(Handoff.conversation_hash == conversation_hash, Handoff.status.in_([Status.QUEUED, Status.CLAIMED]))
            .order_by(Handoff.created_at.desc())
            .limit(1)
        )


def find_case(engine: Engine, code: str) -> Handoff | None:
    """A case with its audit trail, by the code the user quotes (case and dashes ignored)."""
    with Session(engine) as session:
        return session.scalar(
            select(Handoff).where(Handoff.code == normalise_case_code(code)).options(selectinload(Handoff.audit))
        )


def cases_with_status(engine: Engine, status: Status) -> list[Handoff]:
    """Cases in one status, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(Handoff).where(Handoff.status == status).order_by(Handoff.created_at)))


def claim_case(engine: Engine, code: str, staff: str) -> bool:
    """Claim a queued case. One conditional UPDATE: of two staff members, exactly one wins."""
    return _change_status(engine, code, Status.QUEUED, Status.CLAIMED, staff, claimed_by=staff, claimed_at=utc_now())


def release_case(engine: Engine, code: str, staff: str) -> bool:
    """Put a case its claimer cannot finish back in the queue."""
    return _change_status(
        engine, code, Status.CLAIMED, Status.QUEUED, staff,
        only_if_claimed_by=staff, claimed_by=None, claimed_at=None,
    )


def resolve_case(engine: Engine, code: str, staff: str, outcome: str | None = None) -> bool:
    """Close a case the same staff member claimed, with an outcome code (bot/web/data/outcomes.yml)."""
    return _change_status(
        engine, code, Status.CLAIMED, Status.RESOLVED, staff,
        only_if_claimed_by=staff, detail=outcome, resolved_by=staff, resolved_at=utc_now(), outcome=outcome,
    )


def withdraw_case(engine: Engine, code: str) -> bool:
    """Take a case the assistant has just queued out of the queue: the chat's cap on new cases per
    conversation and per address was passed (bot/web/handoff_limit.py). Audited as "withdrawn"."""
    return _change_status(engine, code, Status.QUEUED, Status.EXPIRED, SYSTEM, action="withdrawn",
                          then=lambda session, handoff_id: uncount_case(session, session.get(Handoff, handoff_id)))


def record_case_action(engine: Engine, code: str, actor: str, action: str) -> bool:
    """Audit an action that leaves the status as it is, such as a live message (never its text).
    Only the staff member who holds the claim can act on a claimed case."""
    now = utc_now()
    with Session(engine) as session, session.begin():
        case = session.execute(
            select(Handoff.id, Handoff.status).where(
                Handoff.code == normalise_case_code(code), Handoff.status == Status.CLAIMED, Handoff.claimed_by == actor
            )
        ).one_or_none()
        if case is None:
            return False
        session.execute(
            insert(AuditEntry).values(
                handoff_id=case.id, from_status=case.status, to_status=case.status, actor=actor, at=now, action=action
            )
        )
    return True


def _change_status(
    engine: Engine,
    code: str,
    from_status: Status,
    to_status: Status,
    actor: str,
    only_if_claimed_by: str | None = None,
    detail: str | None = None,
    action: str = "status",
    then: Callable[[Session, int], None] | None = None,
    **values,
) -> bool:
    """Move one case from `from_status` to `to_status` and audit it, in one transaction; `then` runs
    inside it with the case's id when the case moved. False when no such case was in `from_status`."""
    if to_status not in TRANSITIONS[from_status]:
        raise ValueError(f"{from_status.value} -> {to_status.value} is not a status change a case can make")
    now = utc_now()
    statement = (
        update(Handoff)
        .where(Handoff.code == normalise_case_code(code), Handoff.status == from_status)
        .values(status=to_status, status_changed_at=now, **values)
        .returning(Handoff.id)
    )
    if only_if_claimed_by is not None:
        statement = statement.where(Handoff.claimed_by == only_if_claimed_by)
    with Session(engine) as session, session.begin():
        handoff_id = session.execute(statement).scalar_one_or_none()
        if handoff_id is None:
            return False
        session.execute(
            insert(AuditEntry).values(
                handoff_id=handoff_id, from_status=from_status, to_status=to_status, actor=actor, at=now,
                action=action, detail=detail,
            )
        )
        if then is not None:
            then(session, handoff_id)
    return True


def expire_unclaimed(engine: Engine, older_than: timedelta, now: datetime | None = None) -> int:
    """Mark queued cases nobody claimed within `older_than` as expired. Returns how many."""
    now = now or utc_now()
    with Session(engine) as session, session.begin():
        expired_ids = session.scalars(
            update(Handoff)
            .where(Handoff.status == Status.QUEUED, Handoff.created_at < now - older_than)
            .values(status=Status.EXPIRED, status_changed_at=now)
            .returning(Handoff.id)
        ).all()
        if expired_ids:
            session.execute(
                insert(AuditEntry),
                [
                    {"handoff_id": i, "from_status": Status.QUEUED, "to_status": Status.EXPIRED, "actor": SYSTEM, "at": now}
                    for i in expired_ids
                ],
            )
    return len(expired_ids)


@dataclass(frozen=True)
class PurgeResult:
    handoffs: int
    audit_rows: int


def purge_handoffs(
    engine: Engine, resolved_after: timedelta, unclaimed_after: timedelta, now: datetime | None = None
) -> PurgeResult:
    """Delete, with their audit rows, cases resolved longer than `resolved_after` ago and cases
    still unclaimed (queued or expired) that were made longer than `unclaimed_after` ago.
    Claimed cases stay until a staff member resolves them."""
    now = now or utc_now()
    due = select(Handoff.id).where(
        ((Handoff.status == Status.RESOLVED) & (Handoff.resolved_at < now - resolved_after))
        | (Handoff.status.in_([Status.QUEUED, Status.EXPIRED]) & (Handoff.created_at < now - unclaimed_after))
    )
    with Session(engine) as session, session.begin():
        ids = session.scalars(due).all()
        if not ids:
            return PurgeResult(0, 0)
        audit_rows = session.execute(delete(AuditEntry).where(AuditEntry.handoff_id.in_(ids))).rowcount
        handoffs = session.execute(delete(Handoff).where(Handoff.id.in_(ids))).rowcount
    return PurgeResult(handoffs, audit_rows)
