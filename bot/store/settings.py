"""The store's settings (settings.yml), read once and typed, plus the paths and URL from the environment."""

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = PROJECT_ROOT / "var"


@dataclass(frozen=True)
class CaseCodeFormat:
    alphabet: str
    length: int
    group: int


@dataclass(frozen=True)
class Retention:
    resolved_days: float
    unclaimed_days: float
    expire_unclaimed_hours: float
    transcript_hours: float


@dataclass(frozen=True)
class Delivery:
    store_timeout_seconds: float
    retry_initial_seconds: float
    retry_max_seconds: float


@dataclass(frozen=True)
class Maintenance:
    flush_interval_seconds: float
    purge_interval_minutes: float


@dataclass(frozen=True)
class StoreSettings:
    case_code: CaseCodeFormat
    retention: Retention
    delivery: Delivery
    maintenance: Maintenance


@cache
def settings() -> StoreSettings:
    raw = yaml.safe_load(Path(__file__).with_name("settings.yml").read_text(encoding="utf-8"))
    return StoreSettings(
        case_code=CaseCodeFormat(**raw["case_code"]),
        retention=Retention(**raw["retention"]),
        delivery=Delivery(**raw["delivery"]),
        maintenance=Maintenance(**raw["maintenance"]),
    )


def database_url() -> str:
    """`DATABASE_URL`, or the embedded default: a SQLite file under var/."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'handoffs.db'}"


def spool_dir() -> Path:
    """Where handoffs wait while the database is unreachable (`HANDOFF_SPOOL_DIR`)."""
    return Path(os.environ.get("HANDOFF_SPOOL_DIR") or VAR_DIR / "spool" / "handoffs")


def tracker_store_url() -> str:
    """`TRACKER_STORE_URL` for Rasa's (anonymised) conversation events; default a SQLite file under var/."""
    return os.environ.get("TRACKER_STORE_URL") or f"sqlite:///{VAR_DIR / 'tracker.db'}"
