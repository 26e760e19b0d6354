"""Analysis comments: validation, write / edit / delete, and where they show."""

import pytest
from sqlalchemy import func, select

from dashboard.bilan import build_bilan, comment_targets
from dashboard.indicators import Reference
from dashboard.referentiel import load_referentiel
from data_access import comments as store
from data_access.db import make_engine, table
from tests.conftest import fill_with_sample

REF = load_referentiel()
TARGETS = comment_targets(REF)


@pytest.fixture(scope="module")
def store_url(new_database_url):
    """A sample store this module may write to."""
    return fill_with_sample(new_database_url())


@pytest.fixture
def engine(store_url):
    eng = make_engine(store_url)
    yield eng
    eng.dispose()


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table("analysis_comment"))).scalar_one()


def test_targets_are_indicators_questions_and_the_whole_bilan():
    assert "BILAN" in TARGETS and "Q4" in TARGETS and "Q4.C3.I1" in TARGETS
    assert len(TARGETS) == 1 + 6 + len(REF.indicators())


def test_add_edit_delete(engine):
    before = _count(engine)
    cid = store.add(engine, target="Q4.C3.I1", territory="CME42", year=2019, author=" Animateur Loire ",
                    text="  Hausse des CTME : besoin de qualification partagée.  ", valid_targets=TARGETS)
    row = store.for_territory(engine, "CME42", years=[2019], targets=["Q4.C3.I1"]).set_index("id").loc[cid]
    assert row["author"] == "Animateur Loire" and row["text"].startswith("Hausse des CTME")
    created = row["created_at"]
    store.edit(engine, cid, author="Animatrice Loire", text="Texte revu.")
    row = store.for_territory(engine, "CME42", years=[2019]).set_index("id").loc[cid]
    assert (row["author"], row["text"]) == ("Animatrice Loire", "Texte revu.")
    assert row["updated_at"] >= created
    assert _count(engine) == before + 1
    store.remove(engine, cid)
    assert _count(engine) == before
    with pytest.raises(store.CommentError, match="n'existe plus"):
        store.remove(engine, cid)


def test_invalid_comments_are_refused_with_every_problem_and_nothing_written(engine):
    before = _count(engine)
    with pytest.raises(store.CommentError) as err:
        store.add(engine, target="Q9.C1.I1", territory="CME99", year=2031, author="", text="   ",
                  valid_targets=TARGETS)
    problems = err.value.problems
    assert len(problems) == 5
    assert any("Q9.C1.I1" in p for p in problems) and any("CME99" in p for p in problems)
    assert any("2031" in p for p in problems) and any("auteur" in p for p in problems)
    assert any("vide" in p for p in problems)
    with pytest.raises(store.CommentError, match="dépasse 4000 caractères"):
        store.add(engine, target="Q4", territory="CME42", year=2019, author="A", text="x" * 4001,
                  valid_targets=TARGETS)
    assert _count(engine) == before


def test_a_comment_shows_in_the_bilan_of_its_territory_only(engine):
    ref = Reference.from_engine(engine)
    store.add(engine, target="Q4", territory="CME42", year=2019, author="Animateur Loire",
              text="Lecture de la question 4 pour la Loire.", valid_targets=TARGETS)
    store.add(engine, target="BILAN", territory="CME42", year=2019, author="Animateur Loire",
              text="Une année de consolidation.", valid_targets=TARGETS)
    loire = build_bilan(engine, REF, ref, "CME42", 2019)
    q4 = next(s for s in loire.sections if s.question.id == "Q4")
    assert [c.text for c in q4.comments] == ["Lecture de la question 4 pour la Loire."]
    assert [c.text for c in loire.comments] == ["Une année de consolidation."]
    isere = build_bilan(engine, REF, ref, "CME38", 2019)
    assert not isere.comments and not next(s for s in isere.sections if s.question.id == "Q4").comments
