"""Step 1, validation: every row of a file checked, every problem as a French sentence naming
file, line, column, value found and what was expected (:func:`validate`, :func:`validate_file`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, tuple_
from sqlalchemy.engine import Connection, Engine

from ..datasets import DATASETS, Dataset, FieldSpec, header_index, normalise_header
from ..settings import get_settings
from ..tabular import RawTable, TableReadError, read_table
from .context import MAX_LISTED, Context, IntakeError, UnknownDataset, _norm_key, load_context, year_of
from .parse import Parser, _CellError, _fr_date, _visible

# --- validation ----------------------------------------------------------------------------------


@dataclass
class Problem:
    file_name: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.file_name
        if self.line is not None:
            where += f", ligne {self.line}"
        if self.column is not None:
            where += f", colonne « {self.column} »"
        if self.value is not None:
            return f"{where} : valeur « {self.value} » — attendu : {self.message}."
        return f"{where} : {self.message}."


@dataclass
class Validated:
    dataset: Dataset
    file_name: str
    rows: list[dict]                   # parsed values by field name (valid rows only)
    lines: list[int]
    problems: list[Problem]
    checksum: str = ""
    source: str = ""                   # "CSV UTF-8, séparateur point-virgule"…
    notes: list[str] = field(default_factory=list)   # what was assumed reading the file (French)
    read: int = 0                      # data lines read from the file
    allowed_territories: frozenset[str] | None = None  # the sender's rights (None: every territory)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def messages(self, limit: int = MAX_LISTED) -> list[str]:
        out = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            out.append(f"… et {len(self.problems) - limit} autres problèmes du même fichier.")
        return out


def detect_dataset(raw: RawTable) -> tuple[str | None, list[str]]:
    """The dataset whose fields best match the file's headers (None and the candidates if unsure)."""
    heads = {normalise_header(h) for h in raw.headers if h}
    scored = []
    for ds in DATASETS.values():
        idx = header_index(ds)
        matched = sum(1 for h in heads if h in idx)
        missing = sum(1 for f in ds.fields if f.required
                      and normalise_header(f.header) not in heads and normalise_header(f.name) not in heads)
        unknown = len(heads) - matched
        scored.append((missing == 0 and unknown == 0, matched - unknown - missing, ds.name))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    best = scored[0]
    if best[0] and not (len(scored) > 1 and scored[1][0] and scored[1][1] == best[1]):
        return best[2], []
    return None, [s[2] for s in scored[:3]]


def validate(ds: Dataset, raw: RawTable, ctx: Context, *, checksum: str = "") -> Validated:
    """Every problem of the file against the dataset, and its valid rows."""
    fname = raw.file_name
    problems: list[Problem] = []
    idx = header_index(ds)
    hl = raw.header_line
    columns: list[tuple[int, FieldSpec]] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(raw.headers):
        if not h:
            if any(len(r) > i and r[i] for r in raw.rows):
                problems.append(Problem(fname, f"la colonne n° {i + 1} n'a pas de nom d'en-tête", line=hl))
            continue
        name = idx.get(normalise_header(h))
        if name is None:
            problems.append(Problem(fname, f"colonne inconnue « {h} » pour le jeu « {ds.label} » ; colonnes "
                                           f"attendues : {', '.join(f.header for f in ds.fields)}", line=hl))
            continue
        if name in seen:
            problems.append(Problem(fname, f"la colonne « {h} » apparaît deux fois (colonnes "
                                           f"{seen[name] + 1} et {i + 1})", line=hl))
            continue
        seen[name] = i
        columns.append((i, ds.field(name)))
    present = {f.name for _, f in columns}
    for f in ds.fields:
        if f.required and f.name not in present:
            problems.append(Problem(fname, f"colonne obligatoire « {f.header} » absente", line=hl))
    if ds.admin_only and ctx.allowed_territories is not None:
        problems.append(Problem(fname, f"le jeu « {ds.label} » est réservé aux administrateurs : votre compte ne "
                                       "peut ni l'importer ni le saisir", line=hl))
    if problems:
        return Validated(ds, fname, [], [], problems, checksum, raw.describe(), raw.notes)
    if not raw.rows:
        return Validated(ds, fname, [], [], [Problem(fname, "le fichier n'a aucune ligne de données sous l'en-tête" + (
            " ; s'il n'y a rien eu cette année, dites-le par une déclaration « rien cette année » "
            "(jeu data_declaration : Jeu de données ; Territoire ; Année), par fichier ou dans la page Saisie : "
            "l'année se lira 0 et non « non transmis »" if ds.declarable else ""))],
                         checksum, raw.describe(), raw.notes)

    parser = Parser(ds, ctx)
    width = len(raw.headers)
    rows, lines = [], []
    # a list column absent from the file leaves the stored lists alone (no key in the record)
    absent_defaults = {f.name: f.default for f in ds.fields if f.name not in present and f.kind != "list"}
    key_lines: dict[tuple, int] = {}
    for row, line in zip(raw.rows, raw.lines):
        before = len(problems)
        if len(row) > width and any(row[width:]):
            problems.append(Problem(fname, f"{len(row)} valeurs pour {width} colonnes d'en-tête "
                                           "(séparateur dans une valeur non entourée de guillemets ?)", line=line))
            continue
        rec = dict(absent_defaults)
        for i, f in columns:
            text = row[i].strip() if i < len(row) else ""
            if text == "":
                if f.required:
                    problems.append(Problem(fname, "valeur manquante (colonne obligatoire)", line, f.header))
                rec[f.name] = f.default if f.kind != "list" else ()
                continue
            try:
                rec[f.name] = parser.cell(f, text)
            except _CellError as exc:
                problems.append(Problem(fname, exc.expected, line, raw.headers[i], _visible(text)))
                rec[f.name] = None
        if len(problems) == before:
            _check_row(ds, ctx, rec, fname, line, raw, columns, problems)
        if len(problems) == before:
            key = tuple(rec.get(k) for k in ds.key)
            if key in key_lines and not ds.keyless:
                shown = ", ".join(f"{ds.field(k).header} = {show_value(rec.get(k))}" for k in ds.key)
                problems.append(Problem(fname, f"ligne en double : même clé ({shown}) que la ligne {key_lines[key]}",
                                        line))
                continue
            key_lines[key] = line
            rows.append(rec)
            lines.append(line)
    notes = list(raw.notes) + [f"colonne « {header} » : {what}" for header, what in parser.assumed.items()]
    return Validated(ds, fname, rows, lines, problems, checksum, raw.describe(), notes, len(raw.rows),
                     ctx.allowed_territories)


def show_value(v) -> str:
    if isinstance(v, dt.date):
        return _fr_date(v)
    return str(v)


def _header_of(raw: RawTable, columns, name: str, ds: Dataset) -> str:
    for i, f in columns:
        if f.name == name:
            return raw.headers[i]
    return ds.field(name).header


def row_territory(ds: Dataset, ctx: Context, rec: dict, *, before_lookup: bool = False) -> str | None:
    """The territory a row belongs to: its own, its instance's, or (after the lookup) its parent's."""
    if "territory_code" in rec and rec["territory_code"]:
        return rec["territory_code"]
    for f in ds.fields:
        if f.kind == "ref" and rec.get(f.name):
            owner = ctx.ref_territories.get(f.ref_table or "", {}).get(rec[f.name])
            if owner:
                return owner
    if not before_lookup and ds.lookup and rec.get(ds.lookup.fk):
        return ctx.parents[ds.lookup.table].get(rec["_parent_key"], (None, None))[1]
    return None


def _check_row(ds: Dataset, ctx: Context, rec: dict, fname: str, line: int, raw: RawTable, columns,
               problems: list[Problem]) -> None:
    def head(name):
        return _header_of(raw, columns, name, ds)

    for small, big in ds.not_greater:
        a, b = rec.get(small), rec.get(big)
        if a is not None and b is not None and a > b:
            problems.append(Problem(fname, f"{head(small)} ({a}) ne peut pas dépasser {head(big)} ({b})", line))
    for later, earlier in ds.not_before:
        a, b = rec.get(later), rec.get(earlier)
        if a is not None and b is not None and a < b:
            problems.append(Problem(fname, f"{head(later)} ({_fr_date(a)}) ne peut pas précéder "
                                           f"{head(earlier)} ({_fr_date(b)})", line))
    terr = rec.get("territory_code")
    for f in ds.fields:
        if f.name in ds.refs_one_in_territory:
            continue
        owner = ctx.ref_territories.get(f.ref_table or "", {}).get(rec.get(f.name)) if f.kind == "ref" else None
        if terr and owner and owner != terr:
            problems.append(Problem(fname, f"{rec[f.name]} relève du territoire {owner}, pas de {terr} "
                                           f"(choisissez une {f.header.lower()} de ce territoire ou changez le "
                                           "territoire)", line, head(f.name)))
    if terr and ds.refs_one_in_territory:
        owners = {name: ctx.ref_territories.get(ds.field(name).ref_table or "", {}).get(rec.get(name))
                  for name in ds.refs_one_in_territory}
        if all(owners.values()) and terr not in owners.values():
            shown = " ni ".join(f"« {head(n)} » ({rec.get(n)}, territoire {o})" for n, o in owners.items())
            problems.append(Problem(fname, f"ni {shown} ne relève du territoire {terr} : l'une d'elles doit en "
                                           "relever (ou changez le territoire)", line, head("territory_code")))
    if ds.name == "indicator_value":
        ind = rec.get("indicator_id")
        if ctx.indicator_ids is not None and ind not in ctx.indicator_ids:
            problems.append(Problem(fname, "un identifiant d'indicateur du référentiel (Q6.C1.I1…)", line,
                                    head("indicator_id"), str(ind)))
        elif ind in ctx.share_indicators and rec.get("value") is not None and not 0 <= rec["value"] <= 100:
            problems.append(Problem(fname, f"une part en % comprise entre 0 et 100 pour l'indicateur {ind}", line,
                                    head("value"), show_value(rec["value"]).replace(".", ",")))
        for col in ("numerator", "denominator"):
            if rec.get(col) is not None and rec[col] < 0:
                problems.append(Problem(fname, "un nombre positif ou nul", line, head(col),
                                        show_value(rec[col]).replace(".", ",")))
    elif ds.name == "objective" and ctx.objective_indicators is not None:
        ind = rec.get("indicator_id")
        if ind not in ctx.objective_indicators:
            problems.append(Problem(fname, "un identifiant d'indicateur du référentiel qui a une valeur par année "
                                           "(Q4.C1.I1, Q6.C1.I2…)", line, head("indicator_id"), str(ind)))
        elif ind in ctx.percent_indicators and rec.get("target") is not None and not 0 <= rec["target"] <= 100:
            problems.append(Problem(fname, f"une part en % comprise entre 0 et 100 pour l'indicateur {ind}", line,
                                    head("target"), show_value(rec["target"]).replace(".", ",")))
    elif rec.get("indicator_id") is not None and ctx.all_indicator_ids is not None \
            and rec["indicator_id"] not in ctx.all_indicator_ids:
        problems.append(Problem(fname, "un identifiant d'indicateur du référentiel (Q1.C4.I3, Q6.C1.I4…)", line,
                                head("indicator_id"), str(rec["indicator_id"])))
    if ctx.allowed_territories is not None:
        # Rights first: a row of a territory the sender may not write gets that one problem, and no
        # check that would tell what the store holds there (a parent row, a key used elsewhere).
        terr = row_territory(ds, ctx, rec, before_lookup=True)
        if terr is not None and terr not in ctx.allowed_territories:
            problems.append(_rights_problem(fname, line, terr, ctx))
            return
    if ds.lookup:
        key = tuple(rec.get(name) for name, _ in ds.lookup.by)
        rec["_parent_key"] = key
        hit = ctx.parents.get(ds.lookup.table, {}).get(key)
        if hit is None:
            shown = ", ".join(f"{head(name)} = {show_value(rec.get(name))}" for name, _ in ds.lookup.by)
            problems.append(Problem(fname, f"{ds.lookup.label} introuvable dans la base ({shown}) : à enregistrer "
                                           "d'abord", line))
            return
        rec[ds.lookup.fk] = hit[0]
        rec["_territory"] = hit[1]
        if "territory_code" in rec and hit[1] and rec["territory_code"] != hit[1]:
            problems.append(Problem(fname, f"{ds.lookup.label} du territoire {hit[1]}, pas de "
                                           f"{rec['territory_code']}", line, head("territory_code")))
    if ctx.allowed_territories is not None:
        terr = row_territory(ds, ctx, rec)
        if terr is None or terr not in ctx.allowed_territories:
            problems.append(_rights_problem(fname, line, terr, ctx))
            return
    _resolve_named_rows(ds, ctx, rec, fname, line, head, problems)


def _resolve_named_rows(ds: Dataset, ctx: Context, rec: dict, fname: str, line: int, head,
                        problems: list[Problem]) -> None:
    """The rows a ``ListColumn.ref`` cell names, looked up in the row's own territory (never another's,
    so a refusal tells nothing of a territory the sender may not write): each name as stored and its id
    (``rec["_named_ids"]``), or a problem for a name unknown there or shared by two rows."""
    for lc in ds.lists:
        if not lc.ref or lc.name not in rec:
            continue
        terr = row_territory(ds, ctx, rec)
        known = ctx.named_rows.get(lc.ref, {}).get(terr, {})
        what = next((d.label for d in DATASETS.values() if d.table == lc.ref[0]), lc.ref[0])
        names, ids = [], {}
        for name in rec.get(lc.name) or ():
            hits = known.get(normalise_header(name), [])
            if len(hits) == 1:
                names.append(hits[0][1])
                ids[hits[0][1]] = hits[0][0]
            elif not hits:
                problems.append(Problem(fname, f"le libellé d'une ligne de « {what} » déjà enregistrée pour {terr} "
                                               "(enregistrez-la d'abord, ou corrigez le libellé)", line,
                                        head(lc.name), name))
            else:
                problems.append(Problem(fname, f"un libellé qui ne désigne qu'une ligne de « {what} » de {terr} : "
                                               f"{len(hits)} lignes portent celui-ci (distinguez leurs libellés)",
                                        line, head(lc.name), name))
        rec[lc.name] = tuple(sorted(names))
        rec.setdefault("_named_ids", {})[lc.name] = ids


def _rights_problem(fname: str, line: int | None, terr: str | None, ctx: Context) -> Problem:
    return Problem(fname, f"territoire {terr or 'régional'} hors de ceux pour lesquels vous pouvez écrire "
                          f"({', '.join(sorted(ctx.allowed_territories or ())) or 'aucun'})", line)


def header_scorer(dataset: str | None):
    """How header-like a row of cells is: how many of them name a field of the dataset (of the best
    matching dataset when none is given). The reader uses it to skip a title row or a notes sheet."""
    indexes = [header_index(DATASETS[dataset])] if dataset in DATASETS else \
        [header_index(ds) for ds in DATASETS.values()]

    def score(cells: list[str]) -> float:
        heads = [normalise_header(c) for c in cells if c and c.strip()]
        return float(max(sum(1 for h in heads if h in idx) for idx in indexes)) if heads else 0.0
    return score


def validate_file(engine: Engine, path_or_bytes, dataset: str | None = None, *, file_name: str | None = None,
                  ctx: Context | None = None, **ctx_kwargs) -> Validated:
    """Read and validate a file; raises :class:`IntakeError` when it is not a readable table or its
    dataset cannot be told; returns the :class:`Validated` result (with its problems) otherwise."""
    if isinstance(path_or_bytes, (str, Path)):
        path = Path(path_or_bytes)
        file_name = file_name or path.name
        if not path.exists():
            raise IntakeError(f"{path} : fichier introuvable.")
        data = path.read_bytes()
    else:
        data = bytes(path_or_bytes)
    file_name = file_name or "fichier"
    try:
        raw = read_table(data, file_name, max_bytes=get_settings().import_max_bytes,
                         header_score=header_scorer(dataset))
    except TableReadError as exc:
        raise IntakeError(exc.problems) from None
    if dataset is None:
        dataset, candidates = detect_dataset(raw)
        if dataset is None:
            raise UnknownDataset(
                f"{file_name} : impossible de savoir quel jeu de données ce fichier contient d'après ses en-têtes "
                f"({', '.join(h for h in raw.headers if h)}). Précisez-le (jeux les plus proches : "
                f"{', '.join(candidates)}).")
    if dataset not in DATASETS:
        raise UnknownDataset(f"jeu de données inconnu « {dataset} » ; jeux possibles : {', '.join(DATASETS)}.")
    if ctx is None:
        with engine.connect() as conn:
            ctx = load_context(conn, **ctx_kwargs)
    validated = validate(DATASETS[dataset], raw, ctx, checksum=hashlib.sha256(data).hexdigest())
    if validated.ok:
        with engine.connect() as conn:
            validated.problems.extend(keys_stored_elsewhere(conn, validated))
    return validated


def keys_stored_elsewhere(conn: Connection, validated: Validated) -> list[Problem]:
    """Rows whose natural key is already stored in a part of the store the file does not replace
    (another year or scope: an ISE call reference of another département, a value of the same
    indicator sent by another source…). The file could neither add them (the key is unique) nor
    update them (that part is not the file's to replace)."""
    ds = validated.dataset
    tbl = ds.tbl
    placed_by_key = set(ds.scope) | {ds.period} <= set(ds.key)
    if placed_by_key or ds.lookup or not all(c in tbl.c for c in (*ds.key, *ds.scope, ds.period)):
        return []
    combos = {(year_of(ds, r),) + tuple(r.get(s) for s in ds.scope) for r in validated.rows}
    line_of = {tuple(r.get(k) for k in ds.key): line for r, line in zip(validated.rows, validated.lines)}
    keys = list(line_of)
    key_cols = [tbl.c[k] for k in ds.key]
    others = [tbl.c[c] for c in dict.fromkeys((ds.period, *ds.scope, "territory_code"))
              if c not in ds.key and c in tbl.c]
    problems = []
    for i in range(0, len(keys), 400):
        chunk = keys[i:i + 400]
        cond = tuple_(*key_cols).in_(chunk) if len(key_cols) > 1 else key_cols[0].in_([k[0] for k in chunk])
        for row in conn.execute(select(*key_cols, *others).where(cond)):
            stored = {k: _norm_key(v) for k, v in row._mapping.items()}
            combo = (year_of(ds, stored),) + tuple(stored[s] for s in ds.scope)
            if combo in combos:
                continue  # replaced by the file: updated or removed as usual
            key = tuple(stored[k] for k in ds.key)
            shown = ", ".join(f"{ds.field(k).header} = {show_value(v)}" for k, v in zip(ds.key, key))
            allowed = validated.allowed_territories
            if allowed is not None and stored.get("territory_code") not in allowed:
                # No oracle: say nothing of a part of the store the sender may not write.
                problems.append(Problem(
                    validated.file_name, f"{shown} est déjà utilisé en base hors de ce que ce fichier remplace ; "
                    "vérifiez cette valeur (une clé ne peut servir qu'une fois)", line_of.get(key)))
                continue
            where = ", ".join([str(combo[0])] + [f"{ds.field(s).header} {show_value(v)}"
                                                 for s, v in zip(ds.scope, combo[1:])])
            problems.append(Problem(
                validated.file_name, f"{shown} existe déjà en base pour {where}, que ce fichier ne remplace pas ; "
                f"corrigez la ligne, ou envoyez-la avec les données de {where}", line_of.get(key)))
    return sorted(problems, key=lambda p: p.line or 0)


