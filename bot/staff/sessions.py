"""Server-side desk sessions for aiohttp-session. The cookie holds a random id; the database holds
only the id's SHA-256, the session data as JSON and the logged-in account's id (indexed, so an
account's sessions are found at once). A session ends after a spell of inactivity and at the latest
a fixed time after it began; login starts a new one (the web app calls
``aiohttp_session.new_session``), logout empties it (``session.invalidate()``). Nothing is stored
for a visitor who has not logged in unless the web app writes to their session."""

import asyncio
import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp_session
from aiohttp import web
from sqlalchemy import Engine, delete, insert, or_, select, update
from sqlalchemy.orm import Session as DbSession

from bot.staff.cookies import PATH, desk_cookie_name
from bot.staff.settings import staff_settings
from bot.store.models import StaffSession

PENDING_ACCOUNT = "pending_account_id"  # session key: the password was right, the code is still due

# last_seen_at is written at most this often while a session is only being read.
TOUCH_INTERVAL = timedelta(minutes=1)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class DatabaseSessionStorage(aiohttp_session.AbstractStorage):
    """Sessions in the staff_sessions table, with a browser-session cookie (no max age) named as
    bot.staff.cookies says."""

    def __init__(
        self,
        engine: Engine,
        *,
        idle_timeout: timedelta,
        absolute_timeout: timedelta,
        cookie_name: str,
        secure: bool,
    ) -> None:
        super().__init__(cookie_name=desk_cookie_name(cookie_name, secure), path=PATH, secure=secure, httponly=True,
                         samesite="Strict")
        self._engine = engine
        self._idle_timeout = idle_timeout
        self._absolute_timeout = absolute_timeout

    async def load_session(self, request: web.Request) -> aiohttp_session.Session:
        """The stored session named by the cookie, or a new empty one if there is none or it expired."""
        session_id = self.load_cookie(request)
        stored = await asyncio.to_thread(self._load, session_id) if session_id else None
        if stored is None:
            return aiohttp_session.Session(None, data=None, new=True)
        created_at, data = stored
        return aiohttp_session.Session(
            session_id, data={"created": int(created_at.timestamp()), "session": data}, new=False
        )

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: aiohttp_session.Session
    ) -> None:
        """Delete an emptied session; give a new session a fresh id (dropping the one the browser
        sent); otherwise store the changed data."""
        presented = self.load_cookie(request)
        if session.empty:
            if presented:
                await asyncio.to_thread(self._delete, presented)
            response.del_cookie(self.cookie_name, **self._cookie_flags())
        elif session.identity is None:
            session_id = secrets.token_urlsafe(32)
            await asyncio.to_thread(self._create, session_id, dict(session), presented)
            session.set_new_identity(session_id)
            response.set_cookie(self.cookie_name, session_id, **self._cookie_flags())
        else:
            await asyncio.to_thread(self._update, session.identity, dict(session))

    def _cookie_flags(self) -> dict[str, Any]:
        params = self.cookie_params
        return {"path": params["path"], "secure": params["secure"], "httponly": True, "samesite": "Strict"}

    def _load(self, session_id: str) -> tuple[datetime, dict] | None:
        id_hash = hash_session_id(session_id)
        now = utc_now()
        with DbSession(self._engine) as db, db.begin():
            row = _stored(db, id_hash)
            if row is None:
                return None
            if self._expired(row, now):
                db.execute(delete(StaffSession).where(StaffSession.id_hash == id_hash))
                return None
            if now - row.last_seen_at >= TOUCH_INTERVAL:
                db.execute(update(StaffSession).where(StaffSession.id_hash == id_hash).values(last_seen_at=now))
            return row.created_at, dict(row.data)

    async def account_of(self, session_id: str | None) -> int | None:
        """The account logged in with this session if it is still live, without counting as
        activity (a desk WebSocket asks this; it must not keep an idle session alive)."""
        return await asyncio.to_thread(self._account_of, session_id) if session_id else None

    def _account_of(self, session_id: str) -> int | None:
        now = utc_now()
        with DbSession(self._engine) as db:
            row = _stored(db, hash_session_id(session_id))
        if row is None or self._expired(row, now):
            return None
        account_id = dict(row.data).get("account_id")
        return account_id if isinstance(account_id, int) else None

    def _expired(self, row, now: datetime) -> bool:
        """Idle too long, or past the absolute timeout since log-in."""
        return now - row.last_seen_at > self._idle_timeout or now - row.created_at > self._absolute_timeout

    def _create(self, session_id: str, data: dict, replaces: str | None) -> None:
        now = utc_now()
        with DbSession(self._engine) as db, db.begin():
            if replaces:
                db.execute(delete(StaffSession).where(StaffSession.id_hash == hash_session_id(replaces)))
            db.execute(
                insert(StaffSession).values(
                    id_hash=hash_session_id(session_id), data=data, account_id=_account_id(data), created_at=now,
                    last_seen_at=now,
                )
            )

    def _update(self, session_id: str, data: dict) -> None:
        """Store new data; a row deleted meanwhile (logout elsewhere, account disabled) stays deleted."""
        with DbSession(self._engine) as db, db.begin():
            db.execute(
                update(StaffSession)
                .where(StaffSession.id_hash == hash_session_id(session_id))
                .values(data=data, account_id=_account_id(data), last_seen_at=utc_now())
            )

    def _delete(self, session_id: str) -> None:
        with DbSession(self._engine) as db, db.begin():
            db.execute(delete(StaffSession).where(StaffSession.id_hash == hash_session_id(session_id)))


def _stored(db: DbSession, id_hash: str):
    """A stored session's data and times, or None."""
    return db.execute(
        select(StaffSession.data, StaffSession.created_at, StaffSession.last_seen_at).where(
            StaffSession.id_hash == id_hash
        )
    ).one_or_none()


def _account_id(data: dict) -> int | None:
    """The account a session belongs to: logged in, or past the password and waiting for its
    second factor's code (so ending an account's sessions ends that half log-in too)."""
    account_id = data.get("account_id", data.get(PENDING_ACCOUNT))
    return account_id if isinstance(account_id, int) else None


def delete_sessions_of(engine: Engine, account_id: int) -> int:
    """End every session logged in as `account_id`; return how many there were."""
    with DbSession(engine) as db, db.begin():
        return db.execute(delete(StaffSession).where(StaffSession.account_id == account_id)).rowcount


def purge_expired_sessions(engine: Engine, idle_timeout: timedelta, absolute_timeout: timedelta) -> int:
    """Delete sessions idle or old past their timeouts; return how many."""
    now = utc_now()
    with DbSession(engine) as db, db.begin():
        result = db.execute(
            delete(StaffSession).where(
                or_(StaffSession.last_seen_at < now - idle_timeout, StaffSession.created_at < now - absolute_timeout)
            )
        )
    return result.rowcount


def setup_sessions(app: web.Application, engine: Engine) -> None:
    """Install aiohttp-session with database sessions configured from settings.yml."""
    configured = staff_settings().session
    aiohttp_session.setup(
        app,
        DatabaseSessionStorage(
            engine,
            idle_timeout=configured.idle_timeout,
            absolute_timeout=configured.absolute_timeout,
            cookie_name=configured.cookie_name,
            secure=configured.secure,
        ),
    )
