"""Staff accounts on a real SQLite file and a real PostgreSQL server: argon2id hashes, login with
its events, account changes that end sessions, the `python -m bot staff` commands, and the login
throttle."""

import asyncio
import io
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.__main__ import main
from bot.staff.accounts import (
    Account,
    AccountError,
    Role,
    authenticate,
    create_account,
    get_account,
    list_accounts,
    record_event,
    set_active,
    set_password,
    set_role,
)
from bot.staff.settings import ThrottleSettings, staff_settings
from bot.staff.throttle import LoginThrottle, TooManyAttempts
from bot.store.migrate import upgrade
from bot.store.models import StaffAccount, StaffEvent, StaffSession

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
PASSWORD = "korrekt hest batteri"


def account_row(engine, username: str) -> StaffAccount:
    with Session(engine) as session:
        return session.scalar(select(StaffAccount).where(StaffAccount.username == username))


def events(engine) -> list[tuple[str, str, str | None]]:
    with Session(engine) as session:
        query = select(StaffEvent.actor, StaffEvent.action, StaffEvent.target).order_by(StaffEvent.id)
        return [tuple(row) for row in session.execute(query)]


def add_session(engine, id_hash: str, data: dict) -> None:
    now = datetime.now(timezone.utc)
    with Session(engine) as session, session.begin():
        session.execute(insert(StaffSession).values(
            id_hash=id_hash, data=data, account_id=data.get("account_id"), created_at=now, last_seen_at=now))


def session_hashes(engine) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(select(StaffSession.id_hash)))


# -- accounts -------------------------------------------------------------------------------------


def test_an_account_logs_in_with_its_password_only(store_engine):
    alice = create_account(store_engine, " Alice ", PASSWORD)
    assert alice == Account(alice.id, "alice", Role.STAFF, True)
    assert account_row(store_engine, "alice").last_login_at is None

    assert authenticate(store_engine, "alice", "forkert hest batteri") is None
    assert authenticate(store_engine, "nobody", PASSWORD) is None
    assert authenticate(store_engine, "ALICE", PASSWORD) == alice
    assert account_row(store_engine, "alice").last_login_at is not None
    assert get_account(store_engine, alice.id) == alice
    assert get_account(store_engine, alice.id + 1000) is None


def test_only_an_argon2id_hash_of_the_password_is_stored(store_engine):
    create_account(store_engine, "alice", PASSWORD)
    row = account_row(store_engine, "alice")
    assert row.password_hash.startswith("$argon2id$")
    columns = [getattr(row, column.key) for column in StaffAccount.__table__.columns]
    assert not any(PASSWORD in str(value) for value in columns)


def test_usernames_are_unique_whatever_their_case(store_engine):
    create_account(store_engine, "alice", PASSWORD)
    with pytest.raises(AccountError, match="allerede i brug"):
        create_account(store_engine, "ALICE ", "en helt anden adgangskode")
    assert [a.username for a in list_accounts(store_engine)] == ["alice"]


@pytest.mark.parametrize("username", ["al", "a" * 65, "alice hansen", "åse", "alice@example.dk", ""])
def test_invalid_usernames_are_refused(store_engine, username):
    with pytest.raises(AccountError, match="Brugernavnet skal være 3-64 tegn"):
        create_account(store_engine, username, PASSWORD)
    assert list_accounts(store_engine) == []


def test_short_passwords_and_the_username_as_password_are_refused(store_engine):
    short = "x" * (staff_settings().password.min_length - 1)
    with pytest.raises(AccountError, match=f"mindst {staff_settings().password.min_length} tegn"):
        create_account(store_engine, "alice", short)
    with pytest.raises(AccountError, match="samme som brugernavnet"):
        create_account(store_engine, "kasper.hansen", "Kasper.Hansen")
    create_account(store_engine, "alice", PASSWORD)
    with pytest.raises(AccountError, match="mindst"):
        set_password(store_engine, "alice", short, actor="cli")
    assert list_accounts(store_engine) == [Account(list_accounts(store_engine)[0].id, "alice", Role.STAFF, True)]


def test_a_disabled_account_cannot_log_in_until_enabled(store_engine):
    create_account(store_engine, "alice", PASSWORD)
    assert set_active(store_engine, "alice", False, actor="boss").active is False
    assert authenticate(store_engine, "alice", PASSWORD) is None
    assert set_active(store_engine, "alice", True, actor="boss").active is True
    assert authenticate(store_engine, "alice", PASSWORD) is not None


def test_roles_change_and_unknown_accounts_are_reported(store_engine):
    create_account(store_engine, "alice", PASSWORD)
    create_account(store_engine, "bob", PASSWORD, Role.ADMIN)
    assert set_role(store_engine, "alice", Role.ADMIN, actor="bob").role is Role.ADMIN
    assert [(a.username, a.role) for a in list_accounts(store_engine)] == [("alice", Role.ADMIN), ("bob", Role.ADMIN)]
    with pytest.raises(AccountError, match="ingen konto med brugernavnet 'carl'"):
        set_role(store_engine, "carl", Role.STAFF, actor="bob")
    with pytest.raises(AccountError, match="ingen konto"):
        set_active(store_engine, "carl", False, actor="bob")


def test_disabling_an_account_or_changing_its_password_ends_its_sessions(store_engine):
    alice = create_account(store_engine, "alice", PASSWORD)
    bob = create_account(store_engine, "bob", PASSWORD)
    add_session(store_engine, "a1" * 32, {"account_id": alice.id, "csrf": "t"})
    add_session(store_engine, "a2" * 32, {"account_id": alice.id})
    add_session(store_engine, "b1" * 32, {"account_id": bob.id})
    add_session(store_engine, "c1" * 32, {"csrf": "anonymous login page"})

    set_active(store_engine, "alice", False, actor="cli")
    assert session_hashes(store_engine) == {"b1" * 32, "c1" * 32}

    set_password(store_engine, "bob", "et nyt og langt kodeord", actor="cli")
    assert session_hashes(store_engine) == {"c1" * 32}
    assert authenticate(store_engine, "bob", PASSWORD) is None
    assert authenticate(store_engine, "bob", "et nyt og langt kodeord") == bob


def test_the_last_active_admin_can_be_neither_demoted_nor_closed(store_engine):
    create_account(store_engine, "boss", PASSWORD, Role.ADMIN)
    create_account(store_engine, "alice", PASSWORD)
    for change in (lambda: set_role(store_engine, "Boss", Role.STAFF, actor="cli"),
                   lambda: set_active(store_engine, "boss", False, actor="cli")):
        with pytest.raises(AccountError, match="mindst én aktiv administrator"):
            change()
    set_role(store_engine, "alice", Role.ADMIN, actor="boss")
    set_active(store_engine, "boss", False, actor="alice")  # alice is still an admin
    with pytest.raises(AccountError, match="mindst én aktiv administrator"):
        set_role(store_engine, "alice", Role.STAFF, actor="cli")  # a closed admin does not count
    set_active(store_engine, "boss", True, actor="alice")
    set_role(store_engine, "alice", Role.STAFF, actor="boss")
    assert [(a.username, a.role, a.active) for a in list_accounts(store_engine)] == [
        ("alice", Role.STAFF, True), ("boss", Role.ADMIN, True)]


def test_a_password_longer_than_the_limit_is_refused_and_the_longest_works(store_engine):
    longest = staff_settings().password.max_length
    with pytest.raises(AccountError, match=f"Adgangskoden må højst være {longest} tegn lang."):
        create_account(store_engine, "alice", "x" * (longest + 1))
    hardest = (PASSWORD + " ") * (longest // len(PASSWORD))  # not "xxx...": that is easy to guess
    create_account(store_engine, "alice", hardest[:longest])
    assert authenticate(store_engine, "alice", hardest[:longest]) is not None
    with pytest.raises(AccountError, match="højst"):
        set_password(store_engine, "alice", "y" * (longest + 1), actor="cli")


def test_every_change_and_login_is_an_event_and_events_cannot_be_changed(store_engine):
    create_account(store_engine, "root", PASSWORD, Role.ADMIN)
    create_account(store_engine, "alice", PASSWORD)
    authenticate(store_engine, "alice", PASSWORD)
    authenticate(store_engine, "alice", "forkert")
    authenticate(store_engine, "my secret password typed as a name", "forkert")
    set_role(store_engine, "alice", Role.ADMIN, actor="root")
    set_password(store_engine, "alice", "et nyt og langt kodeord", actor="root")
    set_active(store_engine, "alice", False, actor="root")
    set_active(store_engine, "alice", True, actor="root")
    record_event(store_engine, "alice", "logout", "alice")
    assert events(store_engine) == [
        ("cli", "account_created", "root"),
        ("cli", "account_created", "alice"),
        ("alice", "login", "alice"),
        ("anonymous", "login_failed", "alice"),
        ("anonymous", "login_failed", None),  # an unknown name is not logged: it may be a password
        ("root", "role_changed", "alice"),
        ("root", "password_changed", "alice"),
        ("root", "account_disabled", "alice"),
        ("root", "account_enabled", "alice"),
        ("alice", "logout", "alice"),
    ]
    with pytest.raises(DBAPIError, match="append-only"):
        with Session(store_engine) as session, session.begin():
            session.execute(update(StaffEvent).values(actor="someone else"))


def test_an_unknown_username_costs_an_argon2_verification_too(store_engine, monkeypatch):
    verified = []
    original = PasswordHasher.verify

    def spy(self, password_hash, password):
        verified.append(password_hash)
        return original(self, password_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    assert authenticate(store_engine, "nobody", PASSWORD) is None
    assert len(verified) == 1 and verified[0].startswith("$argon2id$")


def test_a_hash_with_outdated_parameters_is_replaced_at_login(store_engine):
    create_account(store_engine, "alice", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with Session(store_engine) as session, session.begin():
        session.execute(update(StaffAccount).values(password_hash=weak))
    assert authenticate(store_engine, "alice", PASSWORD) is not None
    renewed = account_row(store_engine, "alice").password_hash
    assert renewed != weak and not PasswordHasher().check_needs_rehash(renewed)
    assert authenticate(store_engine, "alice", PASSWORD) is not None


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PYTHON), "-m", "bot", "staff", *args],
        cwd=ROOT, input=stdin, capture_output=True, text=True, env=os.environ.copy(), timeout=60,
    )


def test_the_command_line_creates_and_lists_accounts(cli_database):
    added = run_cli("add", "alice", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Konto oprettet: alice (staff). Adgangskoden skal skiftes ved første log-ind."

    refused = run_cli("add", "bob", stdin="kort\n")
    assert refused.returncode == 1
    assert "Adgangskoden skal være mindst 12 tegn lang." in refused.stderr

    listed = run_cli("list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["brugernavn", "rolle", "aktiv", "seneste", "login"]
    assert [row.split() for row in rows] == [["alice", "staff", "ja", "aldrig"]]


def test_the_command_line_keeps_the_last_admin_and_the_password_length_limit(cli_database):
    assert run_cli("add", "boss", "--admin", stdin=PASSWORD + "\n").returncode == 0
    for action in (("role", "boss", "staff"), ("disable", "BOSS")):
        refused = run_cli(*action)
        assert refused.returncode == 1 and "mindst én aktiv administrator" in refused.stderr
    longest = staff_settings().password.max_length
    refused = run_cli("add", "bob", stdin="x" * (longest + 1) + "\n")
    assert refused.returncode == 1
    assert f"Adgangskoden må højst være {longest} tegn lang." in refused.stderr


def test_the_command_line_says_so_when_the_database_is_not_migrated(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = run_cli("list")
    assert result.returncode == 1
    assert "python -m bot migrate" in result.stderr


def test_the_command_line_changes_accounts(cli_database, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n" + PASSWORD + "\n"))
    assert main(["staff", "add", "boss", "--admin", "--final"]) == 0
    assert main(["staff", "add", "alice", "--admin", "--final"]) == 0
    assert main(["staff", "role", "alice", "staff"]) == 0
    assert main(["staff", "disable", "alice"]) == 0
    assert main(["staff", "enable", "Alice"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("et nyt og langt kodeord\r\n"))
    assert main(["staff", "passwd", "alice", "--final"]) == 0
    assert main(["staff", "disable", "carl"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "Konto oprettet: boss (admin).",
        "Konto oprettet: alice (admin).",
        "Rolle ændret: alice er nu staff",
        "Konto deaktiveret: alice. Kontoens sessioner er afsluttet.",
        "Konto aktiveret: alice",
        "Adgangskode ændret: alice. Kontoens sessioner er afsluttet.",
    ]
    assert "ingen konto med brugernavnet 'carl'" in err

    from bot.store.engine import make_engine

    engine = make_engine(cli_database)
    assert authenticate(engine, "alice", "et nyt og langt kodeord").role is Role.STAFF
    engine.dispose()


# -- login throttle -------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


LIMITS = ThrottleSettings(window_minutes=15, per_account_and_address=3, per_account=5, per_address=6, when_busy=1)


async def refused(throttle, username: str, address: str) -> float:
    with pytest.raises(TooManyAttempts) as raised:
        await throttle.attempt(username, address)
    return raised.value.retry_after


async def test_the_throttle_refuses_a_username_from_an_address_after_its_tries_within_the_window():
    clock = Clock()
    throttle = LoginThrottle(LIMITS, clock=clock)
    for _ in range(3):
        await throttle.attempt("alice", "10.0.0.1")
        clock.now += 60
    assert await refused(throttle, "alice", "10.0.0.1") == 15 * 60 - 180
    await throttle.attempt("alice", "10.0.0.2")  # alice herself, elsewhere
    await throttle.attempt("bob", "10.0.0.1")    # a colleague behind the same address

    clock.now += 15 * 60 - 180  # the first try leaves the window: two are left
    await throttle.attempt("alice", "10.0.0.1")
    assert await refused(throttle, "alice", "10.0.0.1") == 60  # until the second leaves it


async def test_a_busy_account_or_address_lowers_every_pair_to_its_last_try_never_to_none():
    throttle = LoginThrottle(LIMITS, clock=Clock())
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.3"):  # five for alice: busy
        await throttle.attempt("alice", address)
    await throttle.attempt("alice", "10.0.0.9")  # from anywhere new: one try still
    await refused(throttle, "alice", "10.0.0.9")
    await refused(throttle, "alice", "10.0.0.1")
    for username in ("b1", "b2", "b3", "b4"):  # with alice's two, six from 10.0.0.1: a busy address
        await throttle.attempt(username, "10.0.0.1")
    await throttle.attempt("carl", "10.0.0.1")  # a colleague there: one try still
    await refused(throttle, "carl", "10.0.0.1")
    await throttle.attempt("carl", "10.0.0.4")


async def test_a_successful_login_forgets_the_pair_and_a_try_never_checked_is_handed_back():
    throttle = LoginThrottle(LIMITS, clock=Clock())
    tries = [await throttle.attempt("alice", "10.0.0.1") for _ in range(3)]
    await refused(throttle, "alice", "10.0.0.1")
    await throttle.cancel(tries[-1])
    last = await throttle.attempt("alice", "10.0.0.1")
    await refused(throttle, "alice", "10.0.0.1")
    await throttle.succeeded(last)
    for _ in range(3):
        await throttle.attempt("alice", "10.0.0.1")


async def test_the_throttle_counts_the_same_in_either_conversation_store(conversation_store):
    """The web app takes its throttle from its conversation store: Redis shares it between instances."""
    throttle = conversation_store.login_throttle(LIMITS)
    tries = [await throttle.attempt("alice", "10.0.0.1") for _ in range(3)]
    assert 0 < await refused(throttle, "alice", "10.0.0.1") <= 15 * 60
    await throttle.cancel(tries[2])  # its password was never checked
    await throttle.attempt("alice", "10.0.0.1")
    await refused(throttle, "alice", "10.0.0.1")
    await throttle.attempt("bob", "10.0.0.1")
    await throttle.attempt("alice", "10.0.0.2")
    await throttle.attempt("alice", "10.0.0.3")  # five for alice: busy, one try a pair
    await refused(throttle, "alice", "10.0.0.3")
    await throttle.succeeded(tries[1])  # four again, and 10.0.0.1's failures forgotten
    await throttle.attempt("alice", "10.0.0.3")
    await refused(throttle, "alice", "10.0.0.3")
    await throttle.attempt("alice", "10.0.0.1")


async def test_tries_leave_the_window_in_either_conversation_store(conversation_store):
    throttle = conversation_store.login_throttle(replace(LIMITS, window_minutes=1 / 60))
    for _ in range(3):
        await throttle.attempt("alice", "10.0.0.1")
    assert 0 < await refused(throttle, "alice", "10.0.0.1") <= 1
    await asyncio.sleep(1.1)
    await throttle.attempt("alice", "10.0.0.1")
