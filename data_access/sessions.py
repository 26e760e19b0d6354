"""Browser sessions that survive a reload, revocable on the server.

At sign-in the app draws a random token (256 bits, :func:`secrets.token_urlsafe`), gives it to the
browser in a cookie and stores only its SHA-256 here with an expiry (``MAINTIEN_SESSION_HOURS``,
default 8 h). A new page load (reload, new tab of the same browser) sends the cookie back; the app
resumes the session if the record exists, has not expired and was not revoked, and if the account is
still active. "Se déconnecter" revokes every session of the account: every tab and browser signed in
with it is signed out at its next action. Never the password, never the token itself in the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from .db import table, write_transaction


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.timezone.utc)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def open_session(engine: Engine, username: str, hours: float, *, now: dt.datetime | None = None) -> str:
    """A new session for ``username``; returns the token for the cookie (shown once, stored hashed).
    Expired and revoked records of the account are cleared on the way."""
    now = _now(now)
    token = secrets.token_urlsafe(32)
    s = table("user_session")
    with write_transaction(engine) as conn:
        conn.execute(delete(s).where(s.c.username == username)
                     .where((s.c.expires_at < now) | s.c.revoked_at.is_not(None)))
        conn.execute(insert(s).values(token_hash=_hash(token), username=username, created_at=now,
                                      expires_at=now + dt.timedelta(hours=hours), revoked_at=None))
    return token


def resume(engine: Engine, token: str | None, *, now: dt.datetime | None = None) -> str | None:
    """The user name of a live session, or None (unknown, expired or revoked token)."""
    if not isinstance(token, str) or not token:
        return None
    s = table("user_session")
    with engine.connect() as conn:
        row = conn.execute(select(s.c.username, s.c.expires_at, s.c.revoked_at)
                           .where(s.c.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= _now(now):
        return None
    return row.username


def revoke_all(engine: Engine, username: str, *, now: dt.datetime | None = None) -> int:
    """Sign ``username`` out everywhere; returns how many live sessions were revoked."""
    now = _now(now)
    s = table("user_session")
    with write_transaction(engine) as conn:
        return conn.execute(update(s).where(s.c.username == username).where(s.c.revoked_at.is_(None))
                            .where(s.c.expires_at > now).values(revoked_at=now)).rowcount
