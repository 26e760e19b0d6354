"""Local accounts, sign-in with rate limiting, and who may write what.

Roles: ``lecteur`` reads; ``animateur`` writes (imports, forms, comments) for the territories
assigned to them; ``administrateur`` writes everything and manages accounts. A territory
assignment covers the CME and the départements of its perimeter both ways: an animateur of
``CME38`` may write for ``38`` and the reverse; an animateur of ``CME0726`` for ``07`` and ``26``.
Regional rows (``R82``: CPR, regional plan) need an administrator or an explicit ``R82``
assignment. Passwords are hashed with Argon2id (argon2-cffi). Every write function of the data
layer takes the :class:`User` and checks it: the pages cannot bypass the check.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from .db import table
from .settings import get_settings
from .vocabulary import USER_ROLE

ROLES = tuple(USER_ROLE)
WRITER_ROLES = ("animateur", "administrateur")
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("compte-inexistant-pour-egaliser-les-temps")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


class AccountError(Exception):
    """An account operation is refused; ``problems`` are French sentences."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class SignInError(Exception):
    """Sign-in refused (French message, the same for a wrong name and a wrong password)."""


class WriteRefused(Exception):
    """The user may not write this; the message is French."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    territories: frozenset[str]          # as assigned
    writable: frozenset[str] | None      # expanded; None = every territory (administrator)

    @property
    def is_admin(self) -> bool:
        return self.role == "administrateur"

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    @property
    def role_label(self) -> str:
        return USER_ROLE.get(self.role, self.role)

    def may_write(self, territory_code: str | None) -> bool:
        if not self.can_write:
            return False
        if self.writable is None:
            return True
        return territory_code is not None and territory_code in self.writable

    def allowed_territories(self) -> frozenset[str] | None:
        """Territories a write may touch (None: all); empty for a reader."""
        if not self.can_write:
            return frozenset()
        return self.writable


def require_writer(user: User | None, territory_code: str | None = None, what: str = "écrire") -> None:
    """Raise :class:`WriteRefused` unless ``user`` may write (for ``territory_code`` when given)."""
    if user is None:
        raise WriteRefused(f"Connectez-vous pour {what} : la lecture est ouverte, l'écriture demande un compte.")
    if not user.can_write:
        raise WriteRefused(f"Votre compte ({user.role_label}) permet de lire, pas d'{what}." if what[0] in "aeéiou"
                           else f"Votre compte ({user.role_label}) permet de lire, pas de {what}.")
    if territory_code is not None and not user.may_write(territory_code):
        mine = ", ".join(sorted(user.territories)) or "aucun"
        raise WriteRefused(f"Vous ne pouvez pas {what} pour le territoire {territory_code} : vos territoires "
                           f"sont {mine}.")


def _expand(conn: Connection, codes: set[str]) -> frozenset[str]:
    per = table("cme_perimeter")
    out = set(codes)
    for cme, dep in conn.execute(select(per.c.cme_code, per.c.departement_code)):
        if cme in codes:
            out.add(dep)
        if dep in codes:
            out.add(cme)
    return frozenset(out)


def _user_from_row(conn: Connection, row) -> User:
    ut = table("user_territory")
    codes = {c for (c,) in conn.execute(select(ut.c.territory_code).where(ut.c.username == row.username))}
    writable = None if row.role == "administrateur" else (_expand(conn, codes) if row.role == "animateur"
                                                          else frozenset())
    return User(row.username, row.display_name, row.role, frozenset(codes), writable)


def load_user(engine: Engine, username: str) -> User | None:
    ua = table("user_account")
    with engine.connect() as conn:
        row = conn.execute(select(ua).where(ua.c.username == username, ua.c.active.is_(True))).first()
        return _user_from_row(conn, row) if row else None


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Argon2id hash; a fixed ``salt`` only for the deterministic demo accounts of the sample."""
    return _HASHER.hash(password, salt=salt)


def _check_fields(conn: Connection, username: str, role: str, territories: list[str], password: str | None,
                  *, new: bool) -> list[str]:
    problems = []
    if new and not _USERNAME.match(username or ""):
        problems.append(f"Identifiant « {username} » invalide : 2 à 60 caractères parmi minuscules sans accent, "
                        "chiffres, point, tiret et tiret bas, en commençant par une lettre ou un chiffre.")
    if role not in ROLES:
        problems.append(f"Rôle « {role} » inconnu : {', '.join(ROLES)}.")
    if password is not None and len(password) < MIN_PASSWORD:
        problems.append(f"Mot de passe trop court : au moins {MIN_PASSWORD} caractères.")
    known = {c for (c,) in conn.execute(select(table("territory").c.code))}
    for code in territories:
        if code not in known:
            problems.append(f"Territoire « {code} » inconnu (CME38, 38, R82…).")
    if role == "animateur" and not territories:
        problems.append("Un animateur doit avoir au moins un territoire (--territoire CME38).")
    ua = table("user_account")
    exists = conn.execute(select(ua.c.username).where(ua.c.username == username)).first()
    if new and exists:
        problems.append(f"Le compte « {username} » existe déjà.")
    if not new and not exists:
        problems.append(f"Le compte « {username} » n'existe pas.")
    return problems


def add_user(engine: Engine, username: str, password: str, *, role: str, display_name: str | None = None,
             territories: list[str] | tuple[str, ...] = ()) -> User:
    territories = [_norm_territory(t) for t in territories]
    with engine.begin() as conn:
        problems = _check_fields(conn, username, role, territories, password, new=True)
        if problems:
            raise AccountError(problems)
        conn.execute(insert(table("user_account")).values(
            username=username, display_name=display_name or username, role=role,
            password_hash=hash_password(password), active=True, created_at=dt.datetime.now(dt.timezone.utc)))
        if territories:
            conn.execute(insert(table("user_territory")),
                         [{"username": username, "territory_code": t} for t in sorted(set(territories))])
        row = conn.execute(select(table("user_account")).where(table("user_account").c.username == username)).one()
        return _user_from_row(conn, row)


def update_user(engine: Engine, username: str, *, role: str | None = None, territories: list[str] | None = None,
                password: str | None = None, active: bool | None = None, display_name: str | None = None) -> None:
    ua, ut = table("user_account"), table("user_territory")
    with engine.begin() as conn:
        row = conn.execute(select(ua).where(ua.c.username == username)).first()
        if row is None:
            raise AccountError(f"Le compte « {username} » n'existe pas.")
        new_role = role or row.role
        current = [c for (c,) in conn.execute(select(ut.c.territory_code).where(ut.c.username == username))]
        terr = [_norm_territory(t) for t in territories] if territories is not None else current
        problems = _check_fields(conn, username, new_role, terr, password, new=False)
        if problems:
            raise AccountError(problems)
        values = {"role": new_role}
        if password is not None:
            values["password_hash"] = hash_password(password)
        if active is not None:
            values["active"] = active
        if display_name:
            values["display_name"] = display_name
        conn.execute(update(ua).where(ua.c.username == username).values(values))
        if territories is not None:
            conn.execute(delete(ut).where(ut.c.username == username))
            if terr:
                conn.execute(insert(ut), [{"username": username, "territory_code": t} for t in sorted(set(terr))])


def _norm_territory(code: str) -> str:
    code = code.strip().upper()
    return "0" + code if code.isdigit() and len(code) == 1 else code


def list_users(engine: Engine) -> pd.DataFrame:
    ua, ut = table("user_account"), table("user_territory")
    with engine.connect() as conn:
        terr: dict[str, list[str]] = {}
        for u, t in conn.execute(select(ut.c.username, ut.c.territory_code).order_by(ut.c.territory_code)):
            terr.setdefault(u, []).append(t)
        rows = [{"Identifiant": r.username, "Nom": r.display_name, "Rôle": USER_ROLE.get(r.role, r.role),
                 "Territoires": ", ".join(terr.get(r.username, [])), "Actif": bool(r.active),
                 "Créé le": r.created_at}
                for r in conn.execute(select(ua).order_by(ua.c.username))]
    return pd.DataFrame(rows, columns=["Identifiant", "Nom", "Rôle", "Territoires", "Actif", "Créé le"])


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def lock_until(conn: Connection, username: str, now: dt.datetime) -> dt.datetime | None:
    """When the account's sign-in lock ends, or None if it is not locked."""
    s = get_settings()
    la = table("login_attempt")
    window = now - dt.timedelta(minutes=s.login_lock_minutes)
    last_ok = conn.execute(select(func.max(la.c.attempted_at)).where(
        la.c.username == username, la.c.success.is_(True))).scalar()
    since = max(window, _aware(last_ok)) if last_ok else window
    fails = [_aware(t) for (t,) in conn.execute(
        select(la.c.attempted_at).where(la.c.username == username, la.c.success.is_(False),
                                        la.c.attempted_at > since).order_by(la.c.attempted_at))]
    if len(fails) >= s.login_max_failures:
        return fails[-1] + dt.timedelta(minutes=s.login_lock_minutes)
    return None


def authenticate(engine: Engine, username: str, password: str, *, now: dt.datetime | None = None) -> User:
    """The signed-in user, or :class:`SignInError`. Failures are recorded and rate-limited per account."""
    now = now or dt.datetime.now(dt.timezone.utc)
    username = (username or "").strip().lower()
    ua, la = table("user_account"), table("login_attempt")
    with engine.begin() as conn:
        until = lock_until(conn, username, now)
        if until is not None:
            local = until.astimezone().strftime("%H:%M")
            raise SignInError(f"Trop de tentatives de connexion échouées pour ce compte : réessayez après {local}.")
        row = conn.execute(select(ua).where(ua.c.username == username)).first()
        ok = False
        try:
            ok = _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        ok = ok and row is not None and bool(row.active)
        conn.execute(insert(la).values(username=username[:60], attempted_at=now, success=ok))
        if ok:
            if _HASHER.check_needs_rehash(row.password_hash):
                conn.execute(update(ua).where(ua.c.username == username).values(
                    password_hash=hash_password(password)))
            user = _user_from_row(conn, row)
    if not ok:  # raised after the commit, so that the failed attempt stays recorded
        raise SignInError("Identifiant ou mot de passe incorrect.")
    return user
