"""The second factor in the store, on SQLite and PostgreSQL: set up only with a right code, a TOTP
code taken once and never for an earlier step, recovery codes kept only as keyed hashes and each
taken once, a reset that ends the account's sessions (a half log-in too), and no secret or code in
staff_events. The command line resets too."""

import threading
import time

import pyotp
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.staff.accounts import Role, authenticate, create_account, get_account
from bot.staff.second_factor import (
    STEP_SECONDS, code_at, confirm_enrolment, must_enrol, new_secret, reset, status, verify,
)
from bot.staff.sessions import PENDING_ACCOUNT, delete_sessions_of
from bot.store.engine import make_engine
from bot.store.models import StaffAccount, StaffEvent, StaffRecoveryCode, StaffSession
from tests.test_staff_accounts import cli_database, run_cli  # noqa: F401 (a fixture)

PASSWORD = "korrekt hest batteri"
NOW = 1_800_000_015.0  # a fixed moment, 15 s into its time step


def step_of(when: float) -> int:
    return int(when) // STEP_SECONDS


@pytest.fixture
def alice(store_engine):
    return create_account(store_engine, "alice", PASSWORD, Role.ADMIN)


def enrolled(engine, account, when=NOW) -> tuple[str, list[str]]:
    secret = new_secret()
    codes = confirm_enrolment(engine, account.id, secret, code_at(secret, when), now=when)
    assert codes is not None
    return secret, codes


def stored_text(engine) -> str:
    """Every value of every row of the account and event tables, as one text."""
    with Session(engine) as session:
        rows = [*session.scalars(select(StaffAccount)), *session.scalars(select(StaffEvent)),
                *session.scalars(select(StaffRecoveryCode))]
        return " ".join(str(value) for row in rows for value in vars(row).values())


def test_only_a_right_code_sets_the_second_factor_up(store_engine, alice):
    assert must_enrol(alice)
    secret = new_secret()
    wrong = f"{(int(code_at(secret, NOW)) + 1) % 1_000_000:06d}"
    assert confirm_enrolment(store_engine, alice.id, secret, wrong, now=NOW) is None
    assert confirm_enrolment(store_engine, alice.id, secret, "", now=NOW) is None
    assert not get_account(store_engine, alice.id).second_factor
    assert status(store_engine, alice.id).recovery_codes_left == 0

    codes = confirm_enrolment(store_engine, alice.id, secret, code_at(secret, NOW), now=NOW)
    assert len(codes) == 10 and len(set(codes)) == 10
    account = get_account(store_engine, alice.id)
    assert account.second_factor and not must_enrol(account)
    assert status(store_engine, alice.id).recovery_codes_left == 10


def test_a_code_is_taken_once_and_never_for_an_earlier_step(store_engine, alice):
    secret, _ = enrolled(store_engine, alice, NOW - STEP_SECONDS)  # the step before now is used
    assert verify(store_engine, alice.id, code_at(secret, NOW - STEP_SECONDS), now=NOW) is None  # that step: used
    assert verify(store_engine, alice.id, code_at(secret, NOW), now=NOW) == "totp"
    assert verify(store_engine, alice.id, code_at(secret, NOW), now=NOW) is None  # the same code again
    later = NOW + STEP_SECONDS
    assert verify(store_engine, alice.id, code_at(secret, later), now=later) == "totp"
    assert verify(store_engine, alice.id, code_at(secret, NOW), now=later) is None  # an earlier, unused-looking step


def test_codes_only_from_the_steps_next_to_now(store_engine, alice):
    secret, _ = enrolled(store_engine, alice, NOW - 10 * STEP_SECONDS)
    assert verify(store_engine, alice.id, code_at(secret, NOW - 2 * STEP_SECONDS), now=NOW) is None
    assert verify(store_engine, alice.id, code_at(secret, NOW + 2 * STEP_SECONDS), now=NOW) is None
    assert verify(store_engine, alice.id, code_at(secret, NOW + STEP_SECONDS), now=NOW) == "totp"  # clocks drift
    with Session(store_engine) as session:
        assert session.scalar(select(StaffAccount.totp_last_step)) == step_of(NOW) + 1


def test_the_same_code_sent_twice_at_once_is_taken_once(store_engine, alice):
    secret, _ = enrolled(store_engine, alice, NOW - STEP_SECONDS)
    code, results, start = code_at(secret, NOW), [], threading.Barrier(8)

    def use() -> None:
        start.wait()
        results.append(verify(store_engine, alice.id, code, now=NOW))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("totp") == 1 and results.count(None) == 7


def test_a_recovery_code_works_once_however_it_is_typed(store_engine, alice):
    _, codes = enrolled(store_engine, alice)
    assert verify(store_engine, alice.id, "  " + codes[0].upper().replace("-", " ") + " ", now=NOW) == "recovery"
    assert verify(store_engine, alice.id, codes[0], now=NOW) is None
    assert verify(store_engine, alice.id, codes[0][:-1] + "x", now=NOW) is None
    assert status(store_engine, alice.id).recovery_codes_left == 9
    other = create_account(store_engine, "bob", PASSWORD)
    enrolled(store_engine, other)
    assert verify(store_engine, other.id, codes[1], now=NOW) is None  # alice's code is no good for bob


def test_recovery_codes_are_kept_only_as_keyed_hashes_and_no_secret_reaches_the_events(store_engine, alice):
    secret, codes = enrolled(store_engine, alice)
    assert all(len(code.replace("-", "")) == 25 for code in codes)  # 25 of 31 characters: 124 bits
    verify(store_engine, alice.id, code_at(secret, NOW + STEP_SECONDS), now=NOW)
    verify(store_engine, alice.id, codes[0], now=NOW)
    text = stored_text(store_engine)
    assert not any(code in text or code.replace("-", "") in text for code in codes)
    with Session(store_engine) as session:
        events = " ".join(f"{e.actor} {e.action} {e.target}" for e in session.scalars(select(StaffEvent)))
        hashes = list(session.scalars(select(StaffRecoveryCode.code_hash)))
    assert secret not in events and code_at(secret, NOW + STEP_SECONDS) not in events
    assert "second_factor_enrolled" in events and "recovery_code_used" in events
    import hashlib
    plain = {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}
    assert len(hashes) == 9 and not plain & set(hashes)  # keyed, not a plain hash


def test_a_password_is_half_a_log_in_for_an_account_with_a_second_factor(store_engine, alice):
    enrolled(store_engine, alice)
    assert authenticate(store_engine, "alice", PASSWORD).second_factor
    with Session(store_engine) as session:
        actions = list(session.scalars(select(StaffEvent.action).order_by(StaffEvent.id)))
        assert session.scalar(select(StaffAccount.last_login_at)) is None
    assert actions[-1] == "password_accepted" and "login" not in actions


def test_a_reset_takes_the_second_factor_away_and_ends_every_session(store_engine, alice):
    secret, codes = enrolled(store_engine, alice)
    now = __import__("datetime").datetime.now(__import__("datetime").timezone.utc)
    with Session(store_engine) as session, session.begin():
        for id_hash, data in (("a" * 64, {"account_id": alice.id}), ("b" * 64, {PENDING_ACCOUNT: alice.id})):
            session.execute(insert(StaffSession).values(id_hash=id_hash, data=data, account_id=alice.id,
                                                        created_at=now, last_seen_at=now))
    reset(store_engine, "alice", actor="boss")
    account = get_account(store_engine, alice.id)
    assert not account.second_factor and must_enrol(account)
    assert verify(store_engine, alice.id, code_at(secret, NOW + STEP_SECONDS), now=NOW) is None
    assert verify(store_engine, alice.id, codes[0], now=NOW) is None
    with Session(store_engine) as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 0
        assert session.scalar(select(func.count()).select_from(StaffRecoveryCode)) == 0
        last = session.scalars(select(StaffEvent).order_by(StaffEvent.id.desc())).first()
    assert (last.actor, last.action, last.target) == ("boss", "second_factor_reset", "alice")
    assert delete_sessions_of(store_engine, alice.id) == 0


def test_a_closed_account_cannot_use_its_codes(store_engine, alice):
    from bot.staff.accounts import set_active

    secret, codes = enrolled(store_engine, alice)
    create_account(store_engine, "boss", PASSWORD, Role.ADMIN)
    set_active(store_engine, "alice", False, actor="boss")
    assert verify(store_engine, alice.id, code_at(secret, NOW + STEP_SECONDS), now=NOW) is None
    assert verify(store_engine, alice.id, codes[0], now=NOW) is None


def test_a_real_authenticator_apps_code_now_is_taken(store_engine, alice):
    """With the real clock, as the desk checks it: the app's current code."""
    secret = new_secret()
    assert confirm_enrolment(store_engine, alice.id, secret, pyotp.TOTP(secret).at(time.time() - STEP_SECONDS))
    assert verify(store_engine, alice.id, pyotp.TOTP(secret).now()) == "totp"


def test_the_command_line_resets_a_second_factor(cli_database):
    engine = make_engine(cli_database)
    account = create_account(engine, "eva", PASSWORD, Role.ADMIN)
    enrolled(engine, account)
    done = run_cli("reset-totp", "eva")
    assert done.returncode == 0, done.stderr
    assert "Totrinsbekræftelse nulstillet: eva" in done.stdout
    assert not get_account(engine, account.id).second_factor
    missing = run_cli("reset-totp", "ingen")
    assert missing.returncode == 1 and "Der findes ingen konto" in missing.stderr
    engine.dispose()
