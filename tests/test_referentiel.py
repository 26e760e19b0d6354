"""The référentiel file against its schema, the charter's counts and the store."""

import copy

import pytest
import yaml
from pydantic import ValidationError

from dashboard.referentiel import REFERENTIEL_PATH, check_against_store, load_referentiel, parse_referentiel

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
