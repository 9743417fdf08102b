"""The second factor in tests: TOTP set up through the product's own confirmation, and codes
computed with pyotp from the account's secret in the test's database, as an authenticator app
would. Nothing in the product knows about tests."""

import time

import pyotp
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.staff.second_factor import STEP_SECONDS, code_at, confirm_enrolment, new_secret
from bot.store.models import StaffAccount

RECOVERY_CODES: dict[tuple[str, str], list[str]] = {}  # (database, username): codes not used yet


def enrol(engine: Engine, username: str) -> str:
    """Set up TOTP for `username` with the code of the step before now, so that the current and the
    next step are still free for log-ins; returns the secret."""
    with Session(engine) as session:
        account_id = session.scalar(select(StaffAccount.id).where(StaffAccount.username == username))
    secret = new_secret()
    codes = confirm_enrolment(engine, account_id, secret, code_at(secret, time.time() - STEP_SECONDS))
    assert codes, "the product refused the code of the step before now"
    RECOVERY_CODES[str(engine.url), username] = codes
    return secret


def next_code(engine: Engine, username: str) -> str:
    """A code the account has not used: the current or the next step's TOTP code while one is free,
    else one of the recovery codes `enrol` got."""
    with Session(engine) as session:
        secret, last = session.execute(select(StaffAccount.totp_secret, StaffAccount.totp_last_step)
                                       .where(StaffAccount.username == username)).one()
    current = int(time.time()) // STEP_SECONDS
    for step in (current, current + 1):
        if last is None or step > last:
            return pyotp.TOTP(secret).generate_otp(step)
    return RECOVERY_CODES[str(engine.url), username].pop()
