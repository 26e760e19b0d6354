"""Perception surveys (questions of Q1, Q4 and Q5): yearly results by territory."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import CME_CODES, REGION, YEARS, _frame, _interp, _rng

# First year each perception question was asked (wording and respondents come from the référentiel).
SURVEY_FIRST_YEAR = {
    "satisfaction_instances": 2016, "satisfaction_outils_at": 2016, "pertinence_organisation_at": 2016,
    "ctme_format_utile": 2017, "at_pas_echelon_supplementaire": 2017, "visibilite_progresse": 2017,
    "reperage_outils": 2017,
}


def _survey_catalogue() -> tuple[tuple[str, str, str, int], ...]:
    """(code, wording, respondent type, first year) for every survey question of the référentiel."""
    from dashboard.core.referentiel import load_referentiel

    return tuple((q.code, q.wording, q.respondent_type, SURVEY_FIRST_YEAR.get(q.code, 2016))
                 for q in load_referentiel().survey_questions)


def _survey_results(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "survey_result")
    rows = []
    for code, _, rtype, first in _survey_catalogue():
        offset = rng.normal(0, 0.04)
        territories = ([REGION] if code == "satisfaction_instances" else []) + list(CME_CODES)
        for y in YEARS:
            if y < first:
                continue
            k = y - 2016
            for t in territories:
                n = int(rng.integers(20, 41)) if t == REGION else int(rng.integers(8, 31))
                p = float(np.clip(_interp(0.45, 0.75, k) + offset + rng.normal(0, 0.06), 0.05, 0.98))
                rows.append({"id": len(rows) + 1, "question_code": code, "year": y, "territory_code": t,
                             "respondent_type": rtype, "respondents": n, "agreeing": int(rng.binomial(n, p))})
    return _frame("survey_result", rows)
