"""Secrets the desk's instances share, kept in the handoff database (staff_keys): every instance
reads the same key, with nothing more to configure or hand out."""

import secrets

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.models import StaffKey


def shared_key(engine: Engine, name: str) -> bytes:
    """The key called `name`; made here only if its migration's key was deleted."""
    with Session(engine) as session:
        value = session.scalar(select(StaffKey.value).where(StaffKey.name == name))
    if value is None:
        try:
            with Session(engine) as session, session.begin():
                session.execute(insert(StaffKey).values(name=name, value=secrets.token_hex(32)))
        except IntegrityError:  # another instance made it first
            pass
        with Session(engine) as session:
            value = session.scalar(select(StaffKey.value).where(StaffKey.name == name))
    return bytes.fromhex(value)
