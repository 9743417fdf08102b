"""The staff's second factor (ASVS 6.3.3, 6.5): TOTP codes from an authenticator app (RFC 6238:
6 digits, 30-second steps, SHA-1, what every such app expects) and single-use recovery codes.

A code is taken for the current time step or the one before or after it (clocks drift), and only
for a step later than the last one taken: one conditional UPDATE, so a code seen once, or sent
twice at the same moment, is never taken again. Recovery codes have 124 random bits and are kept
only as HMAC-SHA256 under a key in staff_keys (migration 0006); a used one is deleted by one
conditional DELETE. No secret or code is ever written to staff_events or a log."""

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.staff.accounts import Account, AccountError, Role, add_event, utc_now
from bot.staff.keys import shared_key
from bot.staff.sessions import delete_sessions_of
from bot.staff.settings import staff_settings
from bot.store.models import StaffAccount, StaffRecoveryCode

STEP_SECONDS = 30
STEPS_AROUND_NOW = 1  # a code from one step before or after now is taken too
RECOVERY_KEY = "recovery_codes"  # the staff_keys row whose key hashes recovery codes
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no i, l, o, 0 or 1 to mistake
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 5, 5  # 25 characters of 31: 124 bits
TOTP_CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class SecondFactorStatus:
    enrolled_at: datetime | None
    recovery_codes_left: int


def required(account: Account) -> bool:
    """Whether the account must have a second factor: admins always, staff when settings.yml says."""
    return account.role is Role.ADMIN or staff_settings().second_factor.required_for_staff


def must_enrol(account: Account) -> bool:
    return required(account) and not account.second_factor


def new_secret() -> str:
    """A new TOTP secret: 32 base32 characters, 160 bits."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=staff_settings().second_factor.issuer)


def code_at(secret: str, when: float) -> str:
    """The TOTP code for the step that holds the Unix time `when`."""
    return pyotp.TOTP(secret).at(int(when))


def normalised(code: str) -> str:
    """A code as typed, without spaces or dashes, in lower case."""
    return re.sub(r"[\s-]", "", code).lower()


def confirm_enrolment(engine: Engine, account_id: int, secret: str, code: str,
                      now: float | None = None) -> list[str] | None:
    """Set up `secret` for the account if `code` is one of its codes now: returns the new recovery
    codes (the only time they exist unhashed), or None if the code is wrong. Replaces any earlier
    recovery codes."""
    now = time.time() if now is None else now
    step = _matching_step(secret, normalised(code), now)
    key = shared_key(engine, RECOVERY_KEY)
    with Session(engine) as session, session.begin():
        row = session.scalar(select(StaffAccount).where(StaffAccount.id == account_id).with_for_update())
        if row is None or not row.active:
            return None
        if step is None:
            add_event(session, row.username, "second_factor_enrol_failed", row.username)
            return None
        codes = [_new_recovery_code() for _ in range(staff_settings().second_factor.recovery_codes)]
        row.totp_secret, row.totp_last_step, row.totp_enrolled_at = secret, step, utc_now()
        session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.account_id == account_id))
        session.execute(insert(StaffRecoveryCode), [
            {"account_id": account_id, "code_hash": _hash(key, code), "created_at": utc_now()} for code in codes])
        add_event(session, row.username, "second_factor_enrolled", row.username)
    return [_readable(code) for code in codes]


def verify(engine: Engine, account_id: int, code: str, now: float | None = None) -> str | None:
    """Complete a log-in with a TOTP code ("totp") or a recovery code ("recovery"), each taken
    once; None if the code is wrong, already used, or the account has no second factor."""
    now = time.time() if now is None else now
    code = normalised(code)
    with Session(engine) as session:
        row = session.get(StaffAccount, account_id)
        if row is None or not row.active or row.totp_secret is None:
            return None
        secret, username = row.totp_secret, row.username
    if TOTP_CODE.fullmatch(code):
        step = _matching_step(secret, code, now)
        if step is None:
            return None
        taken = (update(StaffAccount)
                 .where(StaffAccount.id == account_id, StaffAccount.totp_secret == secret,
                        or_(StaffAccount.totp_last_step.is_(None), StaffAccount.totp_last_step < step))
                 .values(totp_last_step=step, last_login_at=utc_now()))
        kind = "totp"
    else:
        taken = delete(StaffRecoveryCode).where(StaffRecoveryCode.account_id == account_id,
                                                StaffRecoveryCode.code_hash == _hash(shared_key(engine, RECOVERY_KEY), code))
        kind = "recovery"
    with Session(engine) as session, session.begin():
        if session.execute(taken).rowcount != 1:
            return None
        if kind == "recovery":
            session.execute(update(StaffAccount).where(StaffAccount.id == account_id).values(last_login_at=utc_now()))
            add_event(session, username, "recovery_code_used", username)
        add_event(session, username, "login", username)
    return kind


def status(engine: Engine, account_id: int) -> SecondFactorStatus:
    with Session(engine) as session:
        enrolled_at = session.scalar(select(StaffAccount.totp_enrolled_at).where(StaffAccount.id == account_id))
        left = session.scalar(select(func.count()).select_from(StaffRecoveryCode)
                              .where(StaffRecoveryCode.account_id == account_id))
    return SecondFactorStatus(enrolled_at, left)


def reset(engine: Engine, username: str, actor: str) -> Account:
    """Take an account's second factor away (its owner lost phone and codes) and end its sessions:
    it sets up a new one at its next log-in if it must have one."""
    name = username.strip().lower()
    with Session(engine) as session, session.begin():
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == name).with_for_update())
        if row is None:
            raise AccountError(f"Der findes ingen konto med brugernavnet '{name}'.")
        row.totp_secret = row.totp_last_step = row.totp_enrolled_at = None
        session.execute(delete(StaffRecoveryCode).where(StaffRecoveryCode.account_id == row.id))
        add_event(session, actor, "second_factor_reset", name)
        account = Account(row.id, row.username, Role(row.role), row.active, bool(row.must_change_password), False)
    delete_sessions_of(engine, account.id)
    return account


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step near `now` whose code `code` is, or None."""
    if not TOTP_CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now) // STEP_SECONDS
    found = None
    for step in range(current - STEPS_AROUND_NOW, current + STEPS_AROUND_NOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    return found


def _new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH))


def _readable(code: str) -> str:
    return "-".join(code[i:i + RECOVERY_GROUP_LENGTH] for i in range(0, len(code), RECOVERY_GROUP_LENGTH))


def _hash(key: bytes, code: str) -> str:
    return hmac.new(key, code.encode("utf-8"), hashlib.sha256).hexdigest()
