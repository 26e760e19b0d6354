"""Numeric objectives (issue 15, point 2): the status of an objective on hand-made series, the verdict
that follows it, and the register written through the validating importer into a store made with
``init``, read back by :func:`dashboard.core.indicators.compute`."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.core.objectives import Objective, judge, meets, pick, verdict_for
from dashboard.core.results import Verdict

YEARS = (2016, 2017, 2018, 2019, 2020)


def series(*values) -> pd.Series:
    return pd.Series([math.nan if v is None else float(v) for v in values], index=list(YEARS[:len(values)]))


def objective(rule="chaque_annee", comparator="ge", target=2.0, first=2016, last=2020) -> Objective:
    return Objective("Q4.C3.I1", "R82", first, last, rule, comparator, target)


# --- the comparators -------------------------------------------------------------------------------


@pytest.mark.parametrize("value,comparator,target,expected", [
    (2, "ge", 2, True), (1.999, "ge", 2, False), (3, "ge", 2, True),
    (10, "le", 10, True), (10.01, "le", 10, False), (0, "le", 10, True),
    (0, "eq", 0, True), (1, "eq", 0, False), (0.1 + 0.2, "eq", 0.3, True),
])
def test_meets(value, comparator, target, expected):
    assert meets(value, comparator, target) is expected


# --- "chaque année": the last year with a value decides, the others are counted -------------------------


def test_every_year_met_in_the_last_year_counts_the_years_met():
    # 3, 1, 2, 4, 2 against "au moins 2": met in 2016, 2018, 2019, 2020 (4 of 5); 2020 (2) decides
    s = judge(objective(), series(3, 1, 2, 4, 2), YEARS, unit="séances")
    assert (s.code, s.year, s.value, s.met, s.judged) == ("atteint", 2020, 2.0, 4, 5)
    assert s.sentence == ("Objectif : au moins 2 séances chaque année de 2016 à 2020 ; atteint en 2020 (2 séances) ; "
                          "cible atteinte 4 années sur 5 jugées.")


def test_every_year_missed_in_the_last_year():
    s = judge(objective(), series(3, 3, 3, 3, 1), YEARS)
    assert (s.code, s.year, s.met, s.judged) == ("non_atteint", 2020, 4, 5)


def test_a_year_without_value_is_not_a_failure_and_is_named():
    # 2020 not sent (NaN): 2019 decides; the sentence names 2020 as without value
    s = judge(objective(), series(1, 1, 1, 2, None), YEARS)
    assert (s.code, s.year, s.met, s.judged) == ("atteint", 2019, 1, 4)
    assert s.sentence.endswith("sans valeur : 2020.")


def test_a_true_zero_is_judged():
    s = judge(objective(comparator="le", target=0), series(2, 1, 0), YEARS[:3])
    assert (s.code, s.year, s.value) == ("atteint", 2018, 0.0)


def test_no_value_at_all():
    s = judge(objective(), series(None, None), YEARS[:2])
    assert (s.code, s.year, s.judged) == ("sans_donnee", None, 0)


def test_only_the_years_of_the_span_within_the_period_count():
    # span 2018-2020, period 2016-2019: 2016 and 2017 (misses) are outside the span, 2020 outside the period
    s = judge(objective(first=2018), series(0, 0, 5, 1, 9), YEARS[:4])
    assert (s.code, s.year, s.met, s.judged) == ("non_atteint", 2019, 1, 2)


def test_a_span_outside_the_period_does_not_apply():
    assert judge(objective(first=2019, last=2020), series(1, 1, 1), YEARS[:3]) is None


# --- "à l'échéance": the deadline's value, "en cours" before it -----------------------------------------


def test_deadline_in_the_period():
    obj = objective(rule="echeance", comparator="eq", target=0)
    s = judge(obj, series(6, 4, 3, 1, 0), YEARS)
    assert (s.code, s.year, s.value) == ("atteint", 2020, 0.0)
    assert s.sentence == "Objectif : 0 en 2020 ; atteint : 0 en 2020."
    assert judge(obj, series(6, 4, 3, 1, 1), YEARS).code == "non_atteint"
    assert judge(obj, series(6, 4, 3, 0, None), YEARS).code == "sans_donnee"


def test_deadline_after_the_period_is_in_progress():
    obj = objective(rule="echeance", comparator="eq", target=0)
    s = judge(obj, series(6, 4, 3), YEARS[:3])
    assert (s.code, s.year, s.value) == ("en_cours", 2018, 3.0)
    assert "échéance 2020 ; 3 en 2018, pas encore au niveau de la cible" in s.sentence


def test_a_share_target_is_in_percent():
    # "au plus 10 %": 12 %, then 9,5 %; values are shares in [0, 1]
    obj = Objective("Q6.C1.I2", "R82", 2019, 2020, "chaque_annee", "le", 10.0)
    s = judge(obj, pd.Series([0.12, 0.095], index=[2019, 2020]), (2019, 2020), percent=True)
    assert (s.code, s.met, s.judged) == ("atteint", 1, 2)
    assert "au plus 10\u202f% chaque année de 2019 à 2020" in s.sentence and "(9,5\u202f%)" in s.sentence


# --- the verdict that follows -----------------------------------------------------------------------------


TREND = Verdict("en_bonne_voie", "Baisse régulière.", slope=-1.0, first=6, last=3, points=3)


@pytest.mark.parametrize("code,expected", [
    ("atteint", "atteint"), ("non_atteint", "defavorable"), ("sans_donnee", "donnees_insuffisantes"),
    ("en_cours", "en_bonne_voie"),
])
def test_verdict_follows_the_objective(code, expected):
    obj = objective(rule="echeance", comparator="eq", target=0)
    values = {"atteint": (6, 4, 3, 1, 0), "non_atteint": (6, 4, 3, 1, 1), "sans_donnee": (6, 4, 3, 1, None),
              "en_cours": (6, 4, 3)}[code]
    s = judge(obj, series(*values), YEARS[:len(values)])
    assert s.code == code
    v = verdict_for(s, TREND)
    assert v.code == expected
    assert v.reason.startswith("Objectif : 0 en 2020")
    if code == "en_cours":
        assert v.reason.endswith("Tendance : Baisse régulière.")


def test_the_objective_ending_last_decides():
    a = judge(objective(first=2016, last=2018), series(3, 3, 3, 0, 0), YEARS)
    b = judge(objective(first=2019, last=2020), series(3, 3, 3, 0, 0), YEARS)
    assert pick([a, b]) is b and b.code == "non_atteint" and a.code == "atteint"


def test_an_objective_is_checked():
    with pytest.raises(ValueError):
        Objective("Q4.C3.I1", "R82", 2020, 2016, "chaque_annee", "ge", 2)
    with pytest.raises(ValueError):
        Objective("Q4.C3.I1", "R82", 2016, 2020, "chaque_annee", ">=", 2)


# --- the register, through the validating importer, into a store made with init ------------------------

from dashboard.core.filters import Filters  # noqa: E402
from dashboard.core.indicators import Reference, compute  # noqa: E402
from dashboard.core.referentiel import load_referentiel  # noqa: E402
from dashboard.services.importing import context_kwargs  # noqa: E402
from data_access import imports, records  # noqa: E402
from data_access.intake import IntakeError  # noqa: E402
from data_access.users import add_user  # noqa: E402

CTME = """
CME;Date de la séance;Situations examinées
CME38;10/03/2016;2
CME38;10/04/2016;2
CME38;10/05/2016;2
CME38;10/06/2016;2
CME38;10/03/2017;2
CME38;10/04/2017;2
CME38;10/05/2017;2
CME38;10/03/2018;2
CME38;10/04/2018;2
CME38;10/03/2019;2
"""
# CME38's CTME: 4 in 2016, 3 in 2017, 2 in 2018, 1 in 2019, none in 2020 (declared: a true 0)
OBJECTIVES = """
Indicateur;Territoire;Première année;Dernière année;Portée;Comparateur;Cible;Origine de l'objectif
Q4.C3.I1;CME38;2016;2019;echeance;eq;0;Décision du CPR du 15/03/2016
"""


def _csv(text: str) -> bytes:
    return ("\ufeff" + text.strip() + "\r\n").encode("utf-8")


def load(engine, name: str, text: str, user=None):
    checked = imports.check(engine, _csv(text), f"{name}.csv", dataset=name, user=user,
                            username=user.username if user else "t", context=context_kwargs())
    if checked.ok:
        imports.confirm(engine, checked, username="t", removals_confirmed=True)
    return checked


def result(engine, first: int, last: int, territory: str = "CME38"):
    return compute(engine, load_referentiel().indicator("Q4.C3.I1"), Filters(first, last, territory),
                   Reference.from_engine(engine))


@pytest.fixture
def ctme_store(init_store):
    assert load(init_store, "ctme_session", CTME).ok
    assert load(init_store, "data_declaration", "Jeu de données;Territoire;Année\nctme_session;CME38;2020").ok
    return init_store


def test_the_register_drives_the_verdict_and_keeps_the_trend_beside_it(ctme_store):
    before = result(ctme_store, 2016, 2020)
    assert before.objectives == [] and before.trend_verdict is None
    assert before.verdict.code == "atteint"            # to zero, a true 0 in 2020
    assert load(ctme_store, "objective", OBJECTIVES).ok
    res = result(ctme_store, 2016, 2020)
    # "0 en 2019": 2019 had 1 CTME → not reached, whatever 2020 says
    [status] = res.objectives
    assert (status.code, status.year, status.value) == ("non_atteint", 2019, 1.0)
    assert res.verdict.code == "defavorable"
    assert res.verdict.reason == "Objectif : 0 séance en 2019 ; non atteint : 1 séance en 2019."
    assert res.trend_verdict.code == "atteint"
    # period 2016-2018: the deadline lies ahead → en cours, the trend decides the verdict
    early = result(ctme_store, 2016, 2018)
    assert early.objectives[0].code == "en_cours" and early.objectives[0].value == 2.0
    assert early.verdict.code == early.trend_verdict.code
    assert early.verdict.reason.startswith("Objectif : 0 séance en 2019 ; échéance 2019 ; 2 séances en 2018, pas encore")
    # another territory, the region: no objective of theirs
    region = result(ctme_store, 2016, 2020, "R82")
    assert region.objectives == [] and region.trend_verdict is None


def test_reimporting_the_register_changes_nothing_and_a_new_target_updates_it(ctme_store):
    assert load(ctme_store, "objective", OBJECTIVES).ok
    again = load(ctme_store, "objective", OBJECTIVES)
    pv = again.preview
    assert again.ok and (len(pv.added), len(pv.updated), len(pv.removed), pv.unchanged) == (0, 0, 0, 1)
    changed = load(ctme_store, "objective", OBJECTIVES.replace(";eq;0;", ";le;1;"))
    assert (len(changed.preview.added), len(changed.preview.updated)) == (0, 1)
    res = result(ctme_store, 2016, 2020)
    assert [s.code for s in res.objectives] == ["atteint"] and res.verdict.code == "atteint"


@pytest.mark.parametrize("row,expected", [
    ("Q9.C9.I9;R82;2016;2020;chaque_annee;ge;2;",
     "colonne « Indicateur » : valeur « Q9.C9.I9 » — attendu : un identifiant d'indicateur du référentiel qui a "
     "une valeur par année"),
    ("Q4.C3.I1;R82;2020;2016;chaque_annee;ge;2;", "Première année"),
    ("Q4.C3.I1;R82;2016;2020;chaque_annee;>=;2;", "Comparateur"),
    ("Q3.C1.I3;R82;2016;2020;chaque_annee;ge;150;", "une part en % comprise entre 0 et 100"),
])
def test_a_wrong_objective_is_refused_with_line_and_column(init_store, row, expected):
    header = OBJECTIVES.strip().splitlines()[0]
    checked = load(init_store, "objective", f"{header}\n{row}")
    assert not checked.ok
    text = " ".join(checked.problems)
    assert "objective.csv" in text and "ligne 2" in text and expected in text, text


def test_only_an_administrator_writes_objectives(init_store):
    animateur = add_user(init_store, "a.isere", "un-mot-de-passe-solide", role="animateur", territories=["CME38"])
    checked = load(init_store, "objective", OBJECTIVES, user=animateur)
    assert not checked.ok
    assert "réservé aux administrateurs" in " ".join(checked.problems)
    with pytest.raises(IntakeError, match="réservé aux administrateurs"):
        records.save_record(init_store, "objective", {
            "indicator_id": "Q4.C3.I1", "territory_code": "CME38", "first_year": 2016, "last_year": 2019,
            "rule": "echeance", "comparator": "eq", "target": 0.0}, animateur, context=context_kwargs())
    admin = add_user(init_store, "admin2", "un-mot-de-passe-solide", role="administrateur")
    assert load(init_store, "objective", OBJECTIVES, user=admin).ok


# --- read back: the question page, its CSV, the bilan ------------------------------------------------------


def test_the_page_its_csv_and_the_bilan_show_the_objective(ctme_store, app_factory):
    import io
    import json

    from openpyxl import load_workbook

    from dashboard.render.tables import data_table
    from dashboard.reports import bilan as B
    from dashboard.reports import bilan_export as X
    from dashboard.views.question import criterion_tab, tabs_key

    assert load(ctme_store, "objective", OBJECTIVES).ok
    sentence = "Objectif : 0 séance en 2019 ; non atteint : 1 séance en 2019."
    # the page: Q4, criterion C3, CME Isère, default period (2016-2020)
    at = app_factory(ctme_store.url.render_as_string(hide_password=False))
    at.run()
    q4 = load_referentiel().question("Q4")
    at.switch_page(f"app_pages/{q4.page}.py")
    at.run()
    at.session_state[tabs_key("Q4")] = criterion_tab(next(c for c in q4.criteria if c.id == "Q4.C3"))
    at.run()
    at.sidebar.selectbox(key="territoire").set_value("CME38")
    at.run()
    assert not at.exception, at.exception
    texts = [str(m.value) for m in at.markdown]
    assert f"**Défavorable** — {sentence}" in texts, texts
    captions = [str(c.value) for c in at.caption]
    assert any(c.startswith("Tendance, sans tenir compte de l'objectif : atteint — ") for c in captions), captions
    specs = json.dumps([json.loads(c.proto.spec) for c in at.get("plotly_chart")], ensure_ascii=False)
    assert "Objectif (non atteint)" in specs and sentence in specs
    # its CSV: the target, year by year over the objective's span within the period
    res = result(ctme_store, 2016, 2020)
    table = data_table(res)
    target = table[table["Série"].str.startswith("Objectif")]
    assert list(target["Année"]) == [2016, 2017, 2018, 2019] and set(target["Valeur"]) == {0.0}
    assert set(target["Catégorie"]) == {"Cible (non atteint)"}
    # the bilan of 2019: the synthesis' table and the XLSX sheet "Objectifs"
    ref = Reference.from_engine(ctme_store)
    bilan = B.build_bilan(ctme_store, load_referentiel(), ref, "CME38", 2019)
    html = X.render_html(bilan, interactive=False, images={})
    assert "Objectifs chiffrés" in html and sentence in html and 'class="verdict o-non_atteint"' in html
    book = load_workbook(io.BytesIO(X.to_xlsx(bilan)))
    ws = book["Objectifs"]
    header = [c.value for c in ws[3]]
    [row] = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    got = dict(zip(header, row))
    assert (got["Indicateur"], got["Statut"], got["Année jugée"], got["Valeur"]) == ("Q4.C3.I1", "Non atteint", 2019, 1)
    assert got["Objectif"] == "0 séance en 2019" and got["Origine"] == "Décision du CPR du 15/03/2016"


def test_the_command_line_adds_lists_updates_and_removes_an_objective_journaled(ctme_store, cli):
    from sqlalchemy import select

    from data_access.db import table

    url = ctme_store.url.render_as_string(hide_password=False)
    run = lambda *a: cli("--database-url", url, "objectif", *a)  # noqa: E731
    got = run("add", "--indicateur", "Q4.C3.I1", "--territoire", "CME38", "--de", "2016", "--a", "2019",
              "--portee", "echeance", "--comparateur", "eq", "--cible", "0", "--origine", "Décision du CPR")
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == "Objectif n° 1 enregistré."
    assert result(ctme_store, 2016, 2020).verdict.code == "defavorable"
    listed = run("list", "--territoire", "CME38").stdout.strip()
    assert listed == ("n° 1 · Q4.C3.I1 · CME38 · 2016-2019 · à l'échéance (dernière année) · égal à (=) 0 · "
                      "Décision du CPR")
    # same indicator, territory and first year: the objective is updated, not doubled
    got = run("add", "--indicateur", "Q4.C3.I1", "--territoire", "CME38", "--de", "2016", "--a", "2019",
              "--portee", "echeance", "--comparateur", "le", "--cible", "1,5")
    assert got.stdout.strip() == "Objectif n° 1 modifié."
    assert result(ctme_store, 2016, 2020).verdict.code == "atteint"
    # refusals in French, nothing written: an unknown indicator, an animateur
    got = run("add", "--indicateur", "Q4.C9.I9", "--territoire", "CME38", "--de", "2016", "--a", "2019",
              "--portee", "echeance", "--comparateur", "le", "--cible", "1")
    assert got.returncode == 1 and "Q4.C9.I9" in got.stderr and "valeur par année" in got.stderr
    add_user(ctme_store, "a.isere", "un-mot-de-passe-solide", role="animateur", territories=["CME38"])
    got = run("remove", "1", "--utilisateur", "a.isere")
    assert got.returncode == 1 and "réservé aux administrateurs" in got.stderr
    assert run("remove", "1").stdout.strip() == "Objectif n° 1 supprimé."
    assert run("list").stdout.strip() == "Aucun objectif."
    with ctme_store.connect() as conn:
        journal = conn.execute(select(table("journal_entry").c.action, table("journal_entry").c.dataset)
                               .where(table("journal_entry").c.dataset == "objective")
                               .order_by(table("journal_entry").c.id)).all()
    assert [a for a, _ in journal] == ["saisie", "modification", "suppression"]
