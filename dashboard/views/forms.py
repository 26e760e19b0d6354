"""The "Saisie" page: one generic data-entry mechanism driven by the dataset declarations.

Every dataset declared with ``form=True`` in :mod:`data_access.datasets` gets the same screen:

- a table of its stored records for one territory (French headers, dates ``JJ/MM/AAAA``, codes
  shown with their French labels);
- an "Ajouter" form and a "Modifier ou supprimer" form, with one widget per field chosen from the
  field's kind (:func:`field_widget`): date picker, whole number ≥ 0, checkbox, list of labels for
  a code / territory / institution / reference, text (a text area beyond 200 characters),
  multiselect for a list of codes, and one number per code for a list of ``code=nombre`` pairs
  (e.g. the publics reached by a communication action: leave 0 for a public not reached);
- for datasets without their own ``id`` that hang under a parent row (the attendance of a
  meeting), a table editor of the whole scope saved with :func:`dashboard.services.importing.save_rows`
  (:func:`scope_editor`).

Reading is open; writing needs a writer account and is checked again by the data layer, which
validates the values exactly as an imported file (the French problems are shown, nothing is
written). After a write the cached data are cleared so that the dashboards show it at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st
from sqlalchemy import select
from sqlmodel import SQLModel

from dashboard.core.filters import territory_label
from dashboard.core.formatting import fmt_date, fmt_number
from dashboard.services import importing
from dashboard.views import auth, ui
from data_access import records
from data_access.datasets import DATASET_LIST, DATASETS, Dataset, FieldSpec
from data_access.intake import IntakeError
from data_access.users import User, WriteRefused
from data_access.vocabulary import VOCABULARIES
from data_access.wording import count

PREFIX = "saisie"
FLASH_KEY = f"{PREFIX}_flash"
GEN_KEY = f"{PREFIX}_gen"
FIRST_DAY = dt.date(2000, 1, 1)   # the importer refuses earlier dates
CHOOSE = "Choisir…"
TEXT_AREA_FROM = 200               # longer texts get a text area
REQUIRED_NOTE = "Les champs marqués d'un astérisque (\\*) sont obligatoires."


def form_datasets() -> list[Dataset]:
    """Datasets that get a form, in declaration order (every account reads them; those written by
    administrators only, such as the objectives, offer their forms to administrators only)."""
    return [ds for ds in DATASET_LIST if ds.form]


def has_id(ds: Dataset) -> bool:
    return "id" in ds.tbl.c


def parent_dataset(ds: Dataset) -> Dataset | None:
    """The dataset of the parent rows a lookup points at (meeting for the attendance)."""
    if ds.lookup is None:
        return None
    return next((d for d in DATASET_LIST if d.table == ds.lookup.table), None)


def territory_levels(ds: Dataset) -> tuple[str, ...]:
    """Levels of the territories a record of ``ds`` belongs to (through its parent if need be)."""
    if ds.territory_levels:
        return ds.territory_levels
    parent = parent_dataset(ds)
    return parent.territory_levels if parent is not None else ()


def territory_choices(ds: Dataset, territories: pd.DataFrame, user: User | None) -> list[str]:
    """Territories the page offers: those of the dataset's levels, limited to the writable ones
    of an animateur (an administrator or a reader sees them all: reading is open)."""
    levels = territory_levels(ds)
    codes = [c for c, lvl in zip(territories["code"], territories["level"]) if not levels or lvl in levels]
    if user is not None and user.can_write and user.writable is not None:
        codes = [c for c in codes if c in user.writable]
    return codes


# --- reference options ---------------------------------------------------------------------------


_NAME_COLUMNS = ("name", "title", "label", "wording")


@st.cache_data(show_spinner=False)
def _table_options(version: int, table_name: str, value_column: str) -> pd.DataFrame:
    """``value`` (the column a field refers to), ``label`` and ``territory`` of a reference table."""
    tbl = SQLModel.metadata.tables[table_name]
    name_col = next((tbl.c[n] for n in _NAME_COLUMNS if n in tbl.c and n != value_column), None)
    cols = [tbl.c[value_column].label("value")]
    cols.append((name_col if name_col is not None else tbl.c[value_column]).label("label"))
    if "territory_code" in tbl.c:
        cols.append(tbl.c.territory_code.label("territory"))
    with ui.engine().connect() as conn:
        frame = pd.DataFrame([dict(r._mapping) for r in conn.execute(select(*cols).order_by(tbl.c[value_column]))],
                             columns=["value", "label"] + (["territory"] if "territory_code" in tbl.c else []))
    return frame


@dataclass
class Choices:
    """Options and labels of the selection widgets of one form (one page run)."""

    territories: list[str]                                  # writable territories of the dataset's levels
    territory_labels: dict[str, str]
    institutions: dict[str, str]                            # code → "name — code" (alphabetical by name)
    names: dict[str, dict[str, str]] = field(default_factory=dict)       # kind or field → code → short name
    refs: dict[str, dict[str, str]] = field(default_factory=dict)        # field name → code → label
    ref_territory: dict[str, dict[str, str]] = field(default_factory=dict)  # field name → code → territory
    default_territory: str | None = None

    def short(self, f: FieldSpec) -> dict[str, str]:
        """Code → French name, for the tables (without the code the selection lists add)."""
        if f.kind == "institution" or (f.kind == "list" and self.labels(f) is self.institutions):
            return self.names.get("institution", self.institutions)
        if f.name in self.names:
            return self.names[f.name]
        return self.labels(f)

    def labels(self, f: FieldSpec) -> dict[str, str]:
        """Options (in order) → French label of a selection field."""
        if f.kind == "territory":
            return {c: self.territory_labels.get(c, c) for c in self.territories}
        if f.kind == "institution":
            return self.institutions
        if f.kind in ("ref", "text") and f.name in self.refs:
            return self.refs[f.name]
        if f.kind == "code":
            return dict(VOCABULARIES.get(f.vocabulary or "", {}))
        if f.kind == "list":
            lc = f.list_spec
            if lc.ref:   # rows of the territory named by their label (the freins an action addresses)
                return self.refs.get(f.name, {})
            code_col = SQLModel.metadata.tables[lc.table].c[lc.code]
            if any(fk.column.table.name == "institution" for fk in code_col.foreign_keys):
                return self.institutions
            return dict(VOCABULARIES.get(f.vocabulary or "", {}))
        return {}


def build_choices(ds: Dataset, ref: dict, territory_codes: list[str], default_territory: str | None) -> Choices:
    terr = ref["territories"]
    labels = {c: territory_label(c, terr) for c in terr["code"]}
    inst = ref["institutions"]
    institutions = {c: f"{n} — {c}" for c, n in zip(inst["code"], inst["name"])}
    choices = Choices(territory_codes, labels, institutions, default_territory=default_territory)
    choices.names["institution"] = dict(zip(inst["code"], inst["name"]))
    allowed = set(territory_codes)
    version = ui.data_version()
    for f in ds.fields:
        target = None
        if f.kind == "ref" and f.ref_table:
            target = (f.ref_table, "code")
        elif f.lookup_part and f.kind == "text" and ds.lookup is not None:
            target = (ds.lookup.table, dict(ds.lookup.by)[f.name])
        elif f.kind == "list" and f.list_spec.ref:
            # the rows of the page's territory only: the importer looks names up in the row's territory
            frame = _table_options(version, *f.list_spec.ref)
            frame = frame[frame["territory"] == default_territory] if default_territory else frame.iloc[0:0]
            choices.refs[f.name] = {v: v for v in frame["value"]}
            continue
        if target is None:
            continue
        frame = _table_options(version, *target)
        if "territory" in frame:
            if f.name not in ds.refs_one_in_territory:   # e.g. a link from a CME to the CPR: any instance
                frame = frame[frame["territory"].isin(allowed)]
            choices.ref_territory[f.name] = dict(zip(frame["value"], frame["territory"]))
        if target[1] == "code":
            choices.refs[f.name] = {v: (f"{lab} — {v}" if lab != v else v) for v, lab in zip(frame["value"],
                                                                                           frame["label"])}
            choices.names[f.name] = dict(zip(frame["value"], frame["label"]))
        else:
            choices.refs[f.name] = {v: v for v in frame["value"]}
    return choices


# --- display ---------------------------------------------------------------------------------------


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (tuple, list)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_date(value) -> dt.date | None:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def show_value(f: FieldSpec, value, choices: Choices) -> str:
    """One value as a French reader reads it (labels for codes, JJ/MM/AAAA, oui/non)."""
    if _missing(value):
        return ""
    if f.kind == "date":
        return fmt_date(_as_date(value))
    if f.kind == "bool":
        return "oui" if value else "non"
    if f.kind in ("int", "year"):
        return str(int(value)) if f.kind == "year" else fmt_number(int(value))
    if f.kind == "float":
        return fmt_number(float(value), 1)
    if f.kind == "territory":
        return choices.territory_labels.get(value, value)
    if f.kind in ("code", "institution", "ref") or (f.kind == "text" and f.name in choices.refs):
        return choices.short(f).get(value, value)
    if f.kind == "list":
        labels = choices.short(f)
        items = [f"{labels.get(item[0], item[0])} : {fmt_number(item[1])}" if isinstance(item, tuple)
                 else labels.get(item, item) for item in value]
        return ", ".join(items)
    return str(value)


def display_frame(ds: Dataset, frame: pd.DataFrame, choices: Choices,
                  hide: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict]:
    """The records under French headers (without the fields ``hide``), with the column
    configuration of ``st.dataframe``."""
    out: dict[str, list] = {}
    config: dict = {}
    if "id" in frame:
        out["N°"] = [int(v) for v in frame["id"]]
        config["N°"] = st.column_config.NumberColumn("N°", format="%d", width="small")
    for f in ds.fields:
        if f.name in hide:
            continue
        values = frame[f.name].tolist() if f.name in frame else []
        if f.kind == "date":
            out[f.header] = [_as_date(v) for v in values]
            config[f.header] = st.column_config.DateColumn(f.header, format="DD/MM/YYYY")
        elif f.kind in ("int", "year") and not f.lookup_part:
            out[f.header] = [None if _missing(v) else int(v) for v in values]
            config[f.header] = st.column_config.NumberColumn(f.header, format="%d")
        elif f.kind == "bool":
            out[f.header] = [None if _missing(v) else bool(v) for v in values]
            config[f.header] = st.column_config.CheckboxColumn(f.header)
        elif f.kind == "list":
            names = choices.short(f)
            out[f.header] = [[f"{names.get(i[0], i[0])} : {fmt_number(i[1])}" if isinstance(i, tuple)
                              else names.get(i, i) for i in (v if isinstance(v, (tuple, list)) else ())]
                             for v in values]
            config[f.header] = st.column_config.ListColumn(f.header, width="large")
        else:
            out[f.header] = [show_value(f, v, choices) for v in values]
    return pd.DataFrame(out), config


def record_label(ds: Dataset, row: dict, choices: Choices) -> str:
    """A readable name of a record, from its key fields."""
    parts = [show_value(ds.field(k), row.get(k), choices) for k in ds.key]
    text = " · ".join(p for p in parts if p)
    return f"{text} (n° {int(row['id'])})" if "id" in row and not _missing(row.get("id")) else text


def french_problems(problems: list[str]) -> list[str]:
    """The validation's sentences, worded for a form (a "champ" rather than a file's "colonne")."""
    out = []
    for p in problems:
        p = re.sub(rf"^{records.FORM}, colonne « (.+?) »", r"« \1 »", p)
        p = re.sub(rf"^{records.FORM} ?: ", "", p)
        p = p.replace("(colonne obligatoire)", "(champ obligatoire)")
        out.append(p[:1].upper() + p[1:])
    return out


def show_problems(problems: list[str], what: str = "Rien n'a été enregistré") -> None:
    lines = "\n".join(f"- {p}" for p in french_problems(problems))
    st.error(f"**{what} :**\n\n{lines}", icon=":material/error:")


# --- widgets ---------------------------------------------------------------------------------------


def field_label(f: FieldSpec) -> str:
    return f.header + (" *" if f.required else "")


def _select(label: str, labels: dict[str, str], value, key: str, help: str | None = None):
    options = list(labels)
    if value is not None and not _missing(value) and value not in labels:
        options.append(value)  # a stored value outside today's choices stays selectable
    index = options.index(value) if value in options else None
    return st.selectbox(label, options, index=index, key=key, placeholder=CHOOSE, help=help,
                        format_func=lambda c, labels=labels: labels.get(c, c))


def field_widget(f: FieldSpec, value, key: str, choices: Choices, today: dt.date):
    """One widget for one field, chosen from its kind; returns the Python value (None if empty)."""
    label = field_label(f)
    k = f.kind
    if k == "date":
        return st.date_input(label, value=_as_date(value), min_value=FIRST_DAY, max_value=today,
                             format="DD/MM/YYYY", key=key)
    if k in ("int", "year"):
        current = None if _missing(value) else int(value)
        return st.number_input(label, min_value=0, step=1, value=current, key=key, format="%d")
    if k == "float":
        current = None if _missing(value) else float(value)
        return st.number_input(label, value=current, key=key, format="%.1f")
    if k == "bool":
        return st.checkbox(label, value=bool(value) if not _missing(value) else False, key=key)
    if k in ("code", "territory", "institution", "ref") or (k == "text" and f.name in choices.refs):
        return _select(label, choices.labels(f), value, key)
    if k == "text":
        current = "" if _missing(value) else str(value)
        if f.max_length and f.max_length > TEXT_AREA_FROM:
            text = st.text_area(label, value=current, max_chars=f.max_length, key=key, height=100)
        else:
            text = st.text_input(label, value=current, max_chars=f.max_length, key=key)
        return text.strip() or None
    if k == "list":
        return _list_widget(f, value, key, choices)
    text = st.text_input(label, value="" if _missing(value) else str(value), key=key)
    return text.strip() or None


def _list_widget(f: FieldSpec, value, key: str, choices: Choices) -> tuple:
    labels = choices.labels(f)
    current = tuple(value) if isinstance(value, (tuple, list)) else ()
    if f.list_spec.value is None:
        names = choices.short(f)  # the chips show names only
        picked = st.multiselect(field_label(f), list(labels), default=[c for c in current if c in labels],
                                key=key, placeholder=CHOOSE, format_func=lambda c, names=names: names.get(c, c))
        return tuple(picked)
    # code=number pairs: one whole number per code, 0 for a code not concerned
    numbers = dict(current)
    st.markdown(f"**{field_label(f)}** — un nombre par type ; laissez 0 pour un type non concerné.")
    cols = st.columns(3)
    out = []
    for i, (code, lab) in enumerate(labels.items()):
        with cols[i % 3]:
            n = st.number_input(lab, min_value=0, step=1, value=int(numbers.get(code, 0)), key=f"{key}_{code}",
                                format="%d")
        if n:
            out.append((code, int(n)))
    return tuple(out)


def _default_value(ds: Dataset, f: FieldSpec, choices: Choices):
    """Initial value of a field in the "Ajouter" form."""
    if f.kind == "territory":
        return choices.default_territory
    if f.name in choices.ref_territory:  # the only instance (plan…) of the chosen territory, if one
        mine = [c for c, t in choices.ref_territory[f.name].items() if t == choices.default_territory]
        return mine[0] if len(mine) == 1 else None
    if f.kind == "list":
        return ()
    return f.default


def form_fields(ds: Dataset, values: dict, prefix: str, choices: Choices, today: dt.date) -> dict:
    """Every field's widget, two columns for the short ones; returns field name → value."""
    out: dict = {}
    short = [f for f in ds.fields if f.kind not in ("list",) and not (f.kind == "text" and (f.max_length or 0)
                                                                    > TEXT_AREA_FROM)]
    long = [f for f in ds.fields if f not in short]
    cols = st.columns(2)
    for i, f in enumerate(short):
        with cols[i % 2]:
            out[f.name] = field_widget(f, values.get(f.name), f"{prefix}_{f.name}", choices, today)
    for f in long:
        out[f.name] = field_widget(f, values.get(f.name), f"{prefix}_{f.name}", choices, today)
    return out


# --- writes ----------------------------------------------------------------------------------------


def _generation() -> int:
    return st.session_state.setdefault(GEN_KEY, 0)


def _after_write(message: str) -> None:
    """Clear the caches (the dashboards read the new data), reset the forms and show ``message``."""
    st.cache_data.clear()
    st.session_state[GEN_KEY] = _generation() + 1
    st.session_state[FLASH_KEY] = message
    st.rerun()


def _try(action):
    """Run a write; French problems as an error box; returns the result or None."""
    try:
        return action()
    except IntakeError as exc:
        show_problems(exc.problems)
    except WriteRefused as exc:
        show_problems([str(exc)])
    return None


def add_form(ds: Dataset, user: User, choices: Choices, today: dt.date) -> None:
    prefix = f"{PREFIX}_add_{ds.name}_{_generation()}"
    values0 = {f.name: _default_value(ds, f, choices) for f in ds.fields}
    with st.form(f"{prefix}_form", border=True, enter_to_submit=False):
        values = form_fields(ds, values0, prefix, choices, today)
        st.caption(REQUIRED_NOTE)
        submitted = st.form_submit_button("Ajouter", type="primary", icon=":material/add:", key=f"{prefix}_submit")
    if submitted:
        new_id = _try(lambda: importing.save_record(ui.engine(), ds.name, values, user))
        if new_id is not None:
            label = record_label(ds, {**values, "id": new_id}, choices)
            _after_write(f"{ds.label} : enregistrement ajouté — {label}.")


def edit_form(ds: Dataset, user: User, frame: pd.DataFrame, choices: Choices, today: dt.date) -> None:
    if frame.empty:
        st.info("Aucun enregistrement à modifier pour ce territoire.", icon=":material/info:")
        return
    rows = {int(r["id"]): r for r in frame.to_dict("records")}
    labels = {i: record_label(ds, r, choices) for i, r in rows.items()}
    gen = _generation()
    record_id = st.selectbox("Enregistrement", list(labels), key=f"{PREFIX}_pick_{ds.name}_{gen}",
                             format_func=lambda i, labels=labels: labels[i],
                             help="Les plus récents d'abord ; tapez pour chercher.")
    try:
        stored = records.record_values(ui.engine(), ds.name, record_id)
    except IntakeError as exc:
        show_problems(exc.problems, "Enregistrement introuvable")
        return
    prefix = f"{PREFIX}_edit_{ds.name}_{record_id}_{gen}"
    with st.form(f"{prefix}_form", border=True, enter_to_submit=False):
        values = form_fields(ds, stored, prefix, choices, today)
        st.caption(REQUIRED_NOTE)
        submitted = st.form_submit_button("Enregistrer les modifications", type="primary", icon=":material/save:",
                                          key=f"{prefix}_submit")
    if submitted:
        done = _try(lambda: importing.save_record(ui.engine(), ds.name, values, user, record_id=record_id))
        if done is not None:
            label = record_label(ds, {**values, "id": record_id}, choices)
            _after_write(f"{ds.label} : enregistrement modifié — {label}.")
    with st.container(border=True):
        st.markdown("**Supprimer cet enregistrement**")
        st.caption("La suppression est définitive (les listes qui en dépendent sont supprimées avec lui) ; "
                   "elle est inscrite au journal des écritures.")
        confirmed = st.checkbox("Je confirme la suppression", key=f"{prefix}_confirm")
        if st.button("Supprimer", icon=":material/delete:", disabled=not confirmed, key=f"{prefix}_delete"):
            done = _try(lambda: importing.delete_record(ui.engine(), ds.name, record_id, user) or True)
            if done:
                _after_write(f"{ds.label} : enregistrement supprimé — {labels[record_id]}.")


def scope_editor(ds: Dataset, user: User, choices: Choices, territory: str, ref: dict) -> None:
    """Rows of ``ds`` under one parent row (the attendance of one meeting), edited as a table and
    saved with ``save_rows``: the parent's rows are replaced by those kept. A row is kept when one
    of its values is set (an institution expected, present or with participants)."""
    parent = parent_dataset(ds)
    if parent is None:
        st.info("Pas de formulaire pour ces données : importez-les par fichier.", icon=":material/info:")
        return
    parents = records.list_records(ui.engine(), parent.name, territories=[territory])
    if parents.empty:
        st.info(f"Aucune {ds.lookup.label} enregistrée pour ce territoire : ajoutez-la d'abord.",
                icon=":material/info:")
        return
    pchoices = build_choices(parent, ref, choices.territories, territory)
    by = dict(ds.lookup.by)  # field of ds → column of the parent
    plabels = {int(r["id"]): record_label(parent, r, pchoices) for r in parents.to_dict("records")}
    gen = _generation()
    pid = st.selectbox(ds.lookup.label[:1].upper() + ds.lookup.label[1:], list(plabels),
                       key=f"{PREFIX}_scope_{ds.name}_{gen}", format_func=lambda i, plabels=plabels: plabels[i],
                       help="Les plus récentes d'abord ; tapez pour chercher.")
    prow = parents.loc[parents["id"] == pid].iloc[0].to_dict()
    scope = {name: (_as_date(prow[col]) if ds.field(name).kind == "date" else prow[col]) for name, col in by.items()}
    row_field = next(ds.field(k) for k in ds.key if k not in by)
    value_fields = [f for f in ds.fields if f.name not in by and f.name != row_field.name]
    stored = records.list_records(ui.engine(), ds.name, territories=[territory])
    for name, v in scope.items():
        col = stored[name]
        stored = stored[(col.map(_as_date) if ds.field(name).kind == "date" else col) == v]
    stored = stored.set_index(row_field.name)
    codes = _row_codes(row_field, prow.get("territory_code") or territory, ref, choices, list(stored.index))
    names = choices.short(row_field)
    table = pd.DataFrame({row_field.header: [names.get(c, c) for c in codes]}, index=codes)
    for f in value_fields:
        table[f.header] = [_editor_value(f, stored.at[c, f.name] if c in stored.index else None, c in stored.index)
                           for c in codes]
    config = {row_field.header: st.column_config.TextColumn(row_field.header, disabled=True, width="large")}
    for f in value_fields:
        if f.kind == "bool":
            config[f.header] = st.column_config.CheckboxColumn(f.header)
        elif f.kind in ("int", "year"):
            config[f.header] = st.column_config.NumberColumn(f.header, min_value=0, step=1, format="%d")
    st.caption(f"{count(len(stored), 'ligne enregistrée')} pour cette {ds.lookup.label}. Cochez les institutions "
               "attendues et présentes ; une institution ni attendue ni présente, sans participant, n'est pas "
               "enregistrée. L'enregistrement remplace les présences de la réunion.")
    edited = st.data_editor(table, column_config=config, hide_index=True, num_rows="fixed", width="stretch",
                            height=min(38 + 35 * len(table), 640), key=f"{PREFIX}_editor_{ds.name}_{pid}_{gen}")
    if st.button("Enregistrer les présences", type="primary", icon=":material/save:",
                 key=f"{PREFIX}_scope_save_{ds.name}_{pid}_{gen}"):
        rows = scope_rows(scope, row_field, value_fields, edited)
        if not rows:
            show_problems(["cochez au moins une institution attendue ou présente."])
            return
        outcome = _try(lambda: importing.save_rows(ui.engine(), ds.name, rows, user))
        if outcome is not None:
            _after_write(f"{ds.label} — {plabels[pid]} : {outcome.summary()}")


def scope_rows(scope: dict, row_field: FieldSpec, value_fields: list[FieldSpec], edited: pd.DataFrame) -> list[dict]:
    """Rows to save from the edited table (index: the row field's codes; columns: French headers):
    the scope's values, the row's code and its values; a row without any value set is left out."""
    rows = []
    for code in edited.index:
        vals = {f.name: _from_editor(f, edited.at[code, f.header]) for f in value_fields if f.header in edited}
        if any(vals.values()):
            rows.append({**scope, row_field.name: code, **vals})
    return rows


def _row_codes(row_field: FieldSpec, territory: str, ref: dict, choices: Choices, stored: list[str]) -> list[str]:
    """The rows the editor lists: those stored, then the institutions of the territory, of its
    départements and of the region."""
    if row_field.kind != "institution":
        return list(dict.fromkeys([*stored, *choices.labels(row_field)]))
    per = ref["perimeters"]
    near = {territory, "R82", *per.loc[per["cme_code"] == territory, "departement_code"].tolist()}
    inst = ref["institutions"]
    nearby = [c for c, t in zip(inst["code"], inst["territory_code"]) if t in near]
    return list(dict.fromkeys([*sorted(stored, key=lambda c: choices.institutions.get(c, c)), *nearby]))


def _editor_value(f: FieldSpec, value, stored: bool):
    if f.kind == "bool":
        return bool(value) if stored and not _missing(value) else False
    if f.kind in ("int", "year"):
        return int(value) if stored and not _missing(value) else 0
    return value


def _from_editor(f: FieldSpec, value):
    if _missing(value):
        return None
    if f.kind == "bool":
        return bool(value)
    if f.kind in ("int", "year"):
        return int(value)
    return value


# --- the page ----------------------------------------------------------------------------------------


INTRO = (
    "Saisissez ici, une par une, les données que l'animation territoriale et le secrétariat du CPR produisent "
    "eux-mêmes : séances de CTME, réunions et présences, productions des instances, échanges entre instances, "
    "coopérations, démarches sur les données, diagnostics, freins, actions des plans, résultats locaux, outils, "
    "besoins repérés, démarches et sollicitations des animations territoriales, retours d'expérience vers INFO "
    "SANTE EMPLOI, plans de communication et leur calendrier, actions de communication. Chaque saisie est "
    "contrôlée comme "
    "un fichier importé, inscrite au journal des écritures et visible aussitôt dans les tableaux de bord. "
    "Pour de nombreuses lignes, préférez la page « Importer un fichier »."
)


def render() -> None:
    filters = ui.current_filters()
    st.title("Saisie")
    ui.sample_banner()
    st.markdown(INTRO)
    ref = ui.reference_data(ui.data_version())
    user = auth.current_user()
    datasets = form_datasets()
    c1, c2 = st.columns(2)
    with c1:
        labels = {ds.name: ds.label for ds in datasets}
        name = st.selectbox("Données à saisir", list(labels), key=f"{PREFIX}_dataset",
                            format_func=lambda n, labels=labels: labels[n])
    ds = DATASETS[name]
    territory_codes = territory_choices(ds, ref["territories"], user)
    if not territory_codes:
        st.info("Aucun de vos territoires n'est du niveau de ces données "
                f"({', '.join(territory_levels(ds))}).", icon=":material/info:")
        return
    tlabels = {c: territory_label(c, ref["territories"]) for c in territory_codes}
    default = filters.territory if filters.territory in territory_codes else territory_codes[0]
    with c2:
        territory = st.selectbox("Territoire", territory_codes, index=territory_codes.index(default),
                                 key=f"{PREFIX}_territoire_{'-'.join(territory_levels(ds))}",
                                 format_func=lambda c, tlabels=tlabels: tlabels[c])
    st.caption(f"Données produites par {ds.sent_by}." + (f" {ds.notes}" if ds.notes else ""))

    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")

    choices = build_choices(ds, ref, territory_codes, territory)
    frame = records.list_records(ui.engine(), ds.name, territories=[territory])
    st.subheader(f"{ds.label} — {tlabels[territory]}")
    if frame.empty:
        st.info("Aucun enregistrement pour ce territoire.", icon=":material/info:")
    else:
        # the table is the chosen territory's: its column would repeat the title
        shown, config = display_frame(ds, frame, choices, hide=("territory_code",))
        st.caption(f"{count(len(frame), 'enregistrement')}, les plus récents d'abord.")
        st.dataframe(shown, column_config=config, hide_index=True, width="stretch", height=min(400, 38 + 35 *
                                                                                            len(shown)))

    writer = auth.require_writer("saisir des données")
    if writer is None:
        return
    if ds.admin_only and not writer.is_admin:
        st.info(f"« {ds.label} » : saisie réservée aux administrateurs.", icon=":material/lock:")
        return
    today = dt.date.today()
    if not has_id(ds):
        st.subheader("Saisir les présences d'une réunion" if ds.name == "meeting_attendance"
                     else f"Saisir : {ds.label}")
        scope_editor(ds, writer, choices, territory, ref)
        return
    children = [d for d in datasets if parent_dataset(d) is ds and not has_id(d)]
    # stateful tabs: the tab in use stays open after a write (which reruns the page)
    tabs = st.tabs(["Ajouter", "Modifier ou supprimer", *(d.label for d in children)], key=f"{PREFIX}_tab_{ds.name}",
                   on_change="rerun")
    with tabs[0]:
        add_form(ds, writer, choices, today)
    with tabs[1]:
        edit_form(ds, writer, frame, choices, today)
    for tab, child in zip(tabs[2:], children):
        with tab:
            scope_editor(child, writer, build_choices(child, ref, territory_codes, territory), territory, ref)
