"""The registry of indicator kinds (dashboard/core/kinds.py): declared once, read everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.core.kinds import KINDS, kinds_where, spec
from dashboard.core.referentiel import load_referentiel

ROOT = Path(__file__).resolve().parent.parent


def test_every_kind_of_the_referentiel_is_registered():
    used = {i.kind for i in load_referentiel().indicators()}
    assert used <= set(KINDS)


def test_properties_by_hand():
    assert kinds_where(percent=True) == ("share", "survey", "existence")
    assert kinds_where(ratio=True) == ("share", "survey")
    assert kinds_where(events=True) == ("count", "typology", "descriptor")
    assert kinds_where(mappable=False) == ("calendar",)
    assert kinds_where(yearly=True) == ("count", "share", "survey", "typology", "duration")
    assert [spec(k).sql_measure for k in ("count", "share", "survey", "typology")] == ["count", "share", "survey",
                                                                                      "count"]
    assert spec("duration").secret_measures == {"n": "denominator"}
    assert spec("survey").secret_measures == {"numerator": "numerator", "denominator": "denominator"}
    with pytest.raises(KeyError, match="unknown indicator kind 'bogus'"):
        spec("bogus")


def test_no_module_matches_kind_names_outside_the_registry_and_the_referentiel():
    """`kind == "share"`, `kind in ("count", …)`: such tests belong to the registry's properties."""
    names = "|".join(KINDS)
    pattern = re.compile(rf"""kind\s*(==|!=|\bin\b|\bnot in\b)\s*[(\[{{]?\s*["']({names})["']""")
    offenders = []
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        if path.name in ("kinds.py", "referentiel.py"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
