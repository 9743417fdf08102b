"""The staff desk's settings (settings.yml), read once and typed, plus the cookie's Secure flag
from the environment."""

import os
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import yaml

COOKIE_SECURE_ENV = "STAFF_COOKIE_SECURE"


@dataclass(frozen=True)
class SessionSettings:
    idle_minutes: float
    absolute_hours: float
    socket_recheck_seconds: float
    cookie_name: str
    login_cookie_name: str
    secure: bool

    @property
    def idle_timeout(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

    @property
    def absolute_timeout(self) -> timedelta:
        return timedelta(hours=self.absolute_hours)


@dataclass(frozen=True)
class ThrottleSettings:
    window_minutes: float
    per_account_and_address: int
    per_account: int
    per_address: int
    when_busy: int

    def __post_init__(self) -> None:
        if not 1 <= self.when_busy <= self.per_account_and_address:
            raise ValueError("when_busy must be at least 1 and at most per_account_and_address")
        if min(self.per_account, self.per_address) < 1:
            raise ValueError("per_account and per_address must be at least 1")

    @property
    def window_seconds(self) -> float:
        return self.window_minutes * 60


@dataclass(frozen=True)
class PasswordCheckSettings:
    at_once: int
    waiting: int
    retry_after_seconds: int


@dataclass(frozen=True)
class PasswordSettings:
    min_length: int
    max_length: int
    min_score: int  # zxcvbn's 0-4


@dataclass(frozen=True)
class SecondFactorSettings:
    required_for_staff: bool  # admins always need one
    code_step_minutes: float
    recovery_codes: int
    issuer: str

    def __post_init__(self) -> None:
        if self.recovery_codes < 1 or self.code_step_minutes <= 0:
            raise ValueError("recovery_codes must be at least 1 and code_step_minutes above 0")

    @property
    def code_step_seconds(self) -> float:
        return self.code_step_minutes * 60


@dataclass(frozen=True)
class StaffSettings:
    session: SessionSettings
    login_throttle: ThrottleSettings
    password_checks: PasswordCheckSettings
    password: PasswordSettings
    second_factor: SecondFactorSettings


@cache
def staff_settings() -> StaffSettings:
    raw = yaml.safe_load(Path(__file__).with_name("settings.yml").read_text(encoding="utf-8"))
    return StaffSettings(
        session=SessionSettings(**raw["session"], secure=cookie_secure()),
        login_throttle=ThrottleSettings(**raw["login_throttle"]),
        password_checks=PasswordCheckSettings(**raw["password_checks"]),
        password=PasswordSettings(**raw["password"]),
        second_factor=SecondFactorSettings(**raw["second_factor"]),
    )


def cookie_secure() -> bool:
    """`STAFF_COOKIE_SECURE`: on unless "0" or "false" (for local development over plain HTTP)."""
    return os.environ.get(COOKIE_SECURE_ENV, "").strip().lower() not in {"0", "false"}
