"""Assembles the frames of every table of the sample store."""

from __future__ import annotations

import pandas as pd

from data_access.models import tables_in_dependency_order

from .common import SAMPLE_SEED, _frame, _reference
from .operations import _accounts, _analysis_comments, _data_deliveries, _objectives, _steering_decisions, _store_meta
from .q1_gouvernance import (
    _cooperations,
    _data_initiatives,
    _indicator_availability,
    _instance_links,
    _instance_outputs,
    _instances,
    _meetings,
)
from .q2_diagnostics_plans import _action_plans, _diagnostics, _followup, _local_results
from .q3_info_sante_emploi import _actor_caseload, _ise_calls, _ise_feedback, _ise_resource_contacts
from .q4_animations_territoriales import (
    _at_initiatives,
    _at_needs,
    _at_requests,
    _at_tools,
    _at_yearly_activity,
    _ctme,
    _declarations,
)
from .q5_information_communication import _communication_actions, _communication_plans
from .q6_indicateurs_maintien import _indicator_values, _retention_cases
from .surveys import _survey_results


def build_sample_frames(scale: int = 1, seed: int = SAMPLE_SEED) -> dict[str, pd.DataFrame]:
    """Pure: one DataFrame per table (keys = table names), columns = table columns, explicit integer ids."""
    scale = int(scale)
    if scale < 1:
        raise ValueError("scale must be >= 1")
    f: dict[str, pd.DataFrame] = {}
    for name in ("territory", "cme_perimeter", "reporting_year", "institution", "survey_question"):
        f[name] = _reference(name)
    f["store_meta"] = _store_meta(scale, seed)
    f["instance"] = _instances()
    f["meeting"], f["meeting_attendance"] = _meetings(seed)
    f["instance_output"] = _instance_outputs(seed)
    f["instance_link"] = _instance_links(seed)
    f["cooperation"], f["cooperation_partner"] = _cooperations(seed)
    f["data_initiative"] = _data_initiatives(seed)
    f["indicator_availability"] = _indicator_availability()
    f["diagnostic"], f["diagnostic_actor"], f["frein"] = _diagnostics(seed)
    f["action_plan"], f["plan_action"], f["action_frein"] = _action_plans(seed, f["frein"])
    f["local_result"] = _local_results(seed, f["plan_action"])
    f["followup_mechanism"] = _followup(seed)
    f["ise_call"] = _ise_calls(seed, scale)
    f["actor_caseload"] = _actor_caseload(seed)
    f["ise_resource_contact"] = _ise_resource_contacts()
    f["ise_feedback"] = _ise_feedback(seed)
    f["at_tool"], f["at_tool_recipient"] = _at_tools(seed)
    f["at_initiative"] = _at_initiatives(seed)
    f["at_need"], f["at_need_institution"] = _at_needs(seed)
    f["at_request"] = _at_requests(seed, scale)
    f["ctme_session"], f["ctme_participant"] = _ctme(seed)
    f["at_yearly_activity"] = _at_yearly_activity(seed)
    f["communication_plan"], f["communication_plan_item"] = _communication_plans(seed)
    f["communication_action"], f["communication_reach"] = _communication_actions(seed, scale)
    f["survey_result"] = _survey_results(seed)
    f["retention_case"], f["case_measure"] = _retention_cases(seed, scale)
    f["indicator_value"] = _indicator_values(seed)
    f["analysis_comment"] = _analysis_comments()
    f["data_delivery"] = _data_deliveries(seed, f)
    f["data_declaration"] = _declarations()
    f["objective"] = _objectives()
    f["steering_decision"] = _steering_decisions()
    f["user_account"], f["user_territory"] = _accounts(seed)
    f["journal_entry"] = _frame("journal_entry", [])
    tables = tables_in_dependency_order()  # derived tables (aggregate cache) get no sample rows
    missing = {t.name for t in tables} - set(f)
    if missing:  # pragma: no cover - guards against a new table without sample rows
        raise RuntimeError(f"no sample frame for: {sorted(missing)}")
    return {t.name: f[t.name] for t in tables}
