from collections import Counter

from dashboard.rollup import RollUp


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
    assert r.short() == "2 / 3 indicateurs atteints ou en bonne voie"
    assert r.sentence() == "Sur 4 indicateurs, 4 ont une cible : 2 atteints, 1 à surveiller ; 1 sans données suffisantes."
