from collections import Counter

from dashboard.core.rollup import RollUp
from tests.conftest import across_criteria


def _r(**counts):
    c = Counter(counts)
    return RollUp(total=sum(c.values()), with_target=sum(c.values()), counts=c)


def test_overall_never_harsher_than_its_indicators():
    assert _r(atteint=2, a_surveiller=4).overall == "a_surveiller"  # no défavorable: not "défavorable"
    assert _r(atteint=2, defavorable=1).overall == "defavorable"
    assert _r(atteint=3, en_bonne_voie=1).overall == "en_bonne_voie"
    assert _r(atteint=4).overall == "atteint"
    assert _r(atteint=6, defavorable=1, en_bonne_voie=1).overall == "a_surveiller"
    assert _r(donnees_insuffisantes=3).overall == "donnees_insuffisantes"


def test_sentences():
    r = _r(atteint=2, a_surveiller=1, donnees_insuffisantes=1)
    assert r.short() == "3 indicateurs jugés sur 4 · 2 atteints ou en bonne voie"
    assert r.sentence() == "Sur 4 indicateurs, 4 ont une cible : 2 atteints, 1 à surveiller ; 1 sans données suffisantes."


# --- issue 12: roll-ups say their coverage -------------------------------------------------------


def test_atteint_needs_every_targeted_indicator_judged():
    # 4 atteints, 2 without enough data: not "atteint" (we do not know about the other 2)
    r = _r(atteint=4, donnees_insuffisantes=2)
    assert r.judged == 4 and r.with_target == 6
    assert r.overall == "en_bonne_voie"
    assert r.short() == "4 indicateurs jugés sur 6 · 4 atteints ou en bonne voie"
    # the same with 2 "à confirmer": they are not judged either
    r = _r(atteint=4, a_confirmer=2)
    assert r.overall == "en_bonne_voie" and r.coverage == "4 indicateurs jugés sur 6"
    assert r.sentence() == "Sur 6 indicateurs, 6 ont une cible : 4 atteints ; 2 à confirmer (faibles effectifs)."
    # all six judged and atteints: atteint
    assert _r(atteint=6).overall == "atteint"


def test_a_minority_of_judged_indicators_does_not_speak_for_the_group():
    # 2 judged of 5 (< half): données insuffisantes, whatever the 2 say
    assert _r(atteint=2, a_confirmer=2, donnees_insuffisantes=1).overall == "donnees_insuffisantes"
    assert _r(defavorable=2, a_confirmer=3).overall == "donnees_insuffisantes"
    # exactly half judged: read on them (3 of 6, one défavorable = a third → défavorable)
    assert _r(atteint=2, defavorable=1, a_confirmer=3).overall == "defavorable"


def test_coverage_wording():
    assert _r(atteint=1, a_confirmer=1).coverage == "1 indicateur jugé sur 2"
    assert _r(a_confirmer=3).short() == "0 indicateur jugé sur 3 : données insuffisantes pour juger"
    assert _r(a_confirmer=3).overall == "donnees_insuffisantes"
    assert RollUp(total=4, with_target=0, counts=Counter()).short() == "indicateurs descriptifs, sans cible"
    assert _r(en_bonne_voie=1, a_surveiller=1).short() == "2 indicateurs jugés sur 2 · 1 atteint ou en bonne voie"


def test_roll_up_counts_results_with_a_target_and_a_confirmer():
    from dashboard.core.referentiel import load_referentiel
    from dashboard.core.results import IndicatorResult, Verdict
    from dashboard.core.rollup import most_off_track, roll_up

    ref = load_referentiel()
    directed = [i for i in ref.indicators() if i.direction != "none" and not i.spread][:4]
    descriptive = [i for i in ref.indicators() if i.direction == "none" and not i.spread][:2]
    verdicts = [Verdict("atteint", "."), Verdict("a_confirmer", "."), None, Verdict("defavorable", ".")]
    results = [IndicatorResult(indicator=i, selection_label="Rhône-Alpes", verdict=v)
               for i, v in zip(directed, verdicts)]
    results += [IndicatorResult(indicator=i, selection_label="Rhône-Alpes") for i in descriptive]
    r = roll_up(results)
    assert (r.total, r.with_target, r.judged) == (6, 4, 2)
    assert r.counts == Counter(atteint=1, a_confirmer=1, donnees_insuffisantes=1, defavorable=1)
    assert r.coverage == "2 indicateurs jugés sur 4"
    assert r.overall == "defavorable"  # 1 défavorable of 2 judged ≥ a third
    # "à confirmer" is never listed as off track
    assert [x.verdict.code for x in most_off_track(results)] == ["defavorable"]


# --- in the app: the rule is readable, the tiles say their coverage ---------------------------------


def test_question_page_and_home_show_the_verdict_rule_and_the_coverage(sample_url, app_factory):
    import re

    from dashboard.core.referentiel import load_referentiel
    from dashboard.core.verdict import ROLE_DOC

    q = load_referentiel().question("Q4")
    at = app_factory(sample_url).run()
    assert not at.exception, at.exception
    # home: one tile per question says "N jugé(s) sur M" under its verdict, and the rule is under the chart
    tiles = [h.value for h in at.get("html") if re.search(r'class="tile-coverage">\d+ jugés? sur \d+<', h.value)]
    assert len(tiles) == len([x for x in load_referentiel().questions
                              if any(i.direction != "none" or i.spread for i in load_referentiel().indicators(x.id))])
    rule = [e for e in at.expander if e.label == "Comment lire les verdicts"]
    assert len(rule) == 1 and rule[0].markdown[0].value == ROLE_DOC.strip()
    # a question page: the rule at the top, with the minimum volume and "non transmis"
    at.switch_page(f"app_pages/{q.page}.py")
    at.run()
    assert not at.exception, at.exception
    rule = [e for e in at.expander if e.label == "Comment lire les verdicts"]
    assert len(rule) == 1
    text = rule[0].markdown[0].value
    assert "À confirmer (faibles effectifs)" in text and "« non transmis »" in text and "au moins **20**" in text
    # every criterion line says its coverage (or that it has no target)
    lines = across_criteria(at, q, lambda t: [str(c.value) for c in t.caption if re.match(r"^Q4\.C\d · ", str(c.value))])
    assert len(lines) == len(q.criteria)
    assert all(re.search(r"\d+ indicateurs? jugés? sur \d+|sans cible", t) for t in lines), lines


def test_the_bilan_states_the_minimum_volume_and_colours_a_confirmer(sample_engine):
    from dashboard.core.indicators import Reference
    from dashboard.core.referentiel import load_referentiel
    from dashboard.core.verdict import MIN_VOLUME
    from dashboard.reports import bilan as B
    from dashboard.reports import bilan_export as X

    bilan = B.build_bilan(sample_engine, load_referentiel(), Reference.from_engine(sample_engine), "CME42", 2019,
                          sample=True)
    html = X.render_html(bilan, interactive=False)
    assert f"moins de {MIN_VOLUME} événements, personnes ou situations par an" in html
    # the Loire's CTME sessions (3, 5, 7, 9 over 2016-2019) read "à confirmer", in its colour class
    assert '<span class="verdict v-a_confirmer">À confirmer (faibles effectifs)</span>' in html
