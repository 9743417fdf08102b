"""Staff accounts: create, authenticate, list and change them. Passwords are kept only as argon2id
hashes, and every change and login is written to the append-only staff_events table."""

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.staff.password_policy import new_password_problem, too_long
from bot.staff.sessions import delete_sessions_of
from bot.store.models import StaffAccount, StaffEvent

USERNAME = re.compile(r"[a-z0-9._-]{3,64}")
FIELD_LENGTH = 64  # staff_events.actor and .target
ANONYMOUS = "anonymous"

_hasher = PasswordHasher()  # argon2-cffi's defaults: argon2id, RFC 9106 low-memory profile


class Role(str, enum.Enum):
    STAFF = "staff"
    ADMIN = "admin"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    active: bool
    must_change_password: bool = False  # an admin chose it: the desk asks for a new one first
    second_factor: bool = False  # TOTP set up: log-in asks for a code after the password


class AccountError(Exception):
    """Message is Danish and safe to show."""


LAST_ADMIN = "Der skal altid være mindst én aktiv administrator. Gør en anden til administrator først."


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def create_account(
    engine: Engine, username: str, password: str, role: Role = Role.STAFF, actor: str = "cli",
    must_change_password: bool = False,
) -> Account:
    """A new active account; `must_change_password` when the password is not its owner's choice.
    Raises AccountError if the username is invalid or taken, or the password too weak."""
    username = _valid_username(username)
    password_hash = _hasher.hash(_valid_password(username, password))
    try:
        with Session(engine) as session, session.begin():
            account_id = session.execute(
                insert(StaffAccount)
                .values(
                    username=username, password_hash=password_hash, role=role.value, active=True,
                    created_at=utc_now(), must_change_password=must_change_password,
                )
                .returning(StaffAccount.id)
            ).scalar_one()
            add_event(session, actor, "account_created", username)
    except IntegrityError:
        raise AccountError(f"Brugernavnet '{username}' er allerede i brug. Vælg et andet.") from None
    return Account(account_id, username, role, True, must_change_password)


def authenticate(engine: Engine, username: str, password: str) -> Account | None:
    """The account if the username and password match an active account, else None. For an account
    with a second factor this is half a log-in ("password_accepted"): bot.staff.second_factor
    completes it.

    An unknown username costs one argon2 verification as well, so the time taken does not tell
    whether the account exists.
    """
    name = username.strip().lower()
    with Session(engine) as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == name))
        account, password_hash = (_account(row), row.password_hash) if row else (None, _dummy_hash())
    matches = _verify(password_hash, password)
    if account is None or not matches or not account.active:
        # Only a known account's name is logged: a password typed into the name field must not be.
        record_event(engine, ANONYMOUS, "login_failed", account.username if account else None)
        return None
    values = {} if account.second_factor else {"last_login_at": utc_now()}
    if _hasher.check_needs_rehash(password_hash):
        values["password_hash"] = _hasher.hash(password)
    with Session(engine) as session, session.begin():
        if values:
            session.execute(update(StaffAccount).where(StaffAccount.id == account.id).values(values))
        add_event(session, account.username, "password_accepted" if account.second_factor else "login",
                  account.username)
    return account


def get_account(engine: Engine, account_id: int) -> Account | None:
    with Session(engine) as session:
        return _account(session.get(StaffAccount, account_id))


def list_accounts(engine: Engine) -> list[Account]:
    """All accounts, by username."""
    with Session(engine) as session:
        return [_account(row) for row in session.scalars(select(StaffAccount).order_by(StaffAccount.username))]


def last_logins(engine: Engine) -> dict[str, datetime | None]:
    """When each account last logged in, by username."""
    with Session(engine) as session:
        return dict(session.execute(select(StaffAccount.username, StaffAccount.last_login_at)).tuples().all())


def set_active(engine: Engine, username: str, active: bool, actor: str) -> Account:
    """Enable or disable an account. Disabling also ends its sessions."""
    account = _change(engine, username, {"active": active}, actor, "account_enabled" if active else "account_disabled")
    if not active:
        delete_sessions_of(engine, account.id)
    return account


def set_role(engine: Engine, username: str, role: Role, actor: str) -> Account:
    return _change(engine, username, {"role": role.value}, actor, "role_changed")


def set_password(engine: Engine, username: str, password: str, actor: str, must_change_password: bool = False) -> None:
    """Give an account a new password and end its sessions; `must_change_password` when its owner
    did not choose it."""
    name = username.strip().lower()
    password_hash = _hasher.hash(_valid_password(name, password))
    values = {"password_hash": password_hash, "must_change_password": must_change_password}
    account = _change(engine, name, values, actor, "password_changed")
    delete_sessions_of(engine, account.id)


def change_own_password(engine: Engine, account_id: int, current: str, new: str) -> bool:
    """An account's owner changes its password: False if `current` is not its password. Ends every
    session of the account (the desk starts a new one). Raises AccountError if `new` is too weak."""
    with Session(engine) as session:
        row = session.get(StaffAccount, account_id)
        if row is None or not row.active:
            return False
        username, password_hash = row.username, row.password_hash
    if not _verify(password_hash, current):
        record_event(engine, username, "password_change_failed", username)
        return False
    if new == current:
        raise AccountError("Den nye adgangskode skal være en anden end den, du har nu.")
    values = {"password_hash": _hasher.hash(_valid_password(username, new)), "must_change_password": False}
    _change(engine, username, values, username, "password_changed")
    delete_sessions_of(engine, account_id)
    return True


def record_event(engine: Engine, actor: str, action: str, target: str | None = None,
                 source: str | None = None) -> None:
    """Append one event (actor and target are cut to the column's 64 characters); `source` is a
    keyed hash of the client's address, never the address."""
    with Session(engine) as session, session.begin():
        add_event(session, actor, action, target, source)


def _change(engine: Engine, username: str, values: dict, actor: str, action: str) -> Account:
    name = username.strip().lower()
    ends_admin = values.get("role", Role.ADMIN.value) != Role.ADMIN.value or values.get("active") is False
    with Session(engine) as session, session.begin():
        # Active admins are locked first, always in the same order, so two changes at once cannot
        # each leave the other as the last admin and together leave none.
        admins = _active_admin_ids(session) if ends_admin else []
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == name).with_for_update())
        if row is None:
            raise AccountError(f"Der findes ingen konto med brugernavnet '{name}'.")
        if ends_admin and admins == [row.id]:
            raise AccountError(LAST_ADMIN)
        for column, value in values.items():
            setattr(row, column, value)
        add_event(session, actor, action, name)
        return _account(row)


def _active_admin_ids(session: Session) -> list[int]:
    query = select(StaffAccount.id).where(StaffAccount.role == Role.ADMIN.value, StaffAccount.active.is_(True))
    return list(session.scalars(query.order_by(StaffAccount.id).with_for_update()))


def add_event(session: Session, actor: str, action: str, target: str | None, source: str | None = None) -> None:
    """Append one event within `session`'s transaction (see record_event)."""
    session.execute(
        insert(StaffEvent).values(
            actor=actor[:FIELD_LENGTH],
            action=action,
            target=target[:FIELD_LENGTH] if target is not None else None,
            source=source,
            at=utc_now(),
        )
    )


def _account(row: StaffAccount | None) -> Account | None:
    if row is None:
        return None
    return Account(row.id, row.username, Role(row.role), row.active, bool(row.must_change_password),
                   row.totp_secret is not None)


def _valid_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise AccountError(
            "Brugernavnet skal være 3-64 tegn og må kun indeholde små bogstaver (a-z), tal og tegnene . _ -"
        )
    return name


def check_password_length(password: str) -> None:
    """Raise AccountError for a password longer than any account may have (at log-in too)."""
    if reason := too_long(password):
        raise AccountError(reason)


def _valid_password(username: str, password: str) -> str:
    if reason := new_password_problem(username, password):
        raise AccountError(reason)
    return password


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash with the current parameters, checked against when the username is unknown."""
    return _hasher.hash("no account has this password: " + "x" * 32)
