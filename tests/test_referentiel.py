"""The référentiel file against its schema, the charter's counts and the store."""

import copy

import pytest
import yaml
from pydantic import ValidationError

from dashboard.core.referentiel import REFERENTIEL_PATH, check_against_store, load_referentiel, parse_referentiel

# Counted from the charter's annex (DOMAIN.md): criteria / indicators per question.
CHARTER_COUNTS = {"Q1": (4, 15), "Q2": (4, 12), "Q3": (4, 19), "Q4": (5, 20), "Q5": (4, 8)}


@pytest.fixture(scope="module")
def raw():
    with open(REFERENTIEL_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_file_validates_against_schema():
    ref = load_referentiel()
    assert [q.id for q in ref.questions] == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]


@pytest.mark.parametrize("qid", sorted(CHARTER_COUNTS))
def test_questions_1_to_5_match_the_charter(qid):
    ref = load_referentiel()
    q = ref.question(qid)
    assert (len(q.criteria), len(ref.indicators(qid))) == CHARTER_COUNTS[qid]


def test_totals_21_criteria_74_indicators_and_q6_set():
    ref = load_referentiel()
    q15 = [q for q in ref.questions if q.id != "Q6"]
    assert sum(len(q.criteria) for q in q15) == 21
    assert sum(len(ref.indicators(q.id)) for q in q15) == 74
    q6 = ref.indicators("Q6")
    assert len(q6) >= 12
    # the five regional themes of the charter plus the national dashboard
    labels = " ".join(c.label for c in ref.question("Q6").criteria).lower()
    for theme in ("tableau de bord national", "précocité", "orientation", "mobilisation des offres",
                  "fluidification", "résultats"):
        assert theme in labels


def test_charter_wording_is_kept():
    ref = load_referentiel()
    assert ref.indicator("Q4.C3.I1").label.startswith("Nombre de CTME (l'indicateur doit être en baisse")
    assert ref.indicator("Q3.C1.I4").label == "Part des appelants sans reconnaissance TH"
    assert ref.question("Q2").label.startswith("Dans quelle mesure les démarches territorialisées")


def test_charter_directions():
    ref = load_referentiel()
    assert ref.indicator("Q4.C3.I1").direction == "to_zero"  # CTME count
    assert ref.indicator("Q4.C5.I1").direction == "to_zero"  # direct signalements handled by the AT
    assert ref.indicator("Q4.C3.I4").direction == "down"  # fewer complex orientations
    assert ref.indicator("Q3.C4.I1").direction == "up"  # calls
    assert ref.indicator("Q5.C2.I1").spread  # homogeneous across territories


# Issue 12: the charter gives these no direction (neutral wording, a transitory format, counts whose
# growth would contradict "Les AT ne se substituent pas aux acteurs du maintien").
NO_DIRECTION_IN_THE_CHARTER = ("Q1.C1.I4", "Q1.C3.I3", "Q3.C2.I1", "Q4.C1.I1", "Q5.C1.I2", "Q5.C3.I1",
                               "Q5.C3.I2", "Q4.C1.I2", "Q4.C4.I1", "Q4.C3.I2", "Q1.C4.I3")


@pytest.mark.parametrize("indicator_id", NO_DIRECTION_IN_THE_CHARTER)
def test_no_direction_where_the_charter_gives_none(indicator_id):
    assert load_referentiel().indicator(indicator_id).direction == "none"


def test_a_cumulative_indicator_has_no_direction():
    """A running total can only rise: a verdict on it could not fail."""
    ref = load_referentiel()
    assert [i.id for i in ref.indicators() if i.cumulative and i.direction != "none"] == []


def test_every_direction_says_why_in_the_charters_words():
    """The doc's table of directions is generated from `why:` (checked below); here, what it must say."""
    for i in load_referentiel().indicators():
        assert len(i.why) > 20, i.id
    # a kept direction quotes the charter (« … »); the schema refuses one that does not
    assert [i.id for i in load_referentiel().indicators() if i.direction != "none" and "«" not in i.why
            and not i.why.startswith("The same ambition")] == []


def test_schema_refuses_a_direction_without_the_charters_words(raw):
    broken = copy.deepcopy(raw)
    indicator = broken["questions"][0]["criteria"][0]["indicators"][0]
    assert indicator["direction"] == "up"
    indicator["why"] = "Because more participation is better for everybody."
    with pytest.raises(ValidationError, match="doit citer la Charte"):
        parse_referentiel(broken)
    del indicator["why"]
    with pytest.raises(ValidationError, match="why"):
        parse_referentiel(broken)


def test_every_source_exists_in_the_store():
    assert check_against_store(load_referentiel()) == []


def test_ids_and_required_fields(raw):
    ref = parse_referentiel(raw)
    for ind in ref.indicators():
        assert ind.label and ind.short_label and ind.unit and ind.source.producer


def test_schema_rejects_a_missing_label(raw):
    broken = copy.deepcopy(raw)
    del broken["questions"][0]["criteria"][0]["indicators"][0]["label"]
    with pytest.raises(ValidationError):
        parse_referentiel(broken)


def test_schema_rejects_an_unknown_kind(raw):
    broken = copy.deepcopy(raw)
    broken["questions"][3]["criteria"][2]["indicators"][0]["kind"] = "camembert"
    with pytest.raises(ValidationError):
        parse_referentiel(broken)


def test_schema_rejects_misnumbered_ids(raw):
    broken = copy.deepcopy(raw)
    broken["questions"][0]["criteria"][0]["indicators"][1]["id"] = "Q1.C1.I9"
    with pytest.raises(ValidationError, match="mal numéroté"):
        parse_referentiel(broken)


def test_schema_rejects_a_share_without_numerator(raw):
    broken = copy.deepcopy(raw)
    ind = broken["questions"][2]["criteria"][0]["indicators"][0]
    assert ind["kind"] == "share"
    del ind["source"]["numerator"]
    with pytest.raises(ValidationError, match="ne convient pas"):
        parse_referentiel(broken)


def test_store_check_catches_unknown_columns_and_codes(raw):
    broken = copy.deepcopy(raw)
    src = broken["questions"][2]["criteria"][0]["indicators"][0]["source"]
    src["where"] = {"caller_category": ["martien"], "nope": 1}
    problems = check_against_store(parse_referentiel(broken))
    assert any("martien" in p for p in problems)
    assert any("nope" in p for p in problems)


def test_survey_questions_are_declared():
    ref = load_referentiel()
    codes = {s.code for s in ref.survey_questions}
    used = {i.source.question for i in ref.indicators() if i.kind == "survey"}
    assert used and used <= codes


def _find(raw, ind_id):
    for q in raw["questions"]:
        for c in q["criteria"]:
            for ind in c["indicators"]:
                if ind["id"] == ind_id:
                    return ind
    raise KeyError(ind_id)


def test_store_check_refuses_unquoted_numeric_codes_and_unknown_in_table(raw):
    broken = copy.deepcopy(raw)
    src = _find(broken, "Q6.C1.I11")["source"]
    src["numerator"]["where"]["company_size"] = ["moins_11", 1149]   # what YAML makes of an unquoted 11_49
    _find(broken, "Q2.C2.I3")["source"]["numerator"]["where"]["id"] = {"in_table": "action_frein.nope"}
    problems = check_against_store(parse_referentiel(broken))
    assert any("1149" in p and "guillemets" in p for p in problems)
    assert any("action_frein.nope" in p for p in problems)


def test_schema_wants_exactly_one_time_axis(raw):
    broken = copy.deepcopy(raw)
    src = _find(broken, "Q2.C2.I4")["source"]
    assert src["span"] == ["period_start", "period_end"]
    src["year"] = "period_start"
    with pytest.raises(ValidationError, match="exactement un"):
        parse_referentiel(broken)


def test_schema_refuses_a_survey_that_mixes_respondent_types(raw):
    broken = copy.deepcopy(raw)
    del _find(broken, "Q4.C3.I2")["source"]["where"]["respondent_type"]
    with pytest.raises(ValidationError, match="type de répondant"):
        parse_referentiel(broken)


def test_the_generated_table_of_docs_referentiel_is_current():
    from dashboard.reports import referentiel_doc

    text = referentiel_doc.DOC.read_text(encoding="utf-8")
    assert referentiel_doc.updated_doc(text) == text, "run: python -m dashboard referentiel --write"


def test_a_new_indicator_changes_the_generated_table(tmp_path):
    """One edit of a copy of referentiel.yaml: the copy validates and the doc's table counts it."""
    import yaml

    from dashboard.core.referentiel import REFERENTIEL_PATH, parse_referentiel
    from dashboard.reports import referentiel_doc

    data = yaml.safe_load(REFERENTIEL_PATH.read_text(encoding="utf-8"))
    crit = data["questions"][4]["criteria"][0]             # Q5.C1
    new = dict(crit["indicators"][-1])
    n = len(crit["indicators"]) + 1
    new["id"] = f"{crit['id']}.I{n}"
    crit["indicators"].append(new)
    ref = parse_referentiel(data)
    assert len(ref.indicators("Q5")) == len(load_referentiel().indicators("Q5")) + 1
    table = referentiel_doc.counts_markdown(ref)
    assert f"| Q5 | {ref.question('Q5').title} | 4 | {len(ref.indicators('Q5'))} |" in table
    assert referentiel_doc.counts_markdown(ref) != referentiel_doc.counts_markdown(load_referentiel())


# The tests a new indicator touches: the schema and the charter's guard, the kind registry, roll-ups,
# the sample's coverage, the ways in, the CLI's coverage, the page's blocks and the bilan.
NEW_INDICATOR_TESTS = [
    "tests/test_referentiel.py", "tests/test_kinds.py", "tests/test_rollup.py", "tests/test_sample.py",
    "tests/test_registries.py",
    "tests/test_cli.py::test_coverage_json_lists_every_indicator_with_data",
    "tests/test_question_pages.py::test_default_filters_one_block_per_indicator",
    "tests/test_bilan.py::test_bilan_holds_every_indicator_of_every_question",
]


def test_a_new_indicator_is_one_edit_of_the_referentiel(tmp_path):
    """Issue 13's promise: a new indicator of an existing kind is one edit of referentiel.yaml.

    A copy gets one more Q6 indicator (the charter leaves Q6's list open; Q1-Q5 are guarded by
    CHARTER_COUNTS) and the tests it touches run against it (``MAINTIEN_REFERENTIEL``): they derive
    their counts from the référentiel, so they pass with no other change. Only the generated tables of
    docs/referentiel.md are then stale, which their own test reports ("referentiel --write").
    """
    import os
    import subprocess
    import sys

    from dashboard.reports import referentiel_doc

    data = yaml.safe_load(REFERENTIEL_PATH.read_text(encoding="utf-8"))
    q6c4 = next(c for c in data["questions"][5]["criteria"] if c["id"] == "Q6.C4")
    new = copy.deepcopy(next(i for i in q6c4["indicators"] if i["id"] == "Q6.C4.I2"))
    new_id = f"Q6.C4.I{len(q6c4['indicators']) + 1}"
    new.update(id=new_id, label="Nombre d'études ergonomiques mobilisées (indicateur ajouté par le test)",
               short_label="Études ergonomiques", why="« Mobilisation des offres de service », as Q6.C4.I1.")
    new["source"]["where"] = {"measure": ["etude_ergonomique"]}
    q6c4["indicators"].append(new)
    copy_path = tmp_path / "referentiel.yaml"
    copy_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    ref = load_referentiel(copy_path)
    assert ref.indicator(new_id).kind == "count"
    assert len(ref.indicators()) == len(load_referentiel().indicators()) + 1

    root = REFERENTIEL_PATH.parents[2]
    env = {**os.environ, "MAINTIEN_REFERENTIEL": str(copy_path)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *NEW_INDICATOR_TESTS,
                          "--deselect", "tests/test_referentiel.py::test_a_new_indicator_is_one_edit_of_the_referentiel",
                          "-k", "not the_generated_table_of_docs_referentiel_is_current"],
                         cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and " failed" not in run.stdout
    # those runs read the copy: the app's référentiel there has the new indicator
    seen = subprocess.run([sys.executable, "-c", "from dashboard.core.referentiel import load_referentiel as l; "
                           "print(len(l().indicators('Q6')), l().indicator('" + new_id + "').short_label)"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert seen.stdout.split(maxsplit=1) == [str(len(ref.indicators("Q6"))), "Études ergonomiques\n"], seen.stderr
    # the one thing left: the generated tables, which the doc test would flag until `referentiel --write`
    doc = referentiel_doc.DOC.read_text(encoding="utf-8")
    assert referentiel_doc.updated_doc(doc, ref) != doc
    assert f"| {new_id} | `up` |" in referentiel_doc.directions_markdown(ref)
