"""The datasets partners send and animateurs enter: one declaration each, read by the importer,
the forms, the documentation (docs/formats.md) and the example files.

A dataset feeds one table of the store. Its fields are derived from the table's columns (type,
required or not, vocabulary of codes, reference to a territory or an institution) and carry a
French header; this module only declares what the schema cannot say:

- ``key``: the natural key — a row of a file updates the stored row with the same key, so that
  re-importing a file changes nothing;
- ``period``: the date or year column that places a row in a year of the charter;
- ``scope``: with the year, the part of the store that a file replaces. Importing a file replaces,
  for each (year, scope values) combination present in the file, the stored rows of that
  combination: rows of the file are added or updated, stored rows absent from the file are removed.
  Every scope places its rows in one territory (``territory_code``, an instance, which belongs to
  one territory, or a parent row), so a file never touches a year or a territory it does not
  contain (:func:`scope_territory_problems` checks the declarations);
- ``replaces``: False for datasets other rows refer to (instances, action plans): a file adds and
  updates rows but never removes one by omission (a removal goes through the form's delete, which
  shows what depends on the row);
- ``declarable``: a territory-year with no row may be declared "nothing this year" (the
  ``data_declaration`` dataset): it then reads 0, not "non transmis". False where an absent row is
  not a zero (yearly indicator values, surveys, instances, multi-year plans);
- ``lists``: a cell holding several codes (``CARSAT|SAMETH38``), code=number pairs
  (``salarie=12|employeur=3``) or names of rows of the same territory (the freins an action
  addresses, by their label: ``ListColumn.ref``) that fill a child table. A file without the
  list's column leaves the lists already stored alone;
- ``lookup``: a reference to a parent row by its natural key (a meeting by instance, date and kind);
- ``keyless``: rows with no identity of their own (one row per event, e.g. a request to an AT):
  the key is every column, identical rows are allowed and a file's rows are matched one for one
  with the stored rows of its scope, so that re-importing a file still changes nothing;
- ``refs_one_in_territory``: references (to instances) of which one only must lie in the row's
  territory (a link from a CME to the CPR); every other reference must lie in it;
- ``not_greater`` / ``not_before``: consistency checks between two fields of a row;
- ``admin_only``: written by administrators only (the objectives register): a file or a form of any
  other account is refused with one sentence, whatever its territories.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Boolean, Date, DateTime, Float, Integer
from sqlmodel import SQLModel

from . import models  # noqa: F401  (registers the tables)
from .derive import DERIVED_COLUMNS

# French header of a column, by column name (a dataset may override).
HEADERS = {
    "territory_code": "Territoire",
    "year": "Année",
    "title": "Intitulé",
    "description": "Description",
    "call_ref": "Référence de l'appel",
    "call_date": "Date de l'appel",
    "caller_category": "Catégorie d'appelant",
    "regime": "Régime",
    "on_sick_leave": "En arrêt de travail",
    "discussed_with_employer": "Échange avec l'employeur",
    "any_step_taken": "Démarche engagée",
    "has_rqth": "RQTH",
    "supported_by_actor": "Accompagné par un acteur",
    "referred_by": "Orienté par",
    "actor_type": "Type d'acteur",
    "question_type": "Type de question",
    "orientation": "Orientation",
    "company_size": "Taille de l'entreprise",
    "company_sector": "Secteur de l'entreprise",
    "caller_function": "Fonction de l'appelant",
    "company_request_type": "Type de demande de l'entreprise",
    "case_ref": "Référence de la situation",
    "signalement_date": "Date de signalement",
    "sick_leave_start": "Début de l'arrêt de travail",
    "solution_date": "Date de la solution",
    "signalled_by": "Signalé par",
    "worker_status": "Statut du salarié",
    "cause": "Cause",
    "lead_actor": "Acteur référent",
    "reoriented": "Réorienté",
    "outcome": "Issue",
    "relay_to": "Relais",
    "indicator_id": "Indicateur",
    "value": "Valeur",
    "numerator": "Numérateur",
    "denominator": "Dénominateur",
    "source": "Source",
    "is_estimate": "Estimation",
    "actor": "Acteur",
    "cases_total": "Situations prises en charge",
    "cases_from_ise": "Dont orientées par INFO SANTE EMPLOI",
    "question_code": "Question",
    "respondent_type": "Type de répondant",
    "respondents": "Répondants",
    "agreeing": "Réponses favorables",
    "session_date": "Date de la séance",
    "cases_examined": "Situations examinées",
    "session_format": "Format",
    "orientations_total": "Orientations",
    "orientations_complex": "Dont situations complexes",
    "direct_signalements": "Signalements directs",
    "relay_supports": "Appuis aux relais",
    "action_date": "Date de l'action",
    "organiser_institution_code": "Institution organisatrice",
    "channel": "Canal",
    "purpose": "Objectif",
    "topic": "Thème",
    "target": "Cible",
    "instance_code": "Instance",
    "meeting_date": "Date de la réunion",
    "kind": "Type",
    "minutes_shared": "Compte rendu diffusé",
    "topics": "Sujets",
    "institution_code": "Institution",
    "expected": "Attendue",
    "present": "Présente",
    "participants": "Participants",
    "output_date": "Date",
    "output_type": "Type de production",
    "method": "Méthode",
    "method_description": "Description de la méthode",
    "start_date": "Date de début",
    "end_date": "Date de fin",
    "presentation_mode": "Mode de présentation",
    "presentation_date": "Date de présentation",
    "debated": "Débattu en CME",
    "diagnostic_id": "Diagnostic",
    "identified_date": "Date d'identification",
    "category": "Catégorie",
    "label": "Libellé",
    "action_type": "Type d'action",
    "planned_start": "Début prévu",
    "planned_end": "Fin prévue",
    "actual_start": "Début réel",
    "actual_end": "Fin réelle",
    "status": "Statut",
    "deals_with_relay": "Traite de la prise de relais",
    "created_date": "Date de création",
    "tool_type": "Type d'outil",
    "diffusion_mode": "Mode de diffusion",
    "detection_method": "Mode de repérage",
    "nature": "Nature",
    "answer": "Réponse apportée",
    "answered_date": "Date de la réponse",
    "link_date": "Date de l'échange",
    "from_instance_code": "Instance d'origine",
    "to_instance_code": "Instance destinataire",
    "link_type": "Type d'échange",
    "modality": "Modalité",
    "cooperation_type": "Type de coopération",
    "objective": "Objectif poursuivi",
    "signed_date": "Date de signature",
    "initiative_type": "Type de démarche",
    "lead_institution_code": "Institution pilote",
    "information_gained": "Informations remontées",
    "first_year": "Première année de disponibilité",
    "provider_institution_code": "Institution productrice",
    "secured": "Sécurisé",
    "note": "Commentaire",
    "result_date": "Date du résultat",
    "result_type": "Type de résultat",
    "continuous_diagnostic": "Diagnostic en continu",
    "continuous_diagnostic_method": "Modalités du diagnostic en continu",
    "plan_monitoring": "Suivi du plan d'actions",
    "monitoring_method": "Modalités du suivi",
    "has_contact": "Interlocuteur ressource",
    "contact_function": "Fonction de l'interlocuteur",
    "feedback_date": "Date du retour d'expérience",
    "cases_discussed": "Situations évoquées",
    "initiative_date": "Date de la démarche",
    "request_date": "Date de la sollicitation",
    "requester_type": "Type d'acteur demandeur",
    "request_type": "Type de sollicitation",
    "relays_regional": "Relaie le plan régional",
    "done": "Réalisée",
}


# Integer columns holding a year of the charter (validated against the reporting years).
# (An end year or a plan's last year may lie after the charter: they are plain integers with bounds.)
YEAR_COLUMNS = frozenset({"year", "first_year", "start_year"})
# Default plausible bounds of numeric fields: counts of persons, sessions, answers… stay far below
# 10 million; any value of a float column (a share, a rate, a number of days) within ±10^12.
# PostgreSQL's INTEGER holds up to 2 147 483 647: a bound below it keeps "3 000 000 000" a French
# problem on the line instead of a database error.
INT_BOUNDS = (0, 10_000_000)
FLOAT_BOUNDS = (-1e12, 1e12)


@dataclass(frozen=True)
class ListColumn:
    """A cell holding several codes, code=number pairs, or names of rows, written to a child table."""

    name: str            # field name (also the key of the parsed value)
    header: str
    table: str           # child table
    fk: str              # child column referencing the parent's id
    code: str            # child column holding the code (or the id of the row named, see ``ref``)
    value: str | None = None   # child column holding the number of a pair
    help: str = ""
    # (table, column): the cell names rows of ``table`` *of the row's own territory* by their
    # ``column`` (a frein by its label), separated by "|" only (a label may hold a comma); ``code``
    # holds their id. A name unknown in that territory, or shared by two of its rows, is refused.
    ref: tuple[str, str] | None = None


@dataclass(frozen=True)
class Lookup:
    """A foreign key to a parent row given in the file by the parent's natural key."""

    fk: str                              # column of the dataset's table (meeting_id)
    table: str                           # parent table (meeting)
    by: tuple[tuple[str, str], ...]      # (field of the file, column of the parent)
    label: str                           # French name of the parent ("réunion")


@dataclass(frozen=True)
class Dataset:
    name: str
    table: str
    label: str
    key: tuple[str, ...]
    period: str
    scope: tuple[str, ...]
    sent_by: str
    territory_levels: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    lists: tuple[ListColumn, ...] = ()
    lookup: Lookup | None = None
    not_greater: tuple[tuple[str, str], ...] = ()
    not_before: tuple[tuple[str, str], ...] = ()
    form: bool = False
    pseudonymous: bool = False
    notes: str = ""
    replaces: bool = True
    declarable: bool = True
    keyless: bool = False
    refs_one_in_territory: tuple[str, ...] = ()
    # Plausible (min, max) per numeric field, beyond the defaults of its kind (see ``bounds_of``).
    bounds: tuple[tuple[str, float, float], ...] = ()
    # Written by administrators only (objectives): an animateur's file or form is refused.
    admin_only: bool = False

    @property
    def tbl(self):
        return SQLModel.metadata.tables[self.table]

    @property
    def fields(self) -> list["FieldSpec"]:
        return fields_of(self.name)

    def field(self, name: str) -> "FieldSpec":
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class FieldSpec:
    """One column of a dataset's file."""

    name: str
    header: str
    kind: str            # text, int, float, bool, date, code, territory, institution, ref, year, list
    required: bool
    default: object = None
    vocabulary: str | None = None
    ref_table: str | None = None     # for kind "ref": the referenced table (its ``code`` column)
    max_length: int | None = None
    list_spec: ListColumn | None = None
    lookup_part: bool = False        # part of a Lookup (not a column of the dataset's table)


def _kind(col) -> tuple[str, str | None]:
    for fk in col.foreign_keys:
        target = fk.column.table.name
        if target == "territory":
            return "territory", None
        if target == "institution":
            return "institution", None
        return "ref", target
    if col.info.get("vocabulary"):
        return "code", None
    t = getattr(col.type, "impl_instance", col.type)
    if isinstance(t, Boolean):
        return "bool", None
    if isinstance(t, Integer):
        return ("year" if col.name in YEAR_COLUMNS else "int"), None
    if isinstance(t, Float):
        return "float", None
    if isinstance(t, (Date, DateTime)):
        return "date", None
    return "text", None


def _field_of_column(ds: Dataset, col, *, lookup_part: bool = False) -> FieldSpec:
    kind, ref = _kind(col)
    default = col.default.arg if col.default is not None and not callable(col.default.arg) else None
    required = not col.nullable and default is None
    return FieldSpec(
        name=col.name,
        header=ds.headers.get(col.name) or HEADERS.get(col.name) or col.name,
        kind=kind,
        required=required,
        default=default,
        vocabulary=col.info.get("vocabulary"),
        ref_table=ref,
        max_length=getattr(col.type, "length", None),
        lookup_part=lookup_part,
    )


@cache
def fields_of(name: str) -> list[FieldSpec]:
    ds = DATASETS[name]
    tbl = ds.tbl
    skip = set(ds.exclude) | set(DERIVED_COLUMNS.get(ds.table, ()))
    if ds.lookup:
        skip.add(ds.lookup.fk)
    out: list[FieldSpec] = []
    if ds.lookup:
        parent = SQLModel.metadata.tables[ds.lookup.table]
        for field_name, parent_col in ds.lookup.by:
            f = _field_of_column(ds, parent.c[parent_col], lookup_part=True)
            out.append(FieldSpec(**{**f.__dict__, "name": field_name,
                                    "header": ds.headers.get(field_name) or HEADERS.get(parent_col) or field_name}))
    for col in tbl.c:
        if col.name in skip or (col.primary_key and col.name == "id"):
            continue
        if any(f.name == col.name for f in out):
            continue
        out.append(_field_of_column(ds, col))
    for lc in ds.lists:
        named = SQLModel.metadata.tables[lc.ref[0]].c[lc.ref[1]] if lc.ref else None
        out.append(FieldSpec(name=lc.name, header=lc.header, kind="list", required=False, list_spec=lc,
                             vocabulary=SQLModel.metadata.tables[lc.table].c[lc.code].info.get("vocabulary"),
                             max_length=getattr(named.type, "length", None) if named is not None else None))
    return out


def referenced_by_lists() -> frozenset[str]:
    """Tables whose rows other datasets' list cells name (``ListColumn.ref``: the freins)."""
    return frozenset(lc.ref[0] for ds in DATASET_LIST for lc in ds.lists if lc.ref)


def bounds_of(ds: Dataset, f: FieldSpec) -> tuple[float, float] | None:
    """Plausible (min, max) of a numeric field: the dataset's declaration, else its kind's default."""
    for name, low, high in ds.bounds:
        if name == f.name:
            return low, high
    if f.kind == "int":
        return INT_BOUNDS
    if f.kind == "float":
        return FLOAT_BOUNDS
    return None


def scope_territory_problems() -> list[str]:
    """Declarations whose replacement scope does not place rows in one territory (must be empty)."""
    problems = []
    for ds in DATASET_LIST:
        placed = "territory_code" in ds.scope or ds.lookup is not None or any(
            ds.field(s).kind == "ref" and "territory_code" in SQLModel.metadata.tables[ds.field(s).ref_table].c
            for s in ds.scope)
        if not placed:
            problems.append(f"{ds.name}: scope {ds.scope} without a territory")
    return problems


def normalise_header(text: str) -> str:
    """Header comparison key: no accents, lower case, single spaces, no punctuation around words."""
    # Separators first: the ASCII folding below would drop a typographic apostrophe (’, as Excel's
    # autocorrect writes it) and glue "l’appel" into "lappel".
    text = re.sub(r"[\s_\-'’‘ʼ.()/]+", " ", str(text))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", text.lower()).strip()


def header_index(ds: Dataset) -> dict[str, str]:
    """Normalised header → field name; accepts the French header and the column name."""
    out: dict[str, str] = {}
    for f in ds.fields:
        out[normalise_header(f.header)] = f.name
        out.setdefault(normalise_header(f.name), f.name)
    return out



DATASET_LIST: list[Dataset] = [
    Dataset(
        name="ise_call", table="ise_call", label="Appels INFO SANTE EMPLOI",
        key=("call_ref",), period="call_date", scope=("territory_code",),
        sent_by="la plateforme INFO SANTE EMPLOI (ISE), une fois par an",
        territory_levels=("departement",), pseudonymous=True,
        headers={"territory_code": "Département"},
        notes="Une ligne par appel, pseudonyme : la référence est celle du logiciel de la plateforme, "
              "sans nom ni numéro de sécurité sociale ni texte libre sur la santé.",
    ),
    Dataset(
        name="retention_case", table="retention_case", label="Situations de maintien",
        key=("case_ref",), period="signalement_date", scope=("territory_code", "lead_actor"),
        sent_by="AGEFIPH (SAMETH, Cap emploi), CARSAT (service social, SST), MSA, RSI : "
                "chacun pour les situations dont il est l'acteur référent",
        territory_levels=("departement",), pseudonymous=True,
        headers={"territory_code": "Département"},
        lists=(ListColumn("measures", "Mesures", "case_measure", "case_id", "measure",
                          help="codes des mesures mobilisées, séparés par « | »"),),
        not_before=(("signalement_date", "sick_leave_start"), ("solution_date", "signalement_date")),
        notes="Une ligne par situation, pseudonyme. Un fichier remplace, pour chaque année de signalement, "
              "département et acteur référent qu'il contient, les situations déjà reçues.",
    ),
    Dataset(
        name="indicator_value", table="indicator_value", declarable=False, label="Valeurs annuelles d'indicateurs",
        key=("indicator_id", "territory_code", "year"), period="year", scope=("territory_code", "source"),
        sent_by="les partenaires pour les indicateurs de la question 6 (et les valeurs des autres régions)",
        territory_levels=("departement", "region"),
        notes="Une ligne par indicateur, territoire et année. Les parts sont en % (0 à 100). Un fichier "
              "remplace, pour chaque année, territoire et source qu'il contient, les valeurs déjà reçues de "
              "cette source.",
    ),
    Dataset(
        name="actor_caseload", table="actor_caseload", label="Prises en charge des acteurs",
        key=("territory_code", "year", "actor"), period="year", scope=("territory_code", "actor"),
        sent_by="AGEFIPH, CARSAT, MSA : situations prises en charge par acteur",
        territory_levels=("departement",),
        headers={"territory_code": "Département"},
        not_greater=(("cases_from_ise", "cases_total"),),
    ),
    Dataset(
        name="survey_result", table="survey_result", declarable=False, label="Résultats d'enquêtes",
        key=("question_code", "year", "territory_code", "respondent_type"), period="year",
        scope=("territory_code",),
        sent_by="la DIRECCTE (enquêtes annuelles auprès des membres des instances)",
        territory_levels=("cme", "region"),
        not_greater=(("agreeing", "respondents"),),
    ),
    Dataset(
        name="ctme_session", table="ctme_session", label="Séances de CTME et autres outils de même finalité",
        key=("territory_code", "session_date", "session_format"), period="session_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME"},
        lists=(ListColumn("participants", "Institutions participantes", "ctme_participant", "session_id",
                          "institution_code", help="codes des institutions, séparés par « | »"),),
    ),
    Dataset(
        name="at_yearly_activity", table="at_yearly_activity", label="Activité annuelle des animations territoriales",
        key=("territory_code", "year"), period="year", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",),
        headers={"territory_code": "CME"},
        not_greater=(("orientations_complex", "orientations_total"),),
    ),
    Dataset(
        name="ise_resource_contact", table="ise_resource_contact", declarable=False,
        label="Interlocuteurs ressources des institutions signataires",
        key=("institution_code", "year"), period="year", scope=("territory_code",),
        sent_by="la plateforme INFO SANTE EMPLOI (ISE), une fois par an", territory_levels=("region",),
        notes="Une ligne par institution signataire et par année : l'institution a-t-elle désigné un interlocuteur "
              "ressource en capacité de renseigner la plateforme (oui / non), et sa fonction (sans nom). Un fichier "
              "remplace, pour chaque année qu'il contient, la liste déjà reçue de cette année.",
    ),
    Dataset(
        name="ise_feedback", table="ise_feedback", label="Retours d'expérience des AT vers INFO SANTE EMPLOI",
        key=("territory_code", "feedback_date"), period="feedback_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME", "description": "Contenu du retour"},
        notes="Une ligne par séance de retour d'expérience de l'animation territoriale vers l'équipe de la plateforme "
              "sur les orientations complexes.",
    ),
    Dataset(
        name="communication_action", table="communication_action", label="Actions de communication",
        key=("territory_code", "action_date", "title"), period="action_date", scope=("territory_code",),
        sent_by="l'animation territoriale (actions locales) et le groupe communication du CPR",
        territory_levels=("departement",), form=True,
        headers={"territory_code": "Département"},
        lists=(ListColumn("reach", "Publics atteints", "communication_reach", "action_id", "actor_type", "reached",
                          help="paires type d'acteur=nombre de personnes atteintes, séparées par « | »"),),
    ),
    Dataset(
        name="communication_plan", table="communication_plan", declarable=False, label="Plans de communication",
        key=("territory_code", "title"), period="adopted_date", scope=("territory_code",), replaces=False,
        sent_by="le groupe communication du CPR (plan régional) et l'animation territoriale de chaque CME (plan local)",
        territory_levels=("cme", "region"), form=True,
        headers={"scope": "Portée du plan", "title": "Intitulé du plan de communication",
                 "adopted_date": "Date d'adoption", "period_start": "Première année", "period_end": "Dernière année"},
        not_greater=(("period_start", "period_end"),),
        bounds=(("period_start", 2015, 2035), ("period_end", 2015, 2035)),
        notes="Une ligne par plan. Un fichier ajoute ou met à jour des plans, il n'en supprime jamais (le calendrier "
              "s'y rattache par le territoire et l'intitulé du plan).",
    ),
    Dataset(
        name="communication_plan_item", table="communication_plan_item", label="Calendrier des plans de communication",
        key=("plan_title", "title", "planned_start"), period="planned_start", scope=("territory_code",),
        sent_by="le groupe communication du CPR et l'animation territoriale de chaque CME",
        territory_levels=("cme", "region"), form=True,
        headers={"plan_title": "Plan de communication", "title": "Intitulé de l'étape"},
        lookup=Lookup("plan_id", "communication_plan", (("territory_code", "territory_code"), ("plan_title", "title")),
                      "plan de communication"),
        not_before=(("planned_end", "planned_start"),),
        notes="Une ligne par étape du calendrier d'un plan. Le plan doit déjà exister (importez d'abord les plans).",
    ),
    Dataset(
        name="instance", table="instance", declarable=False, label="Instances et groupes de travail",
        key=("code",), period="start_year", scope=("territory_code",), replaces=False,
        sent_by="le secrétariat du CPR (DIRECCTE) : le CPR, les CME et le groupe « indicateurs » sont déjà en base ; "
                "les groupes de travail créés en cours de charte s'ajoutent ici (par fichier : l'instance n'a pas "
                "d'identifiant numérique que les formulaires puissent modifier)",
        territory_levels=("cme", "region"), form=False,
        headers={"code": "Code", "kind": "Type d'instance", "name": "Nom", "start_year": "Année de création",
                 "end_year": "Année de fin", "chair_institution_code": "Institution qui préside",
                 "purpose": "Objet"},
        bounds=(("end_year", 2015, 2035),),
        notes="Une ligne par instance. Un fichier ajoute ou met à jour des instances, il n'en supprime jamais "
              "(les réunions et productions s'y rattachent).",
    ),
    Dataset(
        name="action_plan", table="action_plan", declarable=False, label="Plans d'actions territoriaux",
        key=("territory_code", "title"), period="adopted_date", scope=("territory_code",), replaces=False,
        sent_by="l'animation territoriale de chaque CME (plan adopté en CME) et le secrétariat du CPR (plan régional)",
        territory_levels=("cme", "region"), form=True,
        headers={"territory_code": "Territoire", "title": "Intitulé du plan", "adopted_date": "Date d'adoption",
                 "period_start": "Première année", "period_end": "Dernière année",
                 "has_relay_section": "Volet prises de relais"},
        not_greater=(("period_start", "period_end"),),
        bounds=(("period_start", 2015, 2035), ("period_end", 2015, 2035)),
        notes="Une ligne par plan. Un fichier ajoute ou met à jour des plans, il n'en supprime jamais (les actions "
              "s'y rattachent par le territoire et l'intitulé du plan).",
    ),
    Dataset(
        name="meeting", table="meeting", label="Réunions des instances",
        key=("instance_code", "meeting_date", "kind"), period="meeting_date", scope=("instance_code",),
        sent_by="le secrétariat du CPR (DIRECCTE) et l'animation territoriale de chaque CME",
        territory_levels=("cme", "region"), form=True,
    ),
    Dataset(
        name="meeting_attendance", table="meeting_attendance", label="Présences aux réunions",
        key=("instance_code", "meeting_date", "kind", "institution_code"), period="meeting_date",
        scope=("instance_code", "meeting_date", "kind"),
        sent_by="le secrétariat du CPR et l'animation territoriale (feuilles d'émargement)",
        lookup=Lookup("meeting_id", "meeting",
                      (("instance_code", "instance_code"), ("meeting_date", "meeting_date"), ("kind", "kind")),
                      "réunion"),
        headers={"kind": "Type de réunion"}, form=True,
        notes="Une ligne par réunion et institution. La réunion doit déjà exister (importez d'abord les réunions) ; "
              "un fichier remplace les présences des réunions qu'il contient.",
    ),
    Dataset(
        name="instance_output", table="instance_output", label="Productions des instances et groupes de travail",
        key=("instance_code", "output_date", "title"), period="output_date", scope=("instance_code",),
        sent_by="le secrétariat du CPR, les groupes de travail et l'animation territoriale",
        territory_levels=("cme", "region"), form=True,
    ),
    Dataset(
        name="instance_link", table="instance_link", label="Échanges entre instances",
        key=("link_date", "from_instance_code", "to_instance_code", "link_type"), period="link_date",
        scope=("territory_code",),
        sent_by="le secrétariat du CPR (DIRECCTE) et l'animation territoriale de chaque CME",
        territory_levels=("cme", "region"), form=True, refs_one_in_territory=("from_instance_code", "to_instance_code"),
        headers={"description": "Description de l'échange"},
        notes="Une ligne par échange d'une instance vers une autre (information, décision partagée, apport, "
              "complémentarité repérée). Le territoire est celui de l'une des deux instances : la CME pour un "
              "échange entre une CME et le CPR, R82 entre le CPR et un groupe de travail régional.",
    ),
    Dataset(
        name="cooperation", table="cooperation", label="Coopérations, passerelles et partenariats",
        key=("territory_code", "start_date", "title"), period="start_date", scope=("territory_code",),
        sent_by="le secrétariat du CPR (DIRECCTE) pour les coopérations régionales et l'animation territoriale de "
                "chaque CME pour les coopérations locales",
        territory_levels=("cme", "region"), form=True,
        headers={"start_date": "Date d'engagement", "title": "Intitulé de la coopération"},
        lists=(ListColumn("partners", "Institutions partenaires", "cooperation_partner", "cooperation_id",
                          "institution_code", help="codes des institutions engagées, séparés par « | »"),),
        notes="Une ligne par coopération, rapprochement, passerelle ou partenariat signé (la date de signature pour "
              "un partenariat).",
    ),
    Dataset(
        name="data_initiative", table="data_initiative", label="Démarches sur les données de pilotage",
        key=("territory_code", "start_date", "title"), period="start_date", scope=("territory_code",),
        sent_by="le groupe de travail « indicateurs » du CPR", territory_levels=("region",), form=True,
        headers={"start_date": "Date d'engagement", "title": "Intitulé de la démarche"},
        notes="Une ligne par démarche de convergence, de fiabilisation ou de partage des données, ou de construction "
              "d'un nouvel indicateur, avec ce qu'elle a permis de faire remonter.",
    ),
    Dataset(
        name="indicator_availability", table="indicator_availability",
        label="Nouveaux indicateurs disponibles pour le pilotage",
        key=("indicator_id",), period="first_year", scope=("territory_code",),
        sent_by="le groupe de travail « indicateurs » du CPR", territory_levels=("region",),
        headers={"note": "Précisions"},
        notes="Une ligne par indicateur du référentiel (Q6.C1.I4…) qui n'était pas disponible ou sécurisé au lancement "
              "de la démarche : l'année est la première où il l'est devenu. Un fichier remplace, pour chaque année "
              "qu'il contient, les indicateurs déjà reçus de cette année ; changer l'année d'un indicateur se fait "
              "dans un fichier qui contient aussi son ancienne année.",
    ),
    Dataset(
        name="diagnostic", table="diagnostic", label="Diagnostics territoriaux",
        key=("territory_code", "kind", "start_date"), period="start_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME", "kind": "Type de diagnostic"},
        lists=(ListColumn("actors", "Acteurs interrogés", "diagnostic_actor", "diagnostic_id", "actor_type",
                          "interviewed",
                          help="paires type d'acteur=nombre d'acteurs interrogés, séparées par « | »"),),
        not_before=(("end_date", "start_date"),),
    ),
    Dataset(
        name="frein", table="frein", label="Freins identifiés",
        key=("territory_code", "identified_date", "label"), period="identified_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME"}, exclude=("diagnostic_id",),
        notes="Les actions des plans nomment les freins qu'elles traitent par leur libellé (« Freins traités ») : "
              "donnez à chaque frein d'une CME un libellé distinct ; un frein retiré ou renommé par un fichier "
              "n'est plus relié aux actions qui le nommaient (réimportez alors les actions).",
    ),
    Dataset(
        name="plan_action", table="plan_action", label="Actions des plans territoriaux",
        key=("plan_title", "title", "planned_start"), period="planned_start", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME", "plan_title": "Plan d'actions"},
        lookup=Lookup("plan_id", "action_plan", (("territory_code", "territory_code"), ("plan_title", "title")),
                      "plan d'actions"),
        lists=(ListColumn("freins", "Freins traités", "action_frein", "action_id", "frein_id", ref=("frein", "label"),
                          help="libellés des freins identifiés de la même CME auxquels l'action répond (tels "
                               "qu'enregistrés dans « Freins identifiés »), séparés par « | »"),),
        not_before=(("planned_end", "planned_start"), ("actual_end", "actual_start")),
        notes="Les freins traités doivent déjà être enregistrés pour la CME (importez d'abord les freins).",
    ),
    Dataset(
        name="local_result", table="local_result", label="Résultats positifs enregistrés localement",
        key=("territory_code", "result_date", "title"), period="result_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME"}, exclude=("action_id",),
        notes="Une ligne par résultat : nouvelle collaboration entre acteurs, nouvelle pratique ou outil proposé.",
    ),
    Dataset(
        name="followup_mechanism", table="followup_mechanism", declarable=False,
        label="Diagnostic en continu et suivi du plan d'actions",
        key=("territory_code", "year"), period="year", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME (bilan annuel)", territory_levels=("cme",),
        headers={"territory_code": "CME"},
        notes="Une ligne par CME et par année : un diagnostic en continu existe-t-il, le plan d'actions a-t-il un "
              "système de suivi (oui / non), et leurs modalités.",
    ),
    Dataset(
        name="at_tool", table="at_tool", label="Outils de l'animation territoriale",
        key=("territory_code", "created_date", "title"), period="created_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME"},
        lists=(ListColumn("recipients", "Destinataires", "at_tool_recipient", "tool_id", "actor_type", "recipients",
                          help="paires type d'acteur=nombre de professionnels destinataires, séparées par « | »"),),
    ),
    Dataset(
        name="at_need", table="at_need", label="Besoins repérés par l'animation territoriale",
        key=("territory_code", "identified_date", "nature"), period="identified_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME"},
        lists=(ListColumn("institutions", "Institutions concernées", "at_need_institution", "need_id",
                          "institution_code", help="codes des institutions, séparés par « | »"),),
        not_before=(("answered_date", "identified_date"),),
    ),
    Dataset(
        name="at_initiative", table="at_initiative",
        label="Démarches et solutions appuyées par l'animation territoriale",
        key=("territory_code", "initiative_date", "title"), period="initiative_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME", territory_levels=("cme",), form=True,
        headers={"territory_code": "CME"},
        notes="Une ligne par solution mise en œuvre, collaboration prolongée après une CTME, prise de relais, démarche "
              "de connaissance mutuelle ou de collaboration inter-structures engagée avec l'appui de l'AT.",
    ),
    Dataset(
        name="at_request", table="at_request", label="Sollicitations des animations territoriales",
        key=("territory_code", "request_date", "requester_type", "request_type"), keyless=True,
        period="request_date", scope=("territory_code",),
        sent_by="l'animation territoriale de chaque CME (registre des sollicitations)", territory_levels=("cme",),
        form=True, headers={"territory_code": "CME"},
        notes="Une ligne par sollicitation de l'animation territoriale par un acteur, sans nom ni référence : deux "
              "sollicitations de même type le même jour font deux lignes identiques.",
    ),
    Dataset(
        name="steering_decision", table="steering_decision", declarable=False,
        label="Décisions et axes d'amélioration",
        key=("territory_code", "decided_date", "title"), period="decided_date", scope=("territory_code",),
        replaces=False,
        sent_by="le secrétariat du CPR (décisions et axes régionaux) et l'animation territoriale de chaque CME",
        territory_levels=("region", "cme"), form=True,
        headers={"decided_date": "Date de la décision", "kind": "Nature", "title": "Intitulé",
                 "owner_institution_code": "Institution pilote", "due_date": "Échéance", "status": "Statut",
                 "closed_date": "Date de clôture"},
        not_before=(("due_date", "decided_date"), ("closed_date", "decided_date")),
        notes="Une ligne par décision ou axe d'amélioration retenu par le CPR (territoire R82) ou une CME. Il figure "
              "dans les bilans de chaque année jusqu'à sa clôture (statut « close » ou « abandonnee », avec sa date "
              "de clôture) et dans le mode réunion ; une échéance dépassée sans clôture est signalée. Un fichier "
              "ajoute ou met à jour des décisions, il n'en supprime jamais.",
    ),
    Dataset(
        name="objective", table="objective", declarable=False, label="Objectifs chiffrés des indicateurs",
        key=("indicator_id", "territory_code", "first_year"), period="first_year", scope=("territory_code",),
        replaces=False, admin_only=True,
        sent_by="les administrateurs (secrétariat du CPR), d'après la charte, les CPOM et les décisions du CPR",
        territory_levels=("region", "cme", "departement"), form=True,
        headers={"indicator_id": "Indicateur", "first_year": "Première année", "last_year": "Dernière année",
                 "rule": "Portée", "comparator": "Comparateur", "target": "Cible",
                 "source": "Origine de l'objectif", "note": "Précisions"},
        not_greater=(("first_year", "last_year"),),
        bounds=(("first_year", 2015, 2035), ("last_year", 2015, 2035), ("target", 0, 1e9)),
        notes="Une ligne par objectif : indicateur du référentiel (Q4.C1.I1…), territoire (R82 pour la région), "
              "années, portée (« chaque_annee » : chaque année de la période ; « echeance » : la valeur de la "
              "dernière année), comparateur (ge : au moins, le : au plus, eq : égal à) et cible dans l'unité où "
              "l'indicateur s'affiche (une part en %, de 0 à 100 ; un délai en jours). Là où un objectif "
              "s'applique, le verdict de l'indicateur est jugé par rapport à lui (docs/verdicts.md). Réservé aux "
              "administrateurs ; un fichier ajoute ou met à jour des objectifs, il n'en supprime jamais.",
    ),
    Dataset(
        name="data_declaration", table="data_declaration", label="Déclarations « rien cette année »",
        declarable=False, key=("dataset", "territory_code", "year"), period="year",
        scope=("dataset", "territory_code"), replaces=False,
        sent_by="le partenaire ou l'animation territoriale qui aurait envoyé les données",
        territory_levels=("departement", "cme", "region"), form=True,
        headers={"dataset": "Jeu de données", "note": "Commentaire"},
        notes="Une ligne par jeu de données, territoire et année sans aucun enregistrement : l'année se lit alors 0 "
              "(« rien ne s'est passé ») au lieu de « non transmis ». Des lignes reçues ensuite pour ce territoire et "
              "cette année l'emportent sur la déclaration.",
    ),
]

DATASETS: dict[str, Dataset] = {d.name: d for d in DATASET_LIST}


def _register_vocabularies() -> None:
    """The codes a declaration may name: the declarable datasets (a vocabulary like the others, so
    that the importer, the forms and the labels agree); and a label for every dataset a delivery may
    record (``data_delivery.dataset``), those of vocabulary.DATASET kept."""
    from .vocabulary import VOCABULARIES

    VOCABULARIES["declarable_dataset"] = {d.name: d.label for d in DATASET_LIST if d.declarable}
    for d in DATASET_LIST:
        if d.name != "data_declaration":
            VOCABULARIES["dataset"].setdefault(d.name, d.label)


_register_vocabularies()
