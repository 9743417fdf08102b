"""The store's tables: one row per case with an append-only audit row per action on it, monthly
counts that outlive the cases, and the hotline staff's accounts and desk sessions."""

import enum
from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Enum, ForeignKey, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """Stored as naive UTC on every backend, read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


class Status(str, enum.Enum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    EXPIRED = "expired"


# The only status changes there are. A claimed case can be released back to the queue.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset({Status.CLAIMED, Status.EXPIRED}),
    Status.CLAIMED: frozenset({Status.RESOLVED, Status.QUEUED}),
    Status.RESOLVED: frozenset(),
    Status.EXPIRED: frozenset(),
}

STATUS_TYPE = Enum(Status, name="handoff_status", native_enum=False, length=16, values_callable=lambda e: [s.value for s in e])


class Base(DeclarativeBase):
    pass


class Handoff(Base):
    """A case for hotline staff. Holds no name, number or sender id: only a keyed hash."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[Status] = mapped_column(STATUS_TYPE, index=True)
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    role: Mapped[str | None] = mapped_column(String(32))
    age_band: Mapped[str | None] = mapped_column(String(32))
    kommune: Mapped[str | None] = mapped_column(String(64))
    police_district: Mapped[str | None] = mapped_column(String(64))
    sign_groups: Mapped[list[str]] = mapped_column(JSON)
    urgency: Mapped[str] = mapped_column(String(16))
    routes: Mapped[list[str]] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(32))  # a code from bot/web/data/outcomes.yml

    audit: Mapped[list["AuditEntry"]] = relationship(
        back_populates="handoff", order_by="AuditEntry.id", passive_deletes=True
    )


class AuditEntry(Base):
    """One action on a case: a status change (from, to), or another action such as "message" or
    "outcome" with its status unchanged; by whom and when. Rows are never updated; no message text."""

    __tablename__ = "handoff_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[Status | None] = mapped_column(STATUS_TYPE)
    to_status: Mapped[Status] = mapped_column(STATUS_TYPE)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[str] = mapped_column(String(32), default="status")
    detail: Mapped[str | None] = mapped_column(String(64))  # e.g. the outcome code; never user text

    handoff: Mapped[Handoff] = relationship(back_populates="audit")


class StaffAccount(Base):
    """A hotline worker or administrator of the staff desk. Only an argon2id hash of the password."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # "staff" or "admin"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when an admin chose the password: the desk then asks for a new one before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # The second factor (migration 0006): the TOTP secret once its owner confirmed a code, and the
    # last time step a code was accepted for; a code for that step or an earlier one is refused.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffRecoveryCode(Base):
    """A single-use recovery code for an account's second factor, kept only as a keyed hash
    (HMAC-SHA256 under the staff_keys row "recovery_codes"); deleted when used."""

    __tablename__ = "staff_recovery_codes"
    __table_args__ = (UniqueConstraint("account_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffSession(Base):
    """A server-side desk session. The cookie holds a random id; only its SHA-256 is stored."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)  # who logged in (also in data)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class StaffKey(Base):
    """A secret the desk's instances share, e.g. the key that signs the log-in form's CSRF token.
    Made by the migration that adds it, so every instance reads the same one."""

    __tablename__ = "staff_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class StaffEvent(Base):
    """Append-only log of account and login events: who did what to which account, when."""

    __tablename__ = "staff_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # login, login_failed, logout, account_created ...
    target: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(64))  # keyed hash of the client's address (migration 0005)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class MonthlyCount(Base):
    """How many cases a month had per sign, role and police district. Counted when a case is stored,
    so the figures stay after the case itself is deleted; they hold nothing about any one case."""

    __tablename__ = "handoff_statistics"
    __table_args__ = (UniqueConstraint("month", "dimension", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))        # "2026-11", in the service's time zone
    dimension: Mapped[str] = mapped_column(String(16))   # "total", "sign", "role", "police_district", "readiness"
    value: Mapped[str] = mapped_column(String(64))       # e.g. "violence", "parent", "" for unknown
    count: Mapped[int] = mapped_column(Integer)
