"""Analysis comments: written by animateurs for an indicator (or a question, or the whole
bilan), a territory and a year; shown on the question pages and in the bilans.

Writing needs a signed-in animateur (for the comment's territory) or administrator: every
write function takes the :class:`~data_access.users.User` and checks it. The author is the
account's display name. Every write validates first, runs in one transaction and is journaled.
Comments are not part of any aggregate, so they do not bump the data version: pages read them
fresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Engine

from .db import table, write_transaction
from .journal import record as journal_record
from .users import User, WriteRefused, require_writer

MAX_TEXT = 4000
MAX_AUTHOR = 120
# Target of a comment that is about the whole bilan rather than one indicator or question.
GENERAL_TARGET = "BILAN"
COLUMNS = ["id", "indicator_id", "territory_code", "year", "author", "text", "created_at", "updated_at"]


class CommentError(ValueError):
    """A comment that cannot be written; ``problems`` are French sentences."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def validate(engine: Engine, *, target: str, territory: str, year: int, author: str, text: str,
             valid_targets: Iterable[str]) -> list[str]:
    """French problems with a comment (empty list when it can be written)."""
    problems = []
    if target not in set(valid_targets):
        problems.append(f"L'indicateur « {target} » n'existe pas dans le référentiel.")
    with engine.connect() as conn:
        t, y = table("territory"), table("reporting_year")
        if conn.execute(select(t.c.code).where(t.c.code == territory)).first() is None:
            problems.append(f"Le territoire « {territory} » n'existe pas.")
        if conn.execute(select(y.c.year).where(y.c.year == int(year))).first() is None:
            problems.append(f"L'année {year} n'est pas une année de la Charte.")
    if not (author or "").strip():
        problems.append("Indiquez l'auteur du commentaire (nom et structure).")
    elif len(author.strip()) > MAX_AUTHOR:
        problems.append(f"Le nom de l'auteur dépasse {MAX_AUTHOR} caractères.")
    if not (text or "").strip():
        problems.append("Le commentaire est vide.")
    elif len(text.strip()) > MAX_TEXT:
        problems.append(f"Le commentaire dépasse {MAX_TEXT} caractères ({len(text.strip())}).")
    return problems


def _check(user: User | None, territory: str) -> None:
    try:
        require_writer(user, territory, "commenter")
    except WriteRefused as exc:
        raise CommentError([str(exc)]) from None


def _journal(conn, user: User, outcome_action: str, comment_id: int, territory: str, target: str, year: int,
             added=0, updated=0, removed=0) -> None:
    journal_record(conn, username=user.username, action="commentaire", dataset="analysis_comment",
                   territory_code=territory, added=added, updated=updated, removed=removed, outcome="applique",
                   detail=f"Commentaire n° {comment_id} {outcome_action} : {target}, {territory}, {year}")


def add(engine: Engine, *, target: str, territory: str, year: int, text: str, valid_targets: Iterable[str],
        user: User | None) -> int:
    """Write a new comment signed by ``user``; returns its id. Raises :class:`CommentError`."""
    _check(user, territory)
    author = user.display_name
    problems = validate(engine, target=target, territory=territory, year=year, author=author, text=text,
                        valid_targets=valid_targets)
    if problems:
        raise CommentError(problems)
    now = _now()
    c = table("analysis_comment")
    with write_transaction(engine) as conn:
        result = conn.execute(insert(c).values(indicator_id=target, territory_code=territory, year=int(year),
                                               author=author.strip(), text=text.strip(), created_at=now,
                                               updated_at=now))
        comment_id = int(result.inserted_primary_key[0])
        _journal(conn, user, "ajouté", comment_id, territory, target, year, added=1)
        return comment_id


def _existing(conn, comment_id: int):
    c = table("analysis_comment")
    row = conn.execute(select(c).where(c.c.id == int(comment_id))).mappings().first()
    if row is None:
        raise CommentError([f"Le commentaire n° {comment_id} n'existe plus."])
    return row


def edit(engine: Engine, comment_id: int, *, text: str, user: User | None) -> None:
    """Replace the text of a comment (the editor becomes its author). Raises :class:`CommentError`."""
    c = table("analysis_comment")
    with write_transaction(engine) as conn:
        row = _existing(conn, comment_id)
        _check(user, row["territory_code"])
        problems = validate(engine, target=row["indicator_id"], territory=row["territory_code"], year=row["year"],
                            author=user.display_name, text=text, valid_targets=[row["indicator_id"]])
        if problems:
            raise CommentError(problems)
        conn.execute(update(c).where(c.c.id == int(comment_id)).values(
            author=user.display_name, text=text.strip(), updated_at=_now()))
        _journal(conn, user, "modifié", comment_id, row["territory_code"], row["indicator_id"], row["year"],
                 updated=1)


def remove(engine: Engine, comment_id: int, *, user: User | None) -> None:
    c = table("analysis_comment")
    with write_transaction(engine) as conn:
        row = _existing(conn, comment_id)
        _check(user, row["territory_code"])
        conn.execute(delete(c).where(c.c.id == int(comment_id)))
        _journal(conn, user, "supprimé", comment_id, row["territory_code"], row["indicator_id"], row["year"],
                 removed=1)


def for_territory(engine: Engine, territory: str, years: Iterable[int] | None = None,
                  targets: Iterable[str] | None = None) -> pd.DataFrame:
    """Comments of a territory (optionally some years / targets), oldest first."""
    c = table("analysis_comment")
    cond = [c.c.territory_code == territory]
    if years is not None:
        cond.append(c.c.year.in_([int(y) for y in years]))
    if targets is not None:
        cond.append(c.c.indicator_id.in_(list(targets)))
    stmt = select(*(c.c[name] for name in COLUMNS)).where(and_(*cond)).order_by(c.c.created_at, c.c.id)
    with engine.connect() as conn:
        result = conn.execute(stmt)
        return pd.DataFrame(result.mappings().all(), columns=COLUMNS)
