"""News between meetings (issue 15, point 5): for each account that wants it, a French e-mail (HTML and
plain text) of what changed for its territories since the last digest — verdicts that changed (to
"Défavorable" first), objectives newly reached or missed, partner deliveries now late, imports done,
new analysis comments — sent through SMTP (``MAINTIEN_SMTP_*``) or written as ``.eml`` files.

Who receives it: active accounts with an e-mail address whose choice (``user_account.digest``) is on, or
unset for an animateur or an administrator (on by default for them, off for readers). Their
territories: an animateur's own (a CME and the départements it covers); the region for the others. A
digest with nothing to say is not sent.

What changed is read against the state the previous run recorded (``verdict_snapshot``: each
indicator's verdict and deciding objective status per territory, over the default period); the first
run records that state and says so. Dates: ``since`` (default: the previous run, else 7 days ago).
No Streamlit: ``python -m dashboard digest`` runs it (a cron line in docs/deployment.md).
"""

from __future__ import annotations

import datetime as dt
import html
import smtplib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from dashboard.core import objectives
from dashboard.core.completeness import deliveries
from dashboard.core.filters import REGION, Filters, last_complete_year, territory_scope
from dashboard.core.formatting import fmt_date
from dashboard.core.indicators import Reference, compute
from dashboard.core.referentiel import Referentiel
from dashboard.core.results import VERDICT_LABELS, VERDICT_RANK
from data_access import queries
from data_access.datasets import DATASETS
from data_access.db import table, write_transaction
from data_access.users import DIGEST_DEFAULT_ROLES
from data_access.wording import count

DEFAULT_ROLES = DIGEST_DEFAULT_ROLES   # on by default; readers choose to receive it
OBJECTIVE_WORDS = {"atteint": "atteint", "non_atteint": "non atteint", "en_cours": "en cours",
                   "sans_donnee": "sans valeur"}


@dataclass
class Recipient:
    username: str
    display_name: str
    email: str
    role: str
    territories: list[str]           # the territories whose news the account gets (R82 for the region)


@dataclass
class Digest:
    recipient: Recipient
    subject: str
    text: str
    html: str
    items: int
    sections: dict[str, list[str]] = field(default_factory=dict)   # plain-text lines by section title


def recipients(engine: Engine) -> list[Recipient]:
    """Active accounts with an e-mail that receive the digest (see the module docstring)."""
    ua, ut = table("user_account"), table("user_territory")
    with engine.connect() as conn:
        accounts = conn.execute(select(ua.c.username, ua.c.display_name, ua.c.email, ua.c.role, ua.c.digest)
                                .where(ua.c.active.is_(True)).order_by(ua.c.username)).all()
        links = conn.execute(select(ut.c.username, ut.c.territory_code)).all()
    territories: dict[str, list[str]] = {}
    for username, code in links:
        territories.setdefault(username, []).append(code)
    out = []
    for username, name, email, role, wants in accounts:
        if not email or not (wants if wants is not None else role in DEFAULT_ROLES):
            continue
        mine = sorted(territories.get(username, [])) if role == "animateur" else [REGION]
        out.append(Recipient(username, name, email, role, mine or [REGION]))
    return out


def default_period(engine: Engine) -> tuple[int, int]:
    years = queries.reporting_years(engine)
    return years[0], last_complete_year(years)


def current_state(engine: Engine, referentiel: Referentiel, ref: Reference, territories,
                  period: tuple[int, int]) -> pd.DataFrame:
    """Each indicator's verdict code and deciding objective status for each territory, over ``period``."""
    rows = []
    for code in sorted(set(territories)):
        filters = Filters(period[0], period[1], code)
        for ind in referentiel.indicators():
            res = compute(engine, ind, filters, ref, records=False, comparison=False)
            deciding = objectives.pick(res.objectives)
            rows.append({"territory_code": code, "indicator_id": ind.id,
                         "verdict": res.verdict.code if res.verdict is not None else None,
                         "objective": deciding.code if deciding is not None else None})
    return pd.DataFrame(rows, columns=["territory_code", "indicator_id", "verdict", "objective"])


def previous_state(engine: Engine) -> pd.DataFrame:
    t = table("verdict_snapshot")
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(t.c.territory_code, t.c.indicator_id, t.c.verdict, t.c.objective))
                            .all(), columns=["territory_code", "indicator_id", "verdict", "objective"])


def changes(before: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """Indicators whose verdict or objective status changed between two states (territories present in
    both): columns territory_code, indicator_id, what ("verdict" / "objective"), old, new; a change to
    "défavorable" (or an objective newly missed) first."""
    merged = now.merge(before, on=["territory_code", "indicator_id"], suffixes=("", "_before"))
    rows = []
    for r in merged.to_dict("records"):
        for what in ("verdict", "objective"):
            old, new = r[f"{what}_before"], r[what]
            old = None if pd.isna(old) else old
            new = None if pd.isna(new) else new
            if old != new and new is not None:
                rows.append({"territory_code": r["territory_code"], "indicator_id": r["indicator_id"],
                             "what": what, "old": old, "new": new})
    frame = pd.DataFrame(rows, columns=["territory_code", "indicator_id", "what", "old", "new"])
    worst = {"defavorable": 0, "non_atteint": 0}
    frame["order"] = [worst.get(n, 1 + VERDICT_RANK.get(n, 9)) for n in frame["new"]]
    return frame.sort_values(["order", "territory_code", "indicator_id"], kind="stable").drop(columns="order")


def _scope(recipient: Recipient, ref: Reference) -> set[str]:
    out: set[str] = set()
    for code in recipient.territories:
        out |= set(territory_scope(code, ref.territories, ref.perimeters))
    return out


def _label(code, what: str) -> str:
    if code is None:
        return "—"
    return VERDICT_LABELS.get(code, code) if what == "verdict" else OBJECTIVE_WORDS.get(code, code)


def build(engine: Engine, referentiel: Referentiel, ref: Reference, since: dt.date | dt.datetime, *,
          today: dt.date | None = None, sample: bool = False, public_url: str = "",
          state: pd.DataFrame | None = None, before: pd.DataFrame | None = None) -> tuple[list[Digest], pd.DataFrame]:
    """The digests of every recipient with news since ``since`` (a date: from its start; the previous run's
    time: from then), and the current state (to record after sending)."""
    today = today or dt.date.today()
    people = recipients(engine)
    period = default_period(engine)
    wanted = sorted({c for p in people for c in p.territories})
    state = state if state is not None else current_state(engine, referentiel, ref, wanted, period)
    before = before if before is not None else previous_state(engine)
    changed = changes(before, state)
    first_run = before.empty
    # a date: from its start (UTC); a time (the previous run's): from that moment
    start = since if isinstance(since, dt.datetime) else dt.datetime.combine(since, dt.time(), tzinfo=dt.timezone.utc)
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.timezone.utc)
    since = start.date()
    journal, comments = table("journal_entry"), table("analysis_comment")
    with engine.connect() as conn:
        imported = conn.execute(
            select(journal.c.at, journal.c.dataset, journal.c.file_name, journal.c.territory_code,
                   journal.c.rows_added, journal.c.rows_updated, journal.c.rows_removed)
            .where(journal.c.at >= start, journal.c.action == "import", journal.c.outcome == "applique")
            .order_by(journal.c.at)).all()
        noted = conn.execute(
            select(comments.c.territory_code, comments.c.year, comments.c.indicator_id, comments.c.author,
                   comments.c.text, comments.c.updated_at)
            .where(comments.c.updated_at >= start).order_by(comments.c.updated_at)).all()
    late = deliveries(engine, today)
    late = late[(late["status"] == "manquante") & (late["expected_date"] >= since)] if not late.empty else late
    names = {i.id: i.short_label for i in referentiel.indicators()}
    out = []
    for person in people:
        scope = _scope(person, ref)
        regional = REGION in person.territories
        sections: dict[str, list[str]] = {}
        mine = changed[changed["territory_code"].isin(person.territories)]

        def head(r) -> str:
            where = ref.territory_label(r["territory_code"])
            return f"{r['indicator_id']} {names.get(r['indicator_id'], '')} ({where})"

        verdicts = [f"{head(r)} : {_label(r['old'], 'verdict')} → {_label(r['new'], 'verdict')}"
                    for r in mine[mine["what"] == "verdict"].to_dict("records")]
        goals = [f"{head(r)} : objectif {_label(r['old'], 'objective')} → {_label(r['new'], 'objective')}"
                 for r in mine[mine["what"] == "objective"].to_dict("records")]
        if verdicts:
            sections["Verdicts qui ont changé"] = verdicts
        if goals:
            sections["Objectifs chiffrés"] = goals
        if regional and not late.empty:
            sections["Livraisons des partenaires désormais en retard"] = [
                f"{r['name']} — {r['dataset_label']} {r['year']} (attendue le {fmt_date(r['expected_date'])})"
                for r in late.to_dict("records")]
        imports = [f"{fmt_date(at)} · {DATASETS[ds].label if ds in DATASETS else ds}"
                   f"{' · ' + fname if fname else ''}"
                   f"{' · ' + ref.territory_label(terr) if terr else ''} : "
                   f"{count(added, 'ligne ajoutée')}, {count(updated, 'modifiée')}, {count(removed, 'supprimée')}"
                   for at, ds, fname, terr, added, updated, removed in imported
                   if regional or terr in scope]
        if imports:
            sections["Imports réalisés"] = imports
        notes = [f"{ref.territory_label(terr)}, {year}, {target} — {author} : « {_short(text)} »"
                 for terr, year, target, author, text, _ in noted if regional or terr in scope]
        if notes:
            sections["Nouveaux commentaires d'analyse"] = notes
        items = sum(len(v) for v in sections.values())
        if items == 0:
            continue
        out.append(_compose(person, sections, items, since, period, ref, sample, public_url, first_run))
    return out, state


def _short(text: str, width: int = 300) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _compose(person: Recipient, sections: dict[str, list[str]], items: int, since: dt.date, period, ref: Reference,
             sample: bool, public_url: str, first_run: bool) -> Digest:
    where = ", ".join(ref.territory_label(c) for c in person.territories)
    subject = (("[Données fictives] " if sample else "") + f"Maintien dans l'emploi : ce qui a changé depuis le "
               f"{fmt_date(since)} ({where})")
    intro = (f"Bonjour {person.display_name},\n\nVoici ce qui a changé depuis le {fmt_date(since)} pour {where} "
             f"(verdicts sur {period[0]}-{period[1]}).")
    if first_run:
        intro += (" Premier récapitulatif : l'état des verdicts est enregistré ce jour ; les prochains diront "
                  "lesquels ont changé.")
    if sample:
        intro += " Données fictives : ce courriel décrit les données d'exemple de démonstration."
    foot = (f"Ouvrir le tableau de bord : {public_url}\n\nVous recevez ce récapitulatif parce que votre compte "
            f"« {person.username} » le demande ; pour ne plus le recevoir, décochez « Recevoir le récapitulatif » "
            "sur la page Connexion du tableau de bord.")
    text = intro + "\n\n" + "\n\n".join(
        f"{title} ({len(lines)})\n" + "\n".join(f"- {line}" for line in lines) for title, lines in sections.items()
    ) + "\n\n" + foot + "\n"
    body = "".join(
        f"<h2 style='font-size:17px;color:#000091'>{html.escape(title)} ({len(lines)})</h2><ul>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>" for title, lines in sections.items())
    page = ("<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>" + html.escape(subject) + "</title>"
            "</head><body style='font-family:Arial,Helvetica,sans-serif;color:#161616;max-width:720px'>"
            + "".join(f"<p>{html.escape(p)}</p>" for p in intro.split("\n\n")) + body
            + f"<p><a href='{html.escape(public_url, quote=True)}'>Ouvrir le tableau de bord</a></p>"
            + f"<p style='color:#595959;font-size:13px'>{html.escape(foot.split(chr(10) * 2, 1)[1])}</p>"
            "</body></html>")
    return Digest(person, subject, text, page, items, sections)


def to_message(digest: Digest, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = sender
    msg["To"] = Address(display_name=digest.recipient.display_name, addr_spec=digest.recipient.email)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] if "@" in sender else None)
    msg.set_content(digest.text)
    msg.add_alternative(digest.html, subtype="html")
    return msg


def send(messages: list[EmailMessage], *, host: str, port: int, starttls: bool = True, user: str | None = None,
         password: str | None = None, timeout: float = 30) -> int:
    """Send through one SMTP connection; raises ``smtplib.SMTPException`` / ``OSError`` on failure."""
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        smtp.ehlo()
        if starttls:
            smtp.starttls()
            smtp.ehlo()
        if user:
            smtp.login(user, password or "")
        for msg in messages:
            smtp.send_message(msg)
    return len(messages)


def write(messages: list[EmailMessage], digests: list[Digest], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for msg, d in zip(messages, digests):
        path = out / f"recapitulatif-{d.recipient.username}.eml"
        path.write_bytes(bytes(msg))
        paths.append(path)
    return paths


def started() -> dt.datetime:
    """The time a run starts reading the store, to the second below (what the next run starts from:
    comments store their time to the second, so a write in the same second is read again, never missed)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def record(engine: Engine, state: pd.DataFrame, since: dt.date | dt.datetime, messages: int, sent: bool,
           run_at: dt.datetime | None = None) -> None:
    """Record the run (``run_at``: when it started reading, :func:`started`) and the state the next
    digest compares with, in one transaction."""
    now = run_at or started()
    snap = table("verdict_snapshot")
    with write_transaction(engine) as conn:
        if not state.empty:
            conn.execute(delete(snap).where(snap.c.territory_code.in_(sorted(set(state["territory_code"])))))
            conn.execute(insert(snap), [{**r, "taken_at": now} for r in state.to_dict("records")])
        day = since.date() if isinstance(since, dt.datetime) else since
        conn.execute(insert(table("digest_run")).values(run_at=now, since=day, messages=messages, sent=sent))


def last_run(engine: Engine) -> dt.datetime | None:
    """When the previous digest ran (UTC), None before the first."""
    t = table("digest_run")
    with engine.connect() as conn:
        at = conn.execute(select(t.c.run_at).order_by(t.c.run_at.desc()).limit(1)).scalar()
    return at.replace(tzinfo=dt.timezone.utc) if at is not None and at.tzinfo is None else at
