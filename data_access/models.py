"""SQLModel tables of the store.

The schema is designed from the référentiel d'évaluation (dashboard/core/referentiel.yaml):
every indicator of the six questions reads one of these tables. Conventions:

- ``territory_code`` always references ``territory.code``: ``R82`` for the
  region (regional instances, regional plans), a département code (``01``…``74``)
  for case-level data (calls, retention cases), a CME code (``CME01``…) for the
  work of a local committee. Other metropolitan regions (``R11``…) appear only
  in ``indicator_value`` for the inter-regional comparison (charter, art. 7).
- Categorical columns store codes from :mod:`data_access.vocabulary`; the
  column's ``info["vocabulary"]`` names the vocabulary.
- Case-level tables (``ise_call``, ``retention_case``) are pseudonymous: a
  reference from the partner's system, no names, no free text about health.
- Every row-level table that a partner file feeds carries a natural key
  (unique constraint) so that re-importing a file is idempotent.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def coded(vocabulary: str, *, nullable: bool = False, index: bool = False, default=None):
    """A column holding a code of the given vocabulary."""
    kwargs = {"sa_column_kwargs": {"info": {"vocabulary": vocabulary}}, "index": index, "max_length": 40}
    if nullable:
        return Field(default=default, nullable=True, **kwargs)
    return Field(**kwargs) if default is None else Field(default=default, **kwargs)


def territory_fk(*, nullable: bool = False, index: bool = True):
    return Field(default=None if nullable else ..., foreign_key="territory.code", index=index,
                 nullable=nullable, max_length=12)


def institution_fk(*, nullable: bool = False, index: bool = False):
    return Field(default=None if nullable else ..., foreign_key="institution.code", index=index,
                 nullable=nullable, max_length=30)


# --------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------


class Territory(SQLModel, table=True):
    """Region, département or CME territory."""

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=80)
    level: str = coded("territory_level", index=True)
    parent_code: Optional[str] = Field(default=None, foreign_key="territory.code", max_length=12)
    geo_code: Optional[str] = Field(default=None, max_length=5, description="INSEE code used by the map outlines")
    population: Optional[int] = None
    population_year: Optional[int] = None
    population_source: Optional[str] = Field(default=None, max_length=120)
    population_approx: bool = True


class CmePerimeter(SQLModel, table=True):
    """Which départements a CME territory covers, and since when (a CME may cover several)."""

    __tablename__ = "cme_perimeter"
    cme_code: str = Field(foreign_key="territory.code", primary_key=True, max_length=12)
    departement_code: str = Field(foreign_key="territory.code", primary_key=True, max_length=12)
    valid_from: int = Field(primary_key=True)
    valid_to: Optional[int] = None


class Institution(SQLModel, table=True):
    """A partner institution or a local structure of the job-retention field."""

    code: str = Field(primary_key=True, max_length=30)
    name: str = Field(max_length=120)
    type: str = coded("institution_type", index=True)
    territory_code: str = territory_fk()
    signatory: bool = False
    cpr_member: bool = False


class ReportingYear(SQLModel, table=True):
    __tablename__ = "reporting_year"
    year: int = Field(primary_key=True)
    in_charter: bool = True
    note: Optional[str] = Field(default=None, max_length=200)


# --------------------------------------------------------------------------------------
# Q1 governance
# --------------------------------------------------------------------------------------


class Instance(SQLModel, table=True):
    """The CPR, each CME, each working group."""

    code: str = Field(primary_key=True, max_length=30)
    kind: str = coded("instance_kind", index=True)
    name: str = Field(max_length=120)
    territory_code: str = territory_fk()
    start_year: int
    end_year: Optional[int] = None
    chair_institution_code: Optional[str] = institution_fk(nullable=True)
    purpose: Optional[str] = Field(default=None, max_length=400)


class Meeting(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("instance_code", "meeting_date", "kind", name="uq_meeting_instance_date_kind"),
        Index("ix_meeting_territory_date", "territory_code", "meeting_date"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    instance_code: str = Field(foreign_key="instance.code", index=True, max_length=30)
    territory_code: str = territory_fk(index=False)
    meeting_date: dt.date
    kind: str = coded("meeting_kind")
    minutes_shared: bool = True
    topics: Optional[str] = Field(default=None, max_length=400)


class MeetingAttendance(SQLModel, table=True):
    """Attendance of one institution at one meeting."""

    __tablename__ = "meeting_attendance"
    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    institution_code: str = Field(foreign_key="institution.code", primary_key=True, max_length=30)
    expected: bool = True
    present: bool
    participants: int = 0


class InstanceOutput(SQLModel, table=True):
    """An output ("produit de sortie") of an instance or working group."""

    __tablename__ = "instance_output"
    __table_args__ = (Index("ix_instance_output_territory_date", "territory_code", "output_date"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    instance_code: str = Field(foreign_key="instance.code", index=True, max_length=30)
    territory_code: str = territory_fk(index=False)
    output_date: dt.date
    output_type: str = coded("output_type")
    title: str = Field(max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)


class InstanceLink(SQLModel, table=True):
    """How information, decisions and contributions circulate between instances."""

    __tablename__ = "instance_link"
    id: Optional[int] = Field(default=None, primary_key=True)
    link_date: dt.date
    territory_code: str = territory_fk()
    from_instance_code: str = Field(foreign_key="instance.code", max_length=30)
    to_instance_code: str = Field(foreign_key="instance.code", max_length=30)
    link_type: str = coded("instance_link_type")
    modality: str = coded("instance_link_modality")
    description: Optional[str] = Field(default=None, max_length=1000)


class Cooperation(SQLModel, table=True):
    """A cooperation, rapprochement or signed partnership between institutions."""

    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    start_date: dt.date
    cooperation_type: str = coded("cooperation_type")
    objective: str = coded("cooperation_objective")
    title: str = Field(max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    signed_date: Optional[dt.date] = None


class CooperationPartner(SQLModel, table=True):
    __tablename__ = "cooperation_partner"
    cooperation_id: int = Field(foreign_key="cooperation.id", primary_key=True)
    institution_code: str = Field(foreign_key="institution.code", primary_key=True, max_length=30)


class DataInitiative(SQLModel, table=True):
    """A step taken to make the data converge, more reliable, shared or new."""

    __tablename__ = "data_initiative"
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    start_date: dt.date
    initiative_type: str = coded("data_initiative_type")
    lead_institution_code: str = institution_fk()
    title: str = Field(max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    information_gained: Optional[str] = Field(default=None, max_length=1000)


class IndicatorAvailability(SQLModel, table=True):
    """The year an indicator became available (and secured) for steering."""

    __tablename__ = "indicator_availability"
    indicator_id: str = Field(primary_key=True, max_length=20)
    territory_code: str = territory_fk()
    first_year: int
    provider_institution_code: str = institution_fk()
    secured: bool = True
    note: Optional[str] = Field(default=None, max_length=400)


class Objective(SQLModel, table=True):
    """A numeric objective set for an indicator, for the region or a territory (issue 15): every year
    of a span ("a minima 2 par an") or at a deadline ("0 en 2020"). Where one applies, the indicator's
    verdict is judged against it (dashboard/core/objectives.py, docs/verdicts.md). ``target`` is in the
    unit the indicator is shown in (a share in %, a delay in days)."""

    __table_args__ = (UniqueConstraint("indicator_id", "territory_code", "first_year", name="uq_objective"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    indicator_id: str = Field(max_length=20, index=True)
    territory_code: str = territory_fk()
    first_year: int
    last_year: int
    rule: str = coded("objective_rule")
    comparator: str = coded("comparator")
    target: float
    source: Optional[str] = Field(default=None, max_length=200)
    note: Optional[str] = Field(default=None, max_length=400)


class SteeringDecision(SQLModel, table=True):
    """A decision or an improvement axis recorded by the CPR (territory R82) or a CME (issue 15,
    charter article 7: « la progression des axes d'amélioration fixés »): carried from one year's bilan
    to the next until closed (dashboard/core/decisions.py)."""

    __tablename__ = "steering_decision"
    __table_args__ = (UniqueConstraint("territory_code", "decided_date", "title", name="uq_steering_decision"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    decided_date: dt.date
    kind: str = coded("decision_kind")
    title: str = Field(max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    owner_institution_code: Optional[str] = institution_fk(nullable=True)
    due_date: Optional[dt.date] = None
    status: str = coded("decision_status")
    closed_date: Optional[dt.date] = None


# --------------------------------------------------------------------------------------
# Q2 diagnostics and action plans
# --------------------------------------------------------------------------------------


class Diagnostic(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    kind: str = coded("diagnostic_kind")
    method: str = coded("diagnostic_method")
    method_description: Optional[str] = Field(default=None, max_length=1000)
    start_date: dt.date
    end_date: Optional[dt.date] = None
    presentation_mode: Optional[str] = coded("presentation_mode", nullable=True)
    presentation_date: Optional[dt.date] = None
    debated: bool = False


class DiagnosticActor(SQLModel, table=True):
    """Actors interviewed for a diagnostic, by type."""

    __tablename__ = "diagnostic_actor"
    diagnostic_id: int = Field(foreign_key="diagnostic.id", primary_key=True)
    actor_type: str = Field(primary_key=True, max_length=40, sa_column_kwargs={"info": {"vocabulary": "actor_type"}})
    interviewed: int


class Frein(SQLModel, table=True):
    """An obstacle identified on a territory."""

    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    diagnostic_id: Optional[int] = Field(default=None, foreign_key="diagnostic.id")
    identified_date: dt.date
    category: str = coded("frein_category")
    label: str = Field(max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)


class ActionPlan(SQLModel, table=True):
    __tablename__ = "action_plan"
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    title: str = Field(max_length=200)
    adopted_date: dt.date
    period_start: int
    period_end: int
    has_relay_section: bool = Field(default=False, description="Volet prises de relais / reclassements externes")


class PlanAction(SQLModel, table=True):
    """An action of a territorial action plan."""

    __tablename__ = "plan_action"
    __table_args__ = (Index("ix_plan_action_territory_start", "territory_code", "planned_start"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="action_plan.id", index=True)
    territory_code: str = territory_fk(index=False)
    action_type: str = coded("action_type")
    title: str = Field(max_length=200)
    planned_start: dt.date
    planned_end: dt.date
    actual_start: Optional[dt.date] = None
    actual_end: Optional[dt.date] = None
    status: str = coded("action_status")
    deals_with_relay: bool = False


class ActionFrein(SQLModel, table=True):
    """Which frein(s) an action addresses."""

    __tablename__ = "action_frein"
    action_id: int = Field(foreign_key="plan_action.id", primary_key=True)
    frein_id: int = Field(foreign_key="frein.id", primary_key=True)


class LocalResult(SQLModel, table=True):
    """A positive local result: new collaboration, new practice, tool."""

    __tablename__ = "local_result"
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    result_date: dt.date
    result_type: str = coded("local_result_type")
    title: str = Field(max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)
    action_id: Optional[int] = Field(default=None, foreign_key="plan_action.id")


class FollowupMechanism(SQLModel, table=True):
    """Continuous diagnostic and plan monitoring, per territory and year."""

    __tablename__ = "followup_mechanism"
    territory_code: str = Field(foreign_key="territory.code", primary_key=True, max_length=12)
    year: int = Field(primary_key=True)
    continuous_diagnostic: bool
    continuous_diagnostic_method: Optional[str] = Field(default=None, max_length=400)
    plan_monitoring: bool
    monitoring_method: Optional[str] = Field(default=None, max_length=400)


# --------------------------------------------------------------------------------------
# Q3 INFO SANTE EMPLOI
# --------------------------------------------------------------------------------------


class IseCall(SQLModel, table=True):
    """One call to INFO SANTE EMPLOI (pseudonymous: no name, no health details)."""

    __tablename__ = "ise_call"
    __table_args__ = (Index("ix_ise_call_territory_date", "territory_code", "call_date"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    call_ref: str = Field(unique=True, max_length=40)
    call_date: dt.date = Field(index=True)
    territory_code: str = territory_fk(index=False)
    caller_category: str = coded("caller_category")
    regime: str = coded("regime", default="inconnu")
    on_sick_leave: Optional[bool] = None
    discussed_with_employer: Optional[bool] = None
    any_step_taken: Optional[bool] = None
    has_rqth: Optional[bool] = None
    supported_by_actor: Optional[bool] = None
    referred_by: str = coded("referrer", default="aucun")
    actor_type: Optional[str] = coded("actor_type", nullable=True)
    question_type: str = coded("question_type")
    orientation: str = coded("orientation")
    company_size: Optional[str] = coded("company_size", nullable=True)
    company_sector: Optional[str] = coded("company_sector", nullable=True)
    caller_function: Optional[str] = coded("caller_function", nullable=True)
    company_request_type: Optional[str] = coded("company_request_type", nullable=True)


class ActorCaseload(SQLModel, table=True):
    """Cases taken on by each actor, and how many were oriented by INFO SANTE EMPLOI."""

    __tablename__ = "actor_caseload"
    __table_args__ = (UniqueConstraint("territory_code", "year", "actor", name="uq_actor_caseload"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    year: int
    actor: str = coded("lead_actor")
    cases_total: int
    cases_from_ise: int


class IseResourceContact(SQLModel, table=True):
    """Whether a signatory institution has a resource person for INFO SANTE EMPLOI in a year."""

    __tablename__ = "ise_resource_contact"
    institution_code: str = Field(foreign_key="institution.code", primary_key=True, max_length=30)
    year: int = Field(primary_key=True)
    territory_code: str = territory_fk()
    has_contact: bool
    contact_function: Optional[str] = Field(default=None, max_length=120)


class IseFeedback(SQLModel, table=True):
    """Feedback session from an AT to the INFO SANTE EMPLOI team on complex orientations."""

    __tablename__ = "ise_feedback"
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    feedback_date: dt.date
    cases_discussed: int = 0
    description: Optional[str] = Field(default=None, max_length=1000)


# --------------------------------------------------------------------------------------
# Q4 animations territoriales
# --------------------------------------------------------------------------------------


class AtTool(SQLModel, table=True):
    __tablename__ = "at_tool"
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    created_date: dt.date
    tool_type: str = coded("at_tool_type")
    title: str = Field(max_length=200)
    diffusion_mode: str = coded("diffusion_mode")
    description: Optional[str] = Field(default=None, max_length=1000)


class AtToolRecipient(SQLModel, table=True):
    __tablename__ = "at_tool_recipient"
    tool_id: int = Field(foreign_key="at_tool.id", primary_key=True)
    actor_type: str = Field(primary_key=True, max_length=40, sa_column_kwargs={"info": {"vocabulary": "actor_type"}})
    recipient_function: Optional[str] = Field(default=None, max_length=120)
    recipients: int


class AtInitiative(SQLModel, table=True):
    """Solutions and steps taken with or by the AT (relays, mutual knowledge, collaborations)."""

    __tablename__ = "at_initiative"
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    initiative_date: dt.date
    initiative_type: str = coded("at_initiative_type")
    title: str = Field(max_length=200)
    description: Optional[str] = Field(default=None, max_length=1000)


class AtNeed(SQLModel, table=True):
    """An information need of local actors identified by an AT, and the answer organised."""

    __tablename__ = "at_need"
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    identified_date: dt.date
    detection_method: str = coded("need_detection_method")
    nature: str = coded("need_nature")
    description: Optional[str] = Field(default=None, max_length=1000)
    answer: Optional[str] = Field(default=None, max_length=1000)
    answered_date: Optional[dt.date] = None


class AtNeedInstitution(SQLModel, table=True):
    """Structures mobilised to answer a need."""

    __tablename__ = "at_need_institution"
    need_id: int = Field(foreign_key="at_need.id", primary_key=True)
    institution_code: str = Field(foreign_key="institution.code", primary_key=True, max_length=30)


class AtRequest(SQLModel, table=True):
    """An actor mobilising the AT (to check it is kept to well-targeted cases)."""

    __tablename__ = "at_request"
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    request_date: dt.date
    requester_type: str = coded("actor_type")
    request_type: str = coded("at_request_type")


class CtmeSession(SQLModel, table=True):
    """One Cellule Technique de Maintien dans l'Emploi territoriale."""

    __tablename__ = "ctme_session"
    __table_args__ = (
        UniqueConstraint("territory_code", "session_date", "session_format", name="uq_ctme_territory_date_format"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk()
    session_date: dt.date = Field(index=True)
    cases_examined: int
    # a CTME, or another tool set up with the same purpose (charter, Q4.C3.I1: "ou autres outils mis
    # en œuvre avec la même finalité"); files without the column are CTME sessions
    session_format: str = Field(default="ctme", max_length=40, sa_column_kwargs={
        "info": {"vocabulary": "ctme_format"}, "server_default": "ctme"})


class CtmeParticipant(SQLModel, table=True):
    __tablename__ = "ctme_participant"
    session_id: int = Field(foreign_key="ctme_session.id", primary_key=True)
    institution_code: str = Field(foreign_key="institution.code", primary_key=True, max_length=30)


class AtYearlyActivity(SQLModel, table=True):
    """Yearly counts reported by each AT."""

    __tablename__ = "at_yearly_activity"
    territory_code: str = Field(foreign_key="territory.code", primary_key=True, max_length=12)
    year: int = Field(primary_key=True)
    orientations_total: int
    orientations_complex: int
    direct_signalements: int
    relay_supports: int


# --------------------------------------------------------------------------------------
# Q5 information and communication
# --------------------------------------------------------------------------------------


class CommunicationPlan(SQLModel, table=True):
    __tablename__ = "communication_plan"
    id: Optional[int] = Field(default=None, primary_key=True)
    scope: str = coded("plan_scope")
    territory_code: str = territory_fk()
    title: str = Field(max_length=200)
    adopted_date: dt.date
    period_start: int
    period_end: int
    relays_regional: bool = False


class CommunicationPlanItem(SQLModel, table=True):
    """A scheduled item of a communication plan (its calendar)."""

    __tablename__ = "communication_plan_item"
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="communication_plan.id", index=True)
    territory_code: str = territory_fk()
    title: str = Field(max_length=200)
    channel: str = coded("communication_channel")
    planned_start: dt.date
    planned_end: dt.date
    done: bool = False


class CommunicationAction(SQLModel, table=True):
    """An information, communication or training action."""

    __tablename__ = "communication_action"
    __table_args__ = (Index("ix_communication_action_territory_date", "territory_code", "action_date"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    territory_code: str = territory_fk(index=False)
    action_date: dt.date
    organiser_institution_code: str = institution_fk(index=True)
    channel: str = coded("communication_channel")
    purpose: str = coded("communication_purpose")
    topic: str = coded("communication_topic")
    target: str = coded("communication_target")
    title: str = Field(max_length=200)


class CommunicationReach(SQLModel, table=True):
    """Actors reached by a communication action, by type."""

    __tablename__ = "communication_reach"
    action_id: int = Field(foreign_key="communication_action.id", primary_key=True)
    actor_type: str = Field(primary_key=True, max_length=40, sa_column_kwargs={"info": {"vocabulary": "actor_type"}})
    reached: int


# --------------------------------------------------------------------------------------
# Perception surveys
# --------------------------------------------------------------------------------------


class SurveyQuestion(SQLModel, table=True):
    __tablename__ = "survey_question"
    code: str = Field(primary_key=True, max_length=30)
    wording: str = Field(max_length=400)
    respondent_type: str = coded("respondent_type")


class SurveyResult(SQLModel, table=True):
    """Respondents and respondents agreeing, per question, year and territory."""

    __tablename__ = "survey_result"
    __table_args__ = (
        UniqueConstraint("question_code", "year", "territory_code", "respondent_type", name="uq_survey_result"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    question_code: str = Field(foreign_key="survey_question.code", index=True, max_length=30)
    year: int
    territory_code: str = territory_fk()
    respondent_type: str = coded("respondent_type")
    respondents: int
    agreeing: int


# --------------------------------------------------------------------------------------
# Q6 retention cases and yearly indicator values
# --------------------------------------------------------------------------------------


class RetentionCase(SQLModel, table=True):
    """One pseudonymous job-retention situation."""

    __tablename__ = "retention_case"
    __table_args__ = (Index("ix_retention_case_territory_date", "territory_code", "signalement_date"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    case_ref: str = Field(unique=True, max_length=40)
    territory_code: str = territory_fk(index=False)
    signalement_date: dt.date = Field(index=True)
    sick_leave_start: Optional[dt.date] = None
    solution_date: Optional[dt.date] = None
    signalled_by: str = coded("signalled_by")
    worker_status: str = coded("worker_status")
    regime: str = coded("regime")
    company_size: Optional[str] = coded("company_size", nullable=True)
    has_rqth: bool = False
    cause: str = coded("case_cause")
    lead_actor: str = coded("lead_actor")
    reoriented: bool = Field(default=False, description="First orientation had to be corrected")
    outcome: str = coded("case_outcome")
    relay_to: str = coded("relay_to", default="aucun")
    # Derived on write from the dates above (see data_access.derive); stored so that
    # medians and thresholds are computed in SQL on an indexed integer at 100x scale.
    signalement_delay_days: Optional[int] = Field(
        default=None, description="Days from sick-leave start to signalement (None: outside sick leave)")
    pathway_days: Optional[int] = Field(
        default=None, description="Days from signalement to solution (None: no solution yet)")


class CaseMeasure(SQLModel, table=True):
    __tablename__ = "case_measure"
    case_id: int = Field(foreign_key="retention_case.id", primary_key=True)
    measure: str = Field(primary_key=True, max_length=40, sa_column_kwargs={"info": {"vocabulary": "measure"}})


class IndicatorValue(SQLModel, table=True):
    """Yearly value of a Q6 indicator for a département or a region."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_id", "territory_code", "year", name="uq_indicator_value"),
        Index("ix_indicator_value_indicator_year", "indicator_id", "year"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    indicator_id: str = Field(max_length=20)
    territory_code: str = territory_fk(index=False)
    year: int
    value: float
    numerator: Optional[float] = None
    denominator: Optional[float] = None
    source: str = coded("indicator_source")
    is_estimate: bool = False


# --------------------------------------------------------------------------------------
# Bilans and operations
# --------------------------------------------------------------------------------------


class AnalysisComment(SQLModel, table=True):
    """Free-text analysis of an indicator for a territory and year (shown in the bilans)."""

    __tablename__ = "analysis_comment"
    __table_args__ = (Index("ix_analysis_comment_key", "indicator_id", "territory_code", "year"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    indicator_id: str = Field(max_length=20)
    territory_code: str = territory_fk(index=False)
    year: int
    author: str = Field(max_length=120)
    text: str = Field(max_length=4000)
    created_at: dt.datetime
    updated_at: dt.datetime


class DataDeclaration(SQLModel, table=True):
    """"Nothing this year": a dataset had no row for a territory and a year, declared by its sender.

    It tells a true zero (nothing happened) from a missing delivery (nothing was sent): a year
    whose territory has neither rows nor a declaration reads "non transmis", not 0. Rows win over
    a declaration (a file received later for that territory and year makes it moot)."""

    __tablename__ = "data_declaration"
    __table_args__ = (UniqueConstraint("dataset", "territory_code", "year", name="uq_data_declaration"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    dataset: str = coded("declarable_dataset")
    territory_code: str = territory_fk(index=False)
    year: int
    note: Optional[str] = Field(default=None, max_length=400)


class DataDelivery(SQLModel, table=True):
    """A partner's yearly data delivery: expected, received, how many rows."""

    __tablename__ = "data_delivery"
    __table_args__ = (UniqueConstraint("institution_code", "dataset", "year", name="uq_data_delivery"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    institution_code: str = institution_fk(index=True)
    dataset: str = coded("dataset")
    year: int
    expected_date: dt.date
    received_date: Optional[dt.date] = None
    rows: int = 0


# --------------------------------------------------------------------------------------
# Accounts, sign-in attempts and the journal of writes
# --------------------------------------------------------------------------------------


class UserAccount(SQLModel, table=True):
    """A local account: role ``lecteur``, ``animateur`` (writes for its territories) or ``administrateur``.

    ``oidc_issuer`` + ``oidc_subject``: the OpenID Connect identity (``iss`` and ``sub`` of the
    provider's ID token) an administrator linked to the account; signing in through that provider opens
    this account (data_access/users.py, ``account_for_identity``). One identity opens at most one account.
    """

    __tablename__ = "user_account"
    __table_args__ = (Index("ix_user_account_oidc", "oidc_issuer", "oidc_subject", unique=True),)
    username: str = Field(primary_key=True, max_length=60)
    display_name: str = Field(max_length=120)
    role: str = coded("user_role")
    password_hash: str = Field(max_length=200)
    active: bool = True
    created_at: dt.datetime
    oidc_issuer: Optional[str] = Field(default=None, max_length=255)
    oidc_subject: Optional[str] = Field(default=None, max_length=255)
    # the digest e-mail (dashboard/services/digest.py): where to, and whether the account wants it
    # (None: the role's default, on for animateurs and administrators)
    email: Optional[str] = Field(default=None, max_length=254)
    digest: Optional[bool] = None


class UserTerritory(SQLModel, table=True):
    """A territory an animateur may write for (a CME or a département)."""

    __tablename__ = "user_territory"
    username: str = Field(foreign_key="user_account.username", primary_key=True, max_length=60)
    territory_code: str = Field(foreign_key="territory.code", primary_key=True, max_length=12)


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt (throttling of failures per account × client address and per client
    address, see data_access/users.py); not exported."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_user_at", "username", "attempted_at"),
                      Index("ix_login_attempt_client_at", "client", "attempted_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=60)
    client: str = Field(max_length=64)   # client address (IPv6: its /64), "local" without one
    attempted_at: dt.datetime
    success: bool


class JournalEntry(SQLModel, table=True):
    """One write to the store: an import (applied or rejected), a form entry, an edit, a deletion."""

    __tablename__ = "journal_entry"
    __table_args__ = (Index("ix_journal_entry_at", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    at: dt.datetime
    username: str = Field(max_length=60)
    action: str = coded("journal_action")
    dataset: str = Field(max_length=40)
    file_name: Optional[str] = Field(default=None, max_length=255)
    checksum: Optional[str] = Field(default=None, max_length=64)
    institution_code: Optional[str] = Field(default=None, max_length=30)
    territory_code: Optional[str] = Field(default=None, max_length=12)
    rows_added: int = 0
    rows_updated: int = 0
    rows_removed: int = 0
    outcome: str = coded("journal_outcome")
    detail: Optional[str] = Field(default=None, sa_type=Text)
    data_version: Optional[int] = None


class StoreMeta(SQLModel, table=True):
    """Key/value facts about the store: sample flag, data version."""

    __tablename__ = "store_meta"
    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)


class AggregateCache(SQLModel, table=True):
    """Materialised aggregates of the référentiel's sources (derived data, never exported).

    One row per (query, source definition, filters) holding the small grouped frame the
    database computed, valid for one ``data_version``: any write bumps the version, so
    stale rows are never read and are replaced on the next request.
    """

    __tablename__ = "aggregate_cache"
    key: str = Field(primary_key=True, max_length=64)
    data_version: int
    payload: str = Field(sa_type=Text)


class UserSession(SQLModel, table=True):
    """A signed-in browser (data_access/sessions.py): the SHA-256 of the random token its cookie holds
    (the token itself is never stored), when it expires, when it was revoked ("Se déconnecter" revokes
    every session of the account). Not exported."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_username", "username"),)
    token_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=60)
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: Optional[dt.datetime] = None


class DigestRun(SQLModel, table=True):
    """One run of ``python -m dashboard digest``: when, from which date, how many messages (the next run's
    default ``--depuis``)."""

    __tablename__ = "digest_run"
    id: Optional[int] = Field(default=None, primary_key=True)
    run_at: dt.datetime
    since: dt.date
    messages: int = 0
    sent: bool = False


class VerdictSnapshot(SQLModel, table=True):
    """Each indicator's verdict and deciding objective status per territory at the last digest run: what
    the next digest compares with to say what changed."""

    __tablename__ = "verdict_snapshot"
    territory_code: str = Field(primary_key=True, max_length=12)
    indicator_id: str = Field(primary_key=True, max_length=20)
    verdict: Optional[str] = Field(default=None, max_length=40)
    objective: Optional[str] = Field(default=None, max_length=40)
    taken_at: dt.datetime


# Tables holding derived or transient data only (materialised aggregates, sign-in attempts, browser
# sessions): not exported, not counted when checking a store is empty.
DERIVED_TABLES = frozenset({"aggregate_cache", "login_attempt", "user_session", "digest_run", "verdict_snapshot"})


# Tables in an order where every foreign key points to an earlier table.
def tables_in_dependency_order(include_derived: bool = False):
    return [t for t in SQLModel.metadata.sorted_tables if include_derived or t.name not in DERIVED_TABLES]
