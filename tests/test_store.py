"""The handoff store on a real SQLite file and a real PostgreSQL server: migrations, idempotent
writes, atomic claims, the status machine with its audit trail, and retention."""

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.store.engine import make_engine
from bot.store.handoffs import (
    cases_with_status,
    claim_case,
    expire_unclaimed,
    find_case,
    purge_handoffs,
    release_case,
    resolve_case,
    save_handoff,
)
from bot.store.migrate import alembic_config, downgrade, upgrade
from bot.store.models import AuditEntry, Handoff, Status
from bot.store.records import HandoffRecord, new_case_code, normalise_case_code
from bot.store.settings import settings

NOW = datetime.now(timezone.utc)


def record(key: str = "key-1", created_at: datetime | None = None, **fields) -> HandoffRecord:
    defaults = {
        "urgency": "routine",
        "role": "parent",
        "kommune": "Aarhus",
        "police_district": "Østjyllands Politi",
        "sign_groups": ["violent_groups"],
        "routes": ["infohus", "hotline"],
    }
    return HandoffRecord(
        code=new_case_code(),
        idempotency_key=key,
        conversation_hash="c" * 64,
        created_at=created_at or datetime.now(timezone.utc),
        **(defaults | fields),
    )


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def audit_trail(engine, code: str) -> list[tuple]:
    case = find_case(engine, code)
    return [(a.from_status, a.to_status, a.actor) for a in case.audit]


# -- migrations -----------------------------------------------------------------------------------


ALL_TABLES = {"handoffs", "handoff_audit", "staff_accounts", "staff_sessions", "staff_events", "staff_keys",
              "staff_recovery_codes"}


def test_migrations_create_the_tables_on_an_empty_database_and_can_be_undone(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    assert ALL_TABLES | {"alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
        assert connection.scalar(text("select version_num from alembic_version")) == head
    engine.dispose()
    downgrade(database_url)
    engine = make_engine(database_url)
    assert not ALL_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
    upgrade(database_url)


def test_each_migration_steps_down_and_up_again_keeping_the_audit_append_only(database_url):
    upgrade(database_url)
    downgrade(database_url, "0001")
    engine = make_engine(database_url)
    assert "staff_accounts" not in inspect(engine).get_table_names()
    assert "outcome" not in {c["name"] for c in inspect(engine).get_columns("handoffs")}
    engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url)
    save_handoff(engine, record())
    with engine.begin() as connection, pytest.raises(DBAPIError):
        connection.execute(text("update handoff_audit set actor = 'someone else'"))
    engine.dispose()


# -- writing once -----------------------------------------------------------------------------------


def test_a_handoff_is_stored_with_its_fields_and_a_first_audit_row(store_engine):
    stored = record(summary="Min søn [NAVN] ser IS-videoer")
    assert save_handoff(store_engine, stored) == stored.code
    case = find_case(store_engine, stored.code.lower().replace("-", " "))
    assert case.status is Status.QUEUED
    assert (case.role, case.kommune, case.police_district) == ("parent", "Aarhus", "Østjyllands Politi")
    assert case.sign_groups == ["violent_groups"] and case.routes == ["infohus", "hotline"]
    assert case.summary == "Min søn [NAVN] ser IS-videoer"
    assert case.created_at.tzinfo is not None and abs(case.created_at - stored.created_at) < timedelta(seconds=1)
    assert audit_trail(store_engine, stored.code) == [(None, Status.QUEUED, "assistant")]


def test_the_same_idempotency_key_is_stored_once(store_engine):
    first = record("same-key")
    assert save_handoff(store_engine, first) == first.code
    assert save_handoff(store_engine, first) is None
    assert save_handoff(store_engine, record("same-key")) is None
    assert count(store_engine, Handoff) == 1 and count(store_engine, AuditEntry) == 1


def test_a_taken_case_code_gets_a_fresh_one_instead_of_losing_the_handoff(store_engine):
    first = record("key-a")
    save_handoff(store_engine, first)
    clash = HandoffRecord(**{**record("key-b").__dict__, "code": first.code})
    stored_as = save_handoff(store_engine, clash)
    assert stored_as and stored_as != first.code
    assert count(store_engine, Handoff) == 2


def test_case_codes_have_no_look_alike_characters():
    alphabet = set(settings().case_code.alphabet)
    assert not alphabet & set("0O1IL5S2Z8BUVDQ")
    codes = {new_case_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 9 and c[4] == "-" and set(c.replace("-", "")) <= alphabet for c in codes)
    assert normalise_case_code(" k7hm 4xrt ") == "K7HM-4XRT"


# -- claiming and the status machine ---------------------------------------------------------------


def test_concurrent_claims_have_exactly_one_winner(store_engine):
    for round_number in range(5):
        stored = record(f"race-{round_number}")
        save_handoff(store_engine, stored)
        contenders = 8
        barrier = threading.Barrier(contenders)
        results: dict[str, bool] = {}

        def claim(staff: str) -> None:
            barrier.wait()
            results[staff] = claim_case(store_engine, stored.code, staff)

        threads = [threading.Thread(target=claim, args=(f"staff-{i}",)) for i in range(contenders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [staff for staff, won in results.items() if won]
        assert len(results) == contenders and len(winners) == 1
        case = find_case(store_engine, stored.code)
        assert case.status is Status.CLAIMED and case.claimed_by == winners[0]
        assert [row for row in audit_trail(store_engine, stored.code) if row[1] is Status.CLAIMED] == [
            (Status.QUEUED, Status.CLAIMED, winners[0])
        ]


def test_only_the_claimer_resolves_or_releases_and_every_change_is_audited(store_engine):
    stored = record()
    save_handoff(store_engine, stored)
    assert claim_case(store_engine, stored.code, "anne")
    assert not resolve_case(store_engine, stored.code, "bo")
    assert not release_case(store_engine, stored.code, "bo")
    assert release_case(store_engine, stored.code, "anne")
    assert claim_case(store_engine, stored.code, "bo")
    assert resolve_case(store_engine, stored.code, "bo")
    assert not claim_case(store_engine, stored.code, "anne")
    case = find_case(store_engine, stored.code)
    assert case.status is Status.RESOLVED and case.resolved_by == "bo" and case.resolved_at is not None
    assert audit_trail(store_engine, stored.code) == [
        (None, Status.QUEUED, "assistant"),
        (Status.QUEUED, Status.CLAIMED, "anne"),
        (Status.CLAIMED, Status.QUEUED, "anne"),
        (Status.QUEUED, Status.CLAIMED, "bo"),
        (Status.CLAIMED, Status.RESOLVED, "bo"),
    ]


def test_unknown_codes_cannot_be_claimed(store_engine):
    assert not claim_case(store_engine, "AAAA-AAAA", "anne")
    assert find_case(store_engine, "AAAA-AAAA") is None


def test_the_audit_table_is_append_only(store_engine):
    save_handoff(store_engine, record())
    with pytest.raises(DBAPIError, match="append-only"):
        with store_engine.begin() as connection:
            connection.execute(text("UPDATE handoff_audit SET actor = 'someone else'"))
    assert count(store_engine, AuditEntry) == 1


# -- expiry and retention -----------------------------------------------------------------------------


def test_queued_cases_expire_after_the_configured_time(store_engine):
    old, fresh = record("old", created_at=NOW - timedelta(hours=49)), record("fresh", created_at=NOW - timedelta(hours=1))
    save_handoff(store_engine, old)
    save_handoff(store_engine, fresh)
    assert expire_unclaimed(store_engine, timedelta(hours=48), NOW) == 1
    assert [c.code for c in cases_with_status(store_engine, Status.EXPIRED)] == [old.code]
    assert audit_trail(store_engine, old.code)[-1] == (Status.QUEUED, Status.EXPIRED, "system")
    assert find_case(store_engine, fresh.code).status is Status.QUEUED


def test_retention_deletes_resolved_and_never_claimed_cases_with_their_audit_rows(store_engine):
    resolved, unclaimed, in_progress = record("resolved"), record("unclaimed"), record("in-progress")
    for stored in (resolved, unclaimed, in_progress):
        save_handoff(store_engine, stored)
    claim_case(store_engine, resolved.code, "anne")
    resolve_case(store_engine, resolved.code, "anne")
    claim_case(store_engine, in_progress.code, "bo")
    keep_all = purge_handoffs(store_engine, timedelta(days=30), timedelta(days=7), NOW + timedelta(days=6))
    assert (keep_all.handoffs, keep_all.audit_rows) == (0, 0)

    after_a_week = purge_handoffs(store_engine, timedelta(days=30), timedelta(days=7), NOW + timedelta(days=8))
    assert (after_a_week.handoffs, after_a_week.audit_rows) == (1, 1)
    assert find_case(store_engine, unclaimed.code) is None

    after_a_month = purge_handoffs(store_engine, timedelta(days=30), timedelta(days=7), NOW + timedelta(days=31))
    assert (after_a_month.handoffs, after_a_month.audit_rows) == (1, 3)
    assert find_case(store_engine, resolved.code) is None
    assert find_case(store_engine, in_progress.code).status is Status.CLAIMED
    assert count(store_engine, AuditEntry) == 2


# -- statistics -----------------------------------------------------------------------------------

def test_each_stored_case_is_counted_once_in_its_month_and_the_counts_outlive_the_purge(store_engine):
    from bot.store.statistics import monthly_counts

    save_handoff(store_engine, record("a", sign_groups=["violence", "isolation"], role="parent"))
    save_handoff(store_engine, record("a", sign_groups=["violence", "isolation"], role="parent"))  # a retry
    save_handoff(store_engine, record("b", sign_groups=["violence"], role="school_staff", police_district=None))
    month = datetime.now(timezone.utc).astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%Y-%m")
    counts = {(r.dimension, r.value): r.count for r in monthly_counts(store_engine) if r.month == month}
    assert counts == {
        ("total", ""): 2,
        ("sign", "violence"): 2,
        ("sign", "isolation"): 1,
        ("role", "parent"): 1,
        ("role", "school_staff"): 1,
        ("police_district", "Østjyllands Politi"): 1,
        ("police_district", ""): 1,
    }
    purge_handoffs(store_engine, resolved_after=timedelta(0), unclaimed_after=timedelta(0),
                   now=datetime.now(timezone.utc) + timedelta(days=1))
    assert count(store_engine, Handoff) == 0
    assert {(r.dimension, r.value): r.count for r in monthly_counts(store_engine)}[("total", "")] == 2


def test_a_case_withdrawn_past_the_handoff_limit_leaves_the_counts(store_engine):
    from bot.store.handoffs import withdraw_case
    from bot.store.statistics import monthly_counts

    kept = save_handoff(store_engine, record("a", sign_groups=["violence"], role="parent"))
    withdrawn = save_handoff(store_engine, record("b", sign_groups=["violence", "isolation"], role="parent"))
    assert withdraw_case(store_engine, withdrawn) and not withdraw_case(store_engine, withdrawn)  # once only
    assert find_case(store_engine, kept).status is Status.QUEUED
    counts = {(r.dimension, r.value): r.count for r in monthly_counts(store_engine)}
    assert counts[("total", "")] == 1 and counts[("sign", "violence")] == 1 and counts[("role", "parent")] == 1
    assert counts[("sign", "isolation")] == 0
