"""The référentiel d'évaluation as data.

``referentiel.yaml`` holds the charter's six evaluative questions, their
judgement criteria ("on aura réussi si…") and indicators, in the charter's own
French wording, plus for each indicator its kind, target direction, unit and a
machine-readable *source*: which table of the store it is computed from and how.
That one file drives the question pages, coverage, verdicts and bilans.

This module defines the schema of that file (pydantic), loads it, and checks it
against the store's metadata (tables, columns, vocabularies).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dashboard.core.kinds import KINDS
from data_access.settings import get_settings
from data_access.source_query import OPERATORS as SQL_OPERATORS
from data_access.source_query import TABLE_OPERATORS

REFERENTIEL_PATH = Path(__file__).with_name("referentiel.yaml")

# the kinds of indicator: one registry (dashboard/core/kinds.py) says what each is
Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Direction = Literal["up", "down", "to_zero", "stable", "none"]

# Filter operators accepted in ``where`` clauses besides equality and lists.
OPERATORS = frozenset(SQL_OPERATORS)   # the filter operators: one table, data_access/source_query.py


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ratio(_Strict):
    """Numerator or denominator of a share: a filter on the source rows, or a summed column."""

    where: dict[str, Any] | None = None
    sum: str | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if (self.where is None) == (self.sum is None):
            raise ValueError("un numérateur/dénominateur a soit 'where', soit 'sum'")
        return self


class Cohort(_Strict):
    """The source's rows are a cohort of cases, placed in time by the date they open, some of which
    are still open (their outcome, or the end of the delay, is not known yet).

    - ``open``: filter (``where`` language) of the rows still open, e.g. ``{outcome: en_cours}``;
    - ``where``: the cohort whose open share is measured (default: every row of the table in the
      year and territory; the indicator's own ``where`` is not applied: "taux de maintien des
      situations closes" is judged on the share of the year's cases still open, not of closed ones);
    - ``incomplete_above``: a year whose cohort has a larger share of open rows is flagged
      "cohorte incomplète (N % en cours)" and left out of the verdict (counts, shares, typologies);
    - for a ``duration`` (``median:<col>``: days from ``start`` to ``end``), ``start`` and ``end``
      name the two date columns: an open row is a right-censored delay, the time elapsed from its
      ``start`` to the reference date (the latest ``start`` or ``end`` date recorded in the table),
      and the median is a Kaplan-Meier estimate (no year is then flagged incomplete).
    """

    open: dict[str, Any] = Field(min_length=1)
    where: dict[str, Any] = Field(default_factory=dict)
    incomplete_above: float = Field(default=0.05, ge=0, lt=1)
    start: str | None = None
    end: str | None = None

    @model_validator(mode="after")
    def _both_dates(self):
        if (self.start is None) != (self.end is None):
            raise ValueError("cohorte : 'start' et 'end' vont ensemble")
        return self


class Source(_Strict):
    """How an indicator is computed from the store.

    - ``table``: the table holding the rows; ``join``: a parent table joined
      through its foreign key (columns of it are written ``parent.column``);
    - ``date`` (a date column), ``year`` (an integer year column) or ``span``
      (``[first, last]``, two integer year columns: a multi-year plan counts in
      every year it covers) places rows in time; ``territory`` places them in
      space (``None``: regional only);
    - ``where``: the population (``{column: value | [values] | {op: value}}``,
      ops ne, lt, le, gt, ge, is_null, not_in, and ``in_table`` / ``not_in_table``
      (``table.column``: the value is / is not referenced by that column, e.g.
      ``{id: {in_table: action_frein.frein_id}}``); key ``any_of`` holds a list of
      such dicts OR-ed together);
    - ``value``: ``count`` (rows), ``sum:<col>``, ``median:<col>`` or ``exists``;
    - ``numerator`` / ``denominator`` for shares (default denominator: the population);
      for existence, ``numerator`` says when a row counts as "exists" (default: any row);
    - ``by``: breakdown column for typologies (for shares: the share within each
      category; for existence: the matrix rows instead of territories);
      ``detail_by``: breakdown of a share's numerator over the period, by one column or a list
      of columns (each a separate breakdown, e.g. company size, then sector); ``text``/``title``
      for descriptors;
      ``start``/``end``/``status`` for calendars; ``question`` for surveys;
    - ``case_level``: rows are persons (calls, cases): small cells are hidden;
    - ``comparison``: ``regions`` when region-level reference values exist;
    - ``cohort``: the rows are a cohort of cases some of which are still open (:class:`Cohort`).
    """

    producer: str = Field(min_length=3)
    table: str
    join: str | None = None
    date: str | None = None
    year: str | None = None
    span: tuple[str, str] | None = None
    territory: str | None = "territory_code"
    where: dict[str, Any] = Field(default_factory=dict)
    value: str = "count"
    numerator: Ratio | None = None
    denominator: Ratio | None = None
    by: str | None = None
    detail_by: str | tuple[str, ...] | None = None
    text: str | None = None
    title: str | None = None
    start: str | None = None
    end: str | None = None
    status: str | None = None
    question: str | None = None
    case_level: bool = False
    comparison: Literal["regions"] | None = None
    cohort: Cohort | None = None

    @property
    def detail_dims(self) -> tuple[str, ...]:
        """The columns of the numerator's detail (``detail_by`` as a tuple; empty without one)."""
        if not self.detail_by:
            return ()
        return (self.detail_by,) if isinstance(self.detail_by, str) else tuple(self.detail_by)

    @model_validator(mode="after")
    def _time_axis(self):
        if sum(x is not None for x in (self.date, self.year, self.span)) != 1:
            raise ValueError(f"source {self.table}: exactement un de 'date', 'year' ou 'span' est requis")
        if not (self.value in {"count", "exists"} or self.value.split(":", 1)[0] in {"sum", "median"}):
            raise ValueError(f"source {self.table}: valeur inconnue {self.value!r}")
        return self


class Indicator(_Strict):
    id: str = Field(pattern=r"^Q[1-6]\.C\d+\.I\d+$")
    label: str = Field(min_length=5, description="The charter's wording")
    short_label: str = Field(min_length=3, max_length=90, description="For charts, tiles and tables")
    kind: Kind
    direction: Direction
    why: str = Field(min_length=20, description="Why this direction, in the charter's words (« … »); the "
                     "table of docs/referentiel.md is generated from it")
    unit: str = Field(min_length=1)
    source: Source
    spread: bool = Field(default=False, description="The charter wants it homogeneous across territories")
    cumulative: bool = Field(default=False, description="Judge and draw the running total over the years")
    note: str | None = None

    @model_validator(mode="after")
    def _kind_needs(self):
        s = self.source
        need = {
            "share": s.numerator is not None,
            "typology": s.by is not None,
            "descriptor": s.text is not None and s.by is not None,
            "calendar": s.start is not None and s.end is not None,
            "survey": s.question is not None and s.table == "survey_result",
            "existence": s.value == "exists",
            "duration": s.value.startswith("median:"),
        }
        if not need.get(self.kind, True):
            raise ValueError(f"{self.id}: la source ne convient pas au type {self.kind}")
        if s.cohort is not None and (s.cohort.start is not None) != (self.kind == "duration"):
            # a delay of a cohort is censored (start/end), other kinds of a cohort are flagged
            raise ValueError(f"{self.id}: une cohorte a 'start' et 'end' pour un délai, et seulement pour un délai")
        if self.direction != "none" and "«" not in self.why and not self.why.startswith("The same ambition"):
            # a kept direction quotes the charter: the charter decides directions
            raise ValueError(f"{self.id}: 'why' doit citer la Charte (« … ») pour justifier la direction "
                             f"{self.direction}")
        if self.kind in {"typology", "descriptor", "calendar", "existence"} and self.direction not in {"none", "up"}:
            # a breakdown, a list of records or a matrix carries no numeric trend except "more of it"
            raise ValueError(f"{self.id}: direction {self.direction} impossible pour le type {self.kind}")
        return self


class Group(_Strict):
    """A theme of a long criterion: its indicators are shown together, in a tab of their own."""

    label: str = Field(min_length=3, max_length=60)
    indicators: list[str] = Field(min_length=1)


class Criterion(_Strict):
    id: str = Field(pattern=r"^Q[1-6]\.C\d+$")
    label: str = Field(min_length=5)
    short_label: str = Field(min_length=3, max_length=90)
    indicators: list[Indicator] = Field(min_length=1)
    groups: list[Group] | None = Field(
        default=None, description="Themes of a long criterion (Q6's national dashboard): each indicator in "
                                  "exactly one, in the criterion's order; the page draws one theme at a time")

    @model_validator(mode="after")
    def _groups_cover(self):
        if self.groups is not None:
            listed = [i for g in self.groups for i in g.indicators]
            if listed != [i.id for i in self.indicators]:
                raise ValueError(f"{self.id} : les groupes doivent reprendre chaque indicateur du critère une "
                                 "fois, dans l'ordre")
        return self

    def parts(self) -> list[tuple[str | None, list[Indicator]]]:
        """(theme, its indicators) in order; one part without a theme when the criterion has no groups."""
        if not self.groups:
            return [(None, list(self.indicators))]
        by_id = {i.id: i for i in self.indicators}
        return [(g.label, [by_id[i] for i in g.indicators]) for g in self.groups]


class Question(_Strict):
    id: str = Field(pattern=r"^Q[1-6]$")
    number: int = Field(ge=1, le=6)
    title: str = Field(min_length=3, max_length=60)
    label: str = Field(min_length=20)
    page: str = Field(pattern=r"^q[1-6]_[a-z_]+$")
    intro: str | None = None
    criterion_prefix: str | None = Field(
        default="On aura réussi si…", description="Words before each criterion's wording (none for Q6's themes)")
    criteria: list[Criterion] = Field(min_length=1)
    # panels the question page shows under its index, by name (dashboard/views/question.py: PANELS):
    # "freins", the tracker of the freins and the actions that address them (issue 15)
    panels: list[Literal["freins"]] = Field(default_factory=list)


class SurveyQuestionDef(_Strict):
    code: str = Field(pattern=r"^[a-z_]+$")
    wording: str
    respondent_type: str


class Referentiel(_Strict):
    title: str
    source_document: str
    questions: list[Question] = Field(min_length=6, max_length=6)
    survey_questions: list[SurveyQuestionDef]

    @model_validator(mode="after")
    def _consistent_ids(self):
        seen: set[str] = set()
        for qn, q in enumerate(self.questions, start=1):
            if q.id != f"Q{qn}" or q.number != qn:
                raise ValueError(f"question {q.id} hors d'ordre")
            for cn, c in enumerate(q.criteria, start=1):
                if c.id != f"{q.id}.C{cn}":
                    raise ValueError(f"critère {c.id} mal numéroté (attendu {q.id}.C{cn})")
                for inum, ind in enumerate(c.indicators, start=1):
                    if ind.id != f"{c.id}.I{inum}":
                        raise ValueError(f"indicateur {ind.id} mal numéroté (attendu {c.id}.I{inum})")
                    if ind.id in seen:
                        raise ValueError(f"indicateur en double : {ind.id}")
                    seen.add(ind.id)
        respondents = {s.code: s.respondent_type for s in self.survey_questions}
        for ind in self.indicators():
            if ind.source.question and ind.source.question not in respondents:
                raise ValueError(f"{ind.id}: question d'enquête inconnue {ind.source.question}")
            if ind.kind == "survey":
                # a share of "acteurs considérant que…" counts only the respondents the question asks
                # (a partners' row added into an actors' share would change what is measured)
                expected = {"question_code": ind.source.question,
                            "respondent_type": respondents[ind.source.question]}
                got = {k: ind.source.where.get(k) for k in expected}
                if got != expected:
                    raise ValueError(f"{ind.id}: une enquête filtre sa question et son type de répondant "
                                     f"(attendu where: {expected})")
        return self

    # --- navigation helpers -------------------------------------------------------

    def indicators(self, question: str | None = None) -> list[Indicator]:
        return [
            ind
            for q in self.questions
            if question is None or q.id == question
            for c in q.criteria
            for ind in c.indicators
        ]

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators():
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


def parse_referentiel(data: dict) -> Referentiel:
    return Referentiel.model_validate(data)


@lru_cache(maxsize=1)
def _default_path() -> Path:
    return get_settings().referentiel_path or REFERENTIEL_PATH


def load_referentiel(path: str | Path | None = None) -> Referentiel:
    """The référentiel of ``path``; by default the charter's (``referentiel.yaml`` beside this module),
    or the file named by ``MAINTIEN_REFERENTIEL``."""
    return _load(Path(path) if path is not None else _default_path())


@lru_cache(maxsize=4)
def _load(path: Path) -> Referentiel:
    with open(path, encoding="utf-8") as fh:
        return parse_referentiel(yaml.safe_load(fh))


# --- checks against the store ----------------------------------------------------------


def _column(metadata, table_name: str, join: str | None, ref: str):
    """Resolve ``col`` or ``parent.col`` to a Column, or raise ValueError."""
    if "." in ref:
        tname, cname = ref.split(".", 1)
        if tname not in {table_name, join}:
            raise ValueError(f"colonne {ref}: table {tname} ni source ni jointure")
    else:
        tname, cname = table_name, ref
    tbl = metadata.tables.get(tname)
    if tbl is None or cname not in tbl.c:
        raise ValueError(f"colonne inconnue : {tname}.{cname}")
    return tbl.c[cname]


def _check_where(metadata, src: Source, where: dict, vocabularies: dict, problems: list[str], where_of: str):
    for key, cond in where.items():
        if key == "any_of":
            for sub in cond:
                _check_where(metadata, src, sub, vocabularies, problems, where_of)
            continue
        try:
            col = _column(metadata, src.table, src.join, key)
        except ValueError as exc:
            problems.append(f"{where_of}: {exc}")
            continue
        values: list = []
        if isinstance(cond, dict):
            unknown = set(cond) - OPERATORS
            if unknown:
                problems.append(f"{where_of}: opérateur inconnu {sorted(unknown)}")
            for op, v in cond.items():
                if op in TABLE_OPERATORS:
                    tname, _, cname = str(v).partition(".")
                    if tname not in metadata.tables or cname not in metadata.tables[tname].c:
                        problems.append(f"{where_of}: {op} : colonne inconnue {v}")
                if op in {"ne"}:
                    values.append(v)
                elif op == "not_in":
                    values.extend(v)
        elif isinstance(cond, list):
            values = cond
        else:
            values = [cond]
        vocab = col.info.get("vocabulary")
        if vocab:
            allowed = vocabularies[vocab]
            for v in values:
                if not isinstance(v, (str, bool)) and v is not None:
                    # YAML reads 11_49 as the integer 1149: a code must be quoted
                    problems.append(f"{where_of}: valeur {v!r} non textuelle pour le vocabulaire {vocab} ({key}) "
                                    "— mettre le code entre guillemets")
                elif isinstance(v, str) and v not in allowed:
                    problems.append(f"{where_of}: valeur {v!r} hors du vocabulaire {vocab} ({key})")


def check_against_store(ref: Referentiel) -> list[str]:
    """Every table, column, join and filtered value of the référentiel exists in the store."""
    from sqlmodel import SQLModel

    import data_access.models  # noqa: F401
    from data_access.vocabulary import VOCABULARIES

    md = SQLModel.metadata
    problems: list[str] = []
    for ind in ref.indicators():
        s = ind.source
        where_of = ind.id
        if s.table not in md.tables:
            problems.append(f"{where_of}: table inconnue {s.table}")
            continue
        if s.join:
            if s.join not in md.tables:
                problems.append(f"{where_of}: table de jointure inconnue {s.join}")
                continue
            fks = [fk for fk in md.tables[s.table].foreign_keys if fk.column.table.name == s.join]
            if not fks:
                problems.append(f"{where_of}: pas de clé étrangère {s.table} → {s.join}")
        refs = [s.date, s.year, *(s.span or ()), s.territory, s.by, *s.detail_dims, s.text, s.title, s.start,
                s.end, s.status]
        if s.cohort is not None:
            refs += [s.cohort.start, s.cohort.end]
            _check_where(md, s, s.cohort.open, VOCABULARIES, problems, f"{where_of} (cohorte)")
            _check_where(md, s, s.cohort.where, VOCABULARIES, problems, f"{where_of} (cohorte)")
        if s.value.startswith(("sum:", "median:")):
            refs.append(s.value.split(":", 1)[1])
        for r in (s.numerator, s.denominator):
            if r is not None and r.sum:
                refs.append(r.sum)
        for r in refs:
            if r:
                try:
                    _column(md, s.table, s.join, r)
                except ValueError as exc:
                    problems.append(f"{where_of}: {exc}")
        _check_where(md, s, s.where, VOCABULARIES, problems, where_of)
        for r in (s.numerator, s.denominator):
            if r is not None and r.where:
                _check_where(md, s, r.where, VOCABULARIES, problems, where_of)
        if s.question and s.table != "survey_result":
            problems.append(f"{where_of}: une enquête se lit dans survey_result")
    for sq in ref.survey_questions:
        if sq.respondent_type not in VOCABULARIES["respondent_type"]:
            problems.append(f"enquête {sq.code}: type de répondant inconnu {sq.respondent_type}")
    return problems
