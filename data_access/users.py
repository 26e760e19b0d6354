"""Local accounts, sign-in with rate limiting, and who may write what.

Roles: ``lecteur`` reads; ``animateur`` writes (imports, forms, comments) for the territories
assigned to them; ``administrateur`` writes everything and manages accounts. A territory
assignment covers the CME and the départements of its perimeter both ways: an animateur of
``CME38`` may write for ``38`` and the reverse; an animateur of ``CME0726`` for ``07`` and ``26``.
Regional rows (``R82``: CPR, regional plan) need an administrator or an explicit ``R82``
assignment. Passwords are hashed with Argon2id (argon2-cffi). Every write function of the data
layer takes the :class:`User` and checks it: the pages cannot bypass the check.

Sign-in throttling (:func:`authenticate`). Failed attempts are counted per (account, client address)
and per client address (all accounts, unknown names included); there is no lock per account alone,
so failures from one address never slow the same account down from another address. A failure
counts while it is younger than ``MAINTIEN_LOGIN_LOCK_MINUTES`` (W) and no success of the same
account from the same address came after it. With F = ``MAINTIEN_LOGIN_MAX_FAILURES`` (default 3):
an (account, address) with n >= F counted failures waits 2**(n-F+1) seconds after its last failure
(2, 4, 8 … s), at most W minutes; an address with n >= A = ADDRESS_FACTOR × F counted failures waits
2**(n-A+1) seconds after its last one, likewise (an address may be a whole office behind one NAT).
A refused attempt is not recorded and does not lengthen the delay. The check and the recording are
one serialised transaction (:func:`data_access.db.write_transaction`): the attempt is reserved as a
failure before the slow Argon2 verification and turned into a success afterwards, so concurrent
attempts cannot verify more passwords than allowed. An administrator may clear an account's
failures (:func:`unlock`, journaled).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from .db import WriteBusy, table, write_transaction
from .journal import record as journal_record
from .settings import get_settings
from .vocabulary import USER_ROLE

ROLES = tuple(USER_ROLE)
WRITER_ROLES = ("animateur", "administrateur")
MIN_PASSWORD = 12
ADDRESS_FACTOR = 3        # an address gets ADDRESS_FACTOR × MAINTIEN_LOGIN_MAX_FAILURES free failures
LOCAL_CLIENT = "local"    # the client key when there is no address (localhost, command line, tests)
PARIS = ZoneInfo("Europe/Paris")
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("compte-inexistant-pour-egaliser-les-temps")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


class AccountError(Exception):
    """An account operation is refused; ``problems`` are French sentences."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class SignInError(Exception):
    """Sign-in refused (French message, the same for a wrong name and a wrong password, and the same
    delay message whether the account exists or not). ``retry_at``: when a delayed attempt may be
    made again (None for a wrong name or password)."""

    def __init__(self, message: str, retry_at: dt.datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


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


# Passwords too common to be allowed, compared in lower case, as typed and without the digits and
# punctuation at the end ("Soleil2026!" is "soleil") or without any separator ("mot-de-passe").
COMMON_PASSWORDS = frozenset({
    # French
    "motdepasse", "monmotdepasse", "azerty", "azertyuiop", "azertyuiopqsdfghjklm", "azertyazerty", "soleil",
    "bonjour", "bonjourbonjour", "bienvenue", "jetaime", "jetaimetoujours", "doudou", "loulou", "chouchou",
    "coucou", "chocolat", "princesse", "nicolas", "camille", "marseille", "lyon", "paris", "france",
    "grenoble", "motdepassemotdepasse", "administrateur", "animateur", "lecteur", "utilisateur", "connexion",
    "maintien", "maintiendanslemploi", "maintienemploi", "charte", "rhonealpes", "aurhonealpes",
    "tableaudebord",
    # English
    "password", "passw0rd", "passwordpassword", "mypassword", "qwerty", "qwertyuiop", "qwertyuiopasdf",
    "iloveyou", "welcome", "letmein", "admin", "administrator", "changeme", "secret", "football",
    "baseball", "dragon", "monkey", "sunshine", "princess", "superman", "trustno1", "master", "abc123",
    "abcdefghijkl", "abcdefghijklmnop", "1q2w3e4r5t6y", "1qaz2wsx3edc", "zaq12wsx", "qazwsxedcrfv",
    # digits only
    "123456789012", "1234567890123", "12345678901234", "123456123456", "123123123123", "000000000000",
    "111111111111", "121212121212", "098765432109", "210987654321",
})
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")
_SEPARATORS = re.compile(r"[\W_]+")


def _password_variants(text: str) -> set[str]:
    """``text`` in lower case, without its trailing digits and punctuation, and without separators."""
    low = text.strip().lower()
    core = _TRAILING_NOISE.sub("", low)
    return {v for v in (low, core, _SEPARATORS.sub("", low), _SEPARATORS.sub("", core)) if v}


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password (French sentences, every problem at once); [] if acceptable.

    At least :data:`MIN_PASSWORD` characters, not only spaces, not the user name (nor the user name
    backwards, ignoring case and surrounding spaces), not a common password (:data:`COMMON_PASSWORDS`,
    also with digits or punctuation added at the end), not one character repeated.
    """
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"Mot de passe trop court : au moins {MIN_PASSWORD} caractères.")
    if not password.strip():
        problems.append("Mot de passe fait uniquement d'espaces : choisissez des lettres, chiffres ou signes.")
        return problems
    name = (username or "").strip().lower()
    if name:
        names = {name, _SEPARATORS.sub("", name)} - {""}
        if (names | {n[::-1] for n in names}) & _password_variants(password):
            problems.append("Le mot de passe ne doit pas être l'identifiant (ni l'identifiant à l'envers).")
    if _password_variants(password) & COMMON_PASSWORDS or len(set(password.strip())) == 1:
        problems.append("Mot de passe trop courant ou trop simple (comme « motdepasse », « azertyuiop » ou "
                        "« password1234 », ou un seul caractère répété) : choisissez par exemple une phrase "
                        "de plusieurs mots.")
    return problems


def _check_fields(conn: Connection, username: str, role: str, territories: list[str], password: str | None,
                  *, new: bool) -> list[str]:
    problems = []
    if new and not _USERNAME.match(username or ""):
        problems.append(f"Identifiant « {username} » invalide : 2 à 60 caractères parmi minuscules sans accent, "
                        "chiffres, point, tiret et tiret bas, en commençant par une lettre ou un chiffre.")
    if role not in ROLES:
        problems.append(f"Rôle « {role} » inconnu : {', '.join(ROLES)}.")
    if password is not None:
        problems.extend(password_problems(password, username))
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
                 "Identité OIDC": describe_identity(r.oidc_issuer, r.oidc_subject) if r.oidc_subject else "",
                 "Créé le": r.created_at}
                for r in conn.execute(select(ua).order_by(ua.c.username))]
    return pd.DataFrame(rows, columns=["Identifiant", "Nom", "Rôle", "Territoires", "Actif", "Identité OIDC",
                                       "Créé le"])


# --- OpenID Connect identities ---------------------------------------------------------------------
#
# An account is opened through an OpenID Connect provider (ProConnect…) only by the identity an
# administrator linked to it: the issuer (``iss``) and subject (``sub``) of the provider's ID token,
# compared exactly. The e-mail is shown, never matched: a provider need not verify it, an address can
# change hands (an agent leaves, the mailbox is given to a successor) and several providers may
# assert the same address, whereas ``iss`` + ``sub`` is the identifier OpenID Connect promises stable
# and unique for one user of one provider (OpenID Connect Core 1.0, §5.7).

MAX_IDENTITY = 255


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: ``issuer`` and ``subject`` identify; the rest is for display."""

    issuer: str
    subject: str
    email: str | None = None
    name: str | None = None

    def describe(self) -> str:
        return describe_identity(self.issuer, self.subject, self.email)


class IdentityRefused(Exception):
    """No active account for this identity (French message)."""

    def __init__(self, message: str, identity: Identity | None = None):
        super().__init__(message)
        self.identity = identity


def describe_identity(issuer: str | None, subject: str | None, email: str | None = None) -> str:
    """« sujet » chez « émetteur » (adresse), in French, for messages and the accounts list."""
    mail = f" ({email})" if email else ""
    return f"« {subject} » chez « {issuer} »{mail}"


def identity_from_claims(claims) -> Identity:
    """The identity in the claims of a validated ID token (``st.user``: ``iss``, ``sub``, ``email``,
    ``name`` or ``given_name`` + ``usual_name`` / ``family_name``). Raises :class:`IdentityRefused`
    when the issuer or the subject is missing."""
    def text(key: str) -> str | None:
        value = claims.get(key) if hasattr(claims, "get") else None
        return value.strip() if isinstance(value, str) and value.strip() else None

    issuer, subject = text("iss"), text("sub")
    if not issuer or not subject:
        raise IdentityRefused("Le fournisseur d'identité n'a pas transmis d'identifiant (émetteur et sujet) : "
                              "connexion impossible.")
    name = text("name") or " ".join(p for p in (text("given_name"), text("usual_name") or text("family_name"))
                                    if p) or None
    return Identity(issuer, subject, text("email"), name)


def account_for_identity(engine: Engine, identity: Identity) -> User:
    """The active account linked to ``identity``; :class:`IdentityRefused` (French) otherwise."""
    ua = table("user_account")
    with engine.connect() as conn:
        row = conn.execute(select(ua).where(ua.c.oidc_issuer == identity.issuer,
                                            ua.c.oidc_subject == identity.subject)).first()
        if row is None:
            raise IdentityRefused(f"Aucun compte n'est associé à l'identité {identity.describe()} : demandez à un "
                                  "administrateur de l'associer.", identity)
        if not row.active:
            raise IdentityRefused(f"Le compte « {row.username} » associé à l'identité {identity.describe()} est "
                                  "désactivé : demandez à un administrateur de le réactiver.", identity)
        return _user_from_row(conn, row)


def link_identity(engine: Engine, username: str, issuer: str, subject: str, *, by: User | None) -> None:
    """Link ``username`` to the OpenID Connect identity ``issuer`` + ``subject`` (replacing its previous
    one), journaled; an administrator only. Refused when the identity already opens another account."""
    if by is None or not by.is_admin:
        raise WriteRefused("Seul un administrateur peut associer une identité à un compte.")
    issuer, subject = (issuer or "").strip(), (subject or "").strip()
    problems = []
    if not issuer.startswith(("https://", "http://")):
        problems.append(f"Émetteur « {issuer} » invalide : l'URL exacte de l'émetteur (« iss », commençant par "
                        "https://), telle que la donne le refus de la première connexion.")
    if not subject:
        problems.append("Sujet vide : l'identifiant « sub » que le fournisseur donne à la personne.")
    if len(issuer) > MAX_IDENTITY or len(subject) > MAX_IDENTITY:
        problems.append(f"Émetteur ou sujet trop long : au plus {MAX_IDENTITY} caractères.")
    if problems:
        raise AccountError(problems)
    ua = table("user_account")
    with write_transaction(engine) as conn:
        if conn.execute(select(ua.c.username).where(ua.c.username == username)).first() is None:
            raise AccountError(f"Le compte « {username} » n'existe pas.")
        other = conn.execute(select(ua.c.username).where(ua.c.oidc_issuer == issuer, ua.c.oidc_subject == subject,
                                                         ua.c.username != username)).first()
        if other is not None:
            raise AccountError(f"L'identité {describe_identity(issuer, subject)} est déjà associée au compte "
                               f"« {other.username} » : dissociez-la d'abord.")
        conn.execute(update(ua).where(ua.c.username == username).values(oidc_issuer=issuer, oidc_subject=subject))
        journal_record(conn, username=by.username, action="identite", dataset="user_account", outcome="applique",
                       updated=1, detail=f"Compte « {username} » associé à l'identité "
                                         f"{describe_identity(issuer, subject)}.")


def unlink_identity(engine: Engine, username: str, *, by: User | None) -> bool:
    """Remove the OpenID Connect identity of ``username`` (journaled; an administrator only); False if it
    had none."""
    if by is None or not by.is_admin:
        raise WriteRefused("Seul un administrateur peut retirer l'identité d'un compte.")
    ua = table("user_account")
    with write_transaction(engine) as conn:
        row = conn.execute(select(ua.c.oidc_issuer, ua.c.oidc_subject).where(ua.c.username == username)).first()
        if row is None:
            raise AccountError(f"Le compte « {username} » n'existe pas.")
        if row.oidc_subject is None:
            return False
        conn.execute(update(ua).where(ua.c.username == username).values(oidc_issuer=None, oidc_subject=None))
        journal_record(conn, username=by.username, action="identite", dataset="user_account", outcome="applique",
                       updated=1, detail=f"Compte « {username} » : identité "
                                         f"{describe_identity(row.oidc_issuer, row.oidc_subject)} retirée.")
        return True


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def normalise_client(address: str | None) -> str:
    """The key under which a client address's failures are counted (at most 64 characters).

    ``local`` without an address (Streamlit gives none for localhost) or for a loopback address; an
    IPv4 address as is (also when written IPv4-mapped or with a port); for IPv6 the /64 network, as
    one subscriber usually holds a whole /64 and could otherwise change address at every attempt;
    ``invalide`` for anything that is not an address (all such clients share one count).
    """
    text = (address or "").strip()
    if not text:
        return LOCAL_CLIENT
    if text.startswith("[") and "]" in text:          # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:                         # 203.0.113.5:443
        text = text.split(":")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "invalide"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return LOCAL_CLIENT
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def _delay(failures: int, free: int, cap: dt.timedelta) -> dt.timedelta:
    """The wait after the last failure once ``failures`` reached ``free``: 2, 4, 8 … seconds, at most ``cap``."""
    if failures < free:
        return dt.timedelta(0)
    exponent = failures - free + 1
    return cap if exponent > 40 else min(dt.timedelta(seconds=2 ** exponent), cap)


@dataclass(frozen=True)
class _Count:
    failures: int
    last: dt.datetime


def _counted_failures(conn: Connection, client: str, now: dt.datetime) -> dict[str, _Count]:
    """Failures from ``client`` that count now, per account name: younger than the window and not
    followed by a success of the same account from the same client."""
    la = table("login_attempt")
    start = now - dt.timedelta(minutes=get_settings().login_lock_minutes)
    out: dict[str, _Count] = {}
    for name, at, success in conn.execute(
            select(la.c.username, la.c.attempted_at, la.c.success)
            .where(la.c.client == client, la.c.attempted_at > start)
            .order_by(la.c.id)):
        if success:
            out.pop(name, None)
        else:
            at = _aware(at)
            before = out.get(name)
            out[name] = _Count(before.failures + 1, max(before.last, at)) if before else _Count(1, at)
    return out


def _retry_times(counts: dict[str, _Count], username: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When the (``username``, client) pair and the client may try again, from the client's counts."""
    s = get_settings()
    cap, free = dt.timedelta(minutes=s.login_lock_minutes), s.login_max_failures
    pair = counts.get(username)
    pair_at = pair.last + _delay(pair.failures, free, cap) if pair else None
    total = sum(c.failures for c in counts.values())
    address_at = (max(c.last for c in counts.values()) + _delay(total, ADDRESS_FACTOR * free, cap)
                  if total else None)
    return pair_at, address_at


def retry_at(conn: Connection, username: str, client: str, now: dt.datetime) -> dt.datetime | None:
    """When ``username`` may be tried again from ``client`` (a key of :func:`normalise_client`), or
    None if an attempt is allowed now."""
    later = [t for t in _retry_times(_counted_failures(conn, client, now), username) if t is not None and t > now]
    return max(later, default=None)


def _delay_message(until: dt.datetime, now: dt.datetime) -> str:
    wait = (until - now).total_seconds()
    if wait <= 60:
        n = max(1, math.ceil(wait))
        when = f"dans {n} seconde{'s' if n > 1 else ''}"
    else:
        local = until.astimezone(PARIS)
        if local.second or local.microsecond:           # rounded up, so that "après HH:MM" holds
            local = local.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        when = f"après {local:%H:%M}"
    return f"Trop de tentatives échouées depuis cette adresse : réessayez {when}."


BUSY_MESSAGE = "La base est occupée par une autre écriture : réessayez de vous connecter dans un instant."


def _verify_password(stored_hash: str, password: str) -> bool:
    """The slow Argon2 check (module-level so that tests can count the calls)."""
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(engine: Engine, username: str, password: str, *, client: str | None = None,
                 now: dt.datetime | None = None) -> User:
    """The signed-in user, or :class:`SignInError`.

    ``client``: the client's address (see :func:`normalise_client`; None: ``local``). In one short
    serialised transaction the attempt is checked against the delays (module doc) and, if allowed,
    recorded as a failure; then, outside the lock, the password is verified and the attempt turned
    into a success. A delayed attempt is refused without verifying anything or being recorded.
    """
    username = (username or "").strip().lower()[:60]
    client = normalise_client(client)
    ua, la = table("user_account"), table("login_attempt")
    until = attempt_id = None
    try:
        with write_transaction(engine) as conn:
            now = now or dt.datetime.now(dt.timezone.utc)    # read under the lock: attempts are in time order
            until = retry_at(conn, username, client, now)
            if until is None:
                attempt_id = conn.execute(insert(la).values(
                    username=username, client=client, attempted_at=now, success=False)).inserted_primary_key[0]
    except WriteBusy:
        raise SignInError(BUSY_MESSAGE) from None
    if until is not None:
        raise SignInError(_delay_message(until, now), until)

    with engine.connect() as conn:
        row = conn.execute(select(ua.c.password_hash, ua.c.active).where(ua.c.username == username)).first()
    ok = _verify_password(row.password_hash if row else _DUMMY_HASH, password or "")
    if not (ok and row is not None and row.active):
        raise SignInError("Identifiant ou mot de passe incorrect.")   # the reserved failure stays
    new_hash = hash_password(password) if _HASHER.check_needs_rehash(row.password_hash) else None
    try:
        with write_transaction(engine) as conn:
            current = conn.execute(select(ua).where(ua.c.username == username)).first()
            if current is None or not current.active:   # deactivated meanwhile: the failure stays
                user = None
            else:
                conn.execute(update(la).where(la.c.id == attempt_id).values(success=True))
                if new_hash and current.password_hash == row.password_hash:
                    conn.execute(update(ua).where(ua.c.username == username).values(password_hash=new_hash))
                user = _user_from_row(conn, current)
    except WriteBusy:
        raise SignInError(BUSY_MESSAGE) from None
    if user is None:
        raise SignInError("Identifiant ou mot de passe incorrect.")
    return user


def sign_in_delays(engine: Engine, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Account names × client addresses whose failures count now, latest failure first: French columns
    Identifiant, Adresse, Échecs comptés, Dernier échec, Attente jusqu'à (None: no delay now, from the
    pair or from the whole address), Compte existant."""
    now = now or dt.datetime.now(dt.timezone.utc)
    la, ua = table("login_attempt"), table("user_account")
    start = now - dt.timedelta(minutes=get_settings().login_lock_minutes)
    columns = ["Identifiant", "Adresse", "Échecs comptés", "Dernier échec", "Attente jusqu'à", "Compte existant"]
    rows = []
    with engine.connect() as conn:
        known = {u for (u,) in conn.execute(select(ua.c.username))}
        clients = [c for (c,) in conn.execute(select(la.c.client).distinct().where(
            la.c.success.is_(False), la.c.attempted_at > start))]
        for client in sorted(clients):
            counts = _counted_failures(conn, client, now)
            for name, count in counts.items():
                later = [t for t in _retry_times(counts, name) if t is not None and t > now]
                rows.append({"Identifiant": name, "Adresse": client, "Échecs comptés": count.failures,
                             "Dernier échec": count.last, "Attente jusqu'à": max(later, default=None),
                             "Compte existant": name in known})
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("Dernier échec", ascending=False, ignore_index=True) if rows else frame


def unlock(engine: Engine, username: str, *, by: User | None) -> int:
    """Clear the failed sign-ins of ``username`` from every address (an administrator only, journaled);
    returns how many were cleared. Failures of other accounts from the same addresses stay, so an
    address that failed on several accounts may still be delayed."""
    if by is None or not by.is_admin:
        raise WriteRefused("Seul un administrateur peut déverrouiller un compte.")
    username = (username or "").strip().lower()
    ua, la = table("user_account"), table("login_attempt")
    with write_transaction(engine) as conn:
        if conn.execute(select(ua.c.username).where(ua.c.username == username)).first() is None:
            raise AccountError(f"Le compte « {username} » n'existe pas.")
        clients = {c for (c,) in conn.execute(select(la.c.client).distinct().where(
            la.c.username == username, la.c.success.is_(False)))}
        cleared = conn.execute(delete(la).where(la.c.username == username, la.c.success.is_(False))).rowcount
        journal_record(conn, username=by.username, action="deverrouillage", dataset="user_account",
                       outcome="applique", removed=cleared,
                       detail=f"Compte « {username} » déverrouillé : {cleared} échec{'s' if cleared > 1 else ''} "
                              f"de connexion effacé{'s' if cleared > 1 else ''} "
                              f"({len(clients)} adresse{'s' if len(clients) > 1 else ''}).")
    return cleared


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DIGEST_DEFAULT_ROLES = ("animateur", "administrateur")


def digest_choice(engine: Engine, username: str) -> tuple[str | None, bool]:
    """The account's e-mail and whether it receives the digest (its choice, else its role's default)."""
    ua = table("user_account")
    with engine.connect() as conn:
        row = conn.execute(select(ua.c.email, ua.c.digest, ua.c.role).where(ua.c.username == username)).first()
    if row is None:
        raise AccountError([f"compte « {username} » inconnu"])
    return row.email, (row.digest if row.digest is not None else row.role in DIGEST_DEFAULT_ROLES)


def set_digest_choice(engine: Engine, username: str, email: str | None, wants: bool) -> None:
    """Record the account's e-mail and its choice about the digest (problems in French)."""
    email = (email or "").strip() or None
    if email is not None and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        raise AccountError([f"adresse électronique invalide : « {email} »"])
    if wants and email is None:
        raise AccountError(["une adresse électronique est nécessaire pour recevoir le récapitulatif"])
    ua = table("user_account")
    with write_transaction(engine) as conn:
        conn.execute(update(ua).where(ua.c.username == username).values(email=email, digest=wants))
