import pandas as pd
import pytest

from dashboard.core.filters import REGION, Filters, describe, territory_label, territory_options, territory_scope

TERR = pd.DataFrame([
    {"code": "R82", "name": "Rhône-Alpes", "level": "region", "parent_code": None},
    {"code": "07", "name": "Ardèche", "level": "departement", "parent_code": "R82"},
    {"code": "26", "name": "Drôme", "level": "departement", "parent_code": "R82"},
    {"code": "38", "name": "Isère", "level": "departement", "parent_code": "R82"},
    {"code": "CME0726", "name": "Drôme-Ardèche", "level": "cme", "parent_code": "R82"},
    {"code": "CME38", "name": "Isère", "level": "cme", "parent_code": "R82"},
    {"code": "R11", "name": "Île-de-France", "level": "region", "parent_code": None},
])
PERIM = pd.DataFrame([
    {"cme_code": "CME0726", "departement_code": "07"},
    {"cme_code": "CME0726", "departement_code": "26"},
    {"cme_code": "CME38", "departement_code": "38"},
])


def test_region_scope_excludes_other_regions():
    scope = territory_scope(REGION, TERR, PERIM)
    assert "R11" not in scope
    assert {"R82", "07", "26", "38", "CME0726", "CME38"} == set(scope)


def test_cme_covering_two_departements():
    assert set(territory_scope("CME0726", TERR, PERIM)) == {"CME0726", "07", "26"}


def test_departement_includes_its_cme_work():
    assert set(territory_scope("26", TERR, PERIM)) == {"26", "CME0726"}


def test_unknown_territory():
    with pytest.raises(KeyError):
        territory_scope("99", TERR, PERIM)


def test_options_and_labels():
    opts = territory_options(TERR)
    assert opts[0] == REGION and "R11" not in opts
    assert opts.index("CME0726") < opts.index("07")
    assert territory_label("CME0726", TERR) == "CME Drôme-Ardèche"
    assert territory_label("38", TERR) == "Isère (38)"
    assert describe(Filters(2017, 2019, "CME38"), TERR) == "2017-2019 · CME Isère"
    assert Filters(2016, 2018).years == (2016, 2017, 2018)
