"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 00:19:03.872338
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('reporting_year',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('in_charter', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('store_meta',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('survey_question',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('wording', sa.String(length=400), nullable=False),
    sa.Column('respondent_type', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('territory',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('level', sa.String(length=40), nullable=False),
    sa.Column('parent_code', sa.String(length=12), nullable=True),
    sa.Column('geo_code', sa.String(length=5), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('population_year', sa.Integer(), nullable=True),
    sa.Column('population_source', sa.String(length=120), nullable=True),
    sa.Column('population_approx', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('territory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_territory_level'), ['level'], unique=False)

    op.create_table('action_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('adopted_date', sa.Date(), nullable=False),
    sa.Column('period_start', sa.Integer(), nullable=False),
    sa.Column('period_end', sa.Integer(), nullable=False),
    sa.Column('has_relay_section', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plan_territory_code'), ['territory_code'], unique=False)

    op.create_table('actor_caseload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=40), nullable=False),
    sa.Column('cases_total', sa.Integer(), nullable=False),
    sa.Column('cases_from_ise', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('territory_code', 'year', 'actor', name='uq_actor_caseload')
    )
    with op.batch_alter_table('actor_caseload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actor_caseload_territory_code'), ['territory_code'], unique=False)

    op.create_table('analysis_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=20), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=4000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('analysis_comment', schema=None) as batch_op:
        batch_op.create_index('ix_analysis_comment_key', ['indicator_id', 'territory_code', 'year'], unique=False)

    op.create_table('at_initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('initiative_date', sa.Date(), nullable=False),
    sa.Column('initiative_type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('at_initiative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_at_initiative_territory_code'), ['territory_code'], unique=False)

    op.create_table('at_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('identified_date', sa.Date(), nullable=False),
    sa.Column('detection_method', sa.String(length=40), nullable=False),
    sa.Column('nature', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('answer', sa.String(length=1000), nullable=True),
    sa.Column('answered_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('at_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_at_need_territory_code'), ['territory_code'], unique=False)

    op.create_table('at_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('request_date', sa.Date(), nullable=False),
    sa.Column('requester_type', sa.String(length=40), nullable=False),
    sa.Column('request_type', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('at_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_at_request_territory_code'), ['territory_code'], unique=False)

    op.create_table('at_tool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('created_date', sa.Date(), nullable=False),
    sa.Column('tool_type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('diffusion_mode', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('at_tool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_at_tool_territory_code'), ['territory_code'], unique=False)

    op.create_table('at_yearly_activity',
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('orientations_total', sa.Integer(), nullable=False),
    sa.Column('orientations_complex', sa.Integer(), nullable=False),
    sa.Column('direct_signalements', sa.Integer(), nullable=False),
    sa.Column('relay_supports', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('territory_code', 'year')
    )
    op.create_table('cme_perimeter',
    sa.Column('cme_code', sa.String(length=12), nullable=False),
    sa.Column('departement_code', sa.String(length=12), nullable=False),
    sa.Column('valid_from', sa.Integer(), nullable=False),
    sa.Column('valid_to', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cme_code'], ['territory.code'], ),
    sa.ForeignKeyConstraint(['departement_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('cme_code', 'departement_code', 'valid_from')
    )
    op.create_table('communication_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('adopted_date', sa.Date(), nullable=False),
    sa.Column('period_start', sa.Integer(), nullable=False),
    sa.Column('period_end', sa.Integer(), nullable=False),
    sa.Column('relays_regional', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('communication_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communication_plan_territory_code'), ['territory_code'], unique=False)

    op.create_table('cooperation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('cooperation_type', sa.String(length=40), nullable=False),
    sa.Column('objective', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('signed_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cooperation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooperation_territory_code'), ['territory_code'], unique=False)

    op.create_table('ctme_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=False),
    sa.Column('cases_examined', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('territory_code', 'session_date', name='uq_ctme_territory_date')
    )
    with op.batch_alter_table('ctme_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ctme_session_session_date'), ['session_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_ctme_session_territory_code'), ['territory_code'], unique=False)

    op.create_table('diagnostic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('method_description', sa.String(length=1000), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('presentation_mode', sa.String(length=40), nullable=True),
    sa.Column('presentation_date', sa.Date(), nullable=True),
    sa.Column('debated', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('diagnostic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diagnostic_territory_code'), ['territory_code'], unique=False)

    op.create_table('followup_mechanism',
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('continuous_diagnostic', sa.Boolean(), nullable=False),
    sa.Column('continuous_diagnostic_method', sa.String(length=400), nullable=True),
    sa.Column('plan_monitoring', sa.Boolean(), nullable=False),
    sa.Column('monitoring_method', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('territory_code', 'year')
    )
    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=20), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('is_estimate', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('indicator_id', 'territory_code', 'year', name='uq_indicator_value')
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_value_indicator_year', ['indicator_id', 'year'], unique=False)

    op.create_table('institution',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('signatory', sa.Boolean(), nullable=False),
    sa.Column('cpr_member', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_territory_code'), ['territory_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_type'), ['type'], unique=False)

    op.create_table('ise_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_ref', sa.String(length=40), nullable=False),
    sa.Column('call_date', sa.Date(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('caller_category', sa.String(length=40), nullable=False),
    sa.Column('regime', sa.String(length=40), nullable=False),
    sa.Column('on_sick_leave', sa.Boolean(), nullable=True),
    sa.Column('discussed_with_employer', sa.Boolean(), nullable=True),
    sa.Column('any_step_taken', sa.Boolean(), nullable=True),
    sa.Column('has_rqth', sa.Boolean(), nullable=True),
    sa.Column('supported_by_actor', sa.Boolean(), nullable=True),
    sa.Column('referred_by', sa.String(length=40), nullable=False),
    sa.Column('actor_type', sa.String(length=40), nullable=True),
    sa.Column('question_type', sa.String(length=40), nullable=False),
    sa.Column('orientation', sa.String(length=40), nullable=False),
    sa.Column('company_size', sa.String(length=40), nullable=True),
    sa.Column('company_sector', sa.String(length=40), nullable=True),
    sa.Column('caller_function', sa.String(length=40), nullable=True),
    sa.Column('company_request_type', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_ref')
    )
    with op.batch_alter_table('ise_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ise_call_call_date'), ['call_date'], unique=False)
        batch_op.create_index('ix_ise_call_territory_date', ['territory_code', 'call_date'], unique=False)

    op.create_table('ise_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('feedback_date', sa.Date(), nullable=False),
    sa.Column('cases_discussed', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ise_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ise_feedback_territory_code'), ['territory_code'], unique=False)

    op.create_table('retention_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_ref', sa.String(length=40), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('signalement_date', sa.Date(), nullable=False),
    sa.Column('sick_leave_start', sa.Date(), nullable=True),
    sa.Column('solution_date', sa.Date(), nullable=True),
    sa.Column('signalled_by', sa.String(length=40), nullable=False),
    sa.Column('worker_status', sa.String(length=40), nullable=False),
    sa.Column('regime', sa.String(length=40), nullable=False),
    sa.Column('company_size', sa.String(length=40), nullable=True),
    sa.Column('has_rqth', sa.Boolean(), nullable=False),
    sa.Column('cause', sa.String(length=40), nullable=False),
    sa.Column('lead_actor', sa.String(length=40), nullable=False),
    sa.Column('reoriented', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('relay_to', sa.String(length=40), nullable=False),
    sa.Column('signalement_delay_days', sa.Integer(), nullable=True),
    sa.Column('pathway_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_ref')
    )
    with op.batch_alter_table('retention_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_case_signalement_date'), ['signalement_date'], unique=False)
        batch_op.create_index('ix_retention_case_territory_date', ['territory_code', 'signalement_date'], unique=False)

    op.create_table('survey_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_code', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('respondent_type', sa.String(length=40), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('agreeing', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['question_code'], ['survey_question.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question_code', 'year', 'territory_code', 'respondent_type', name='uq_survey_result')
    )
    with op.batch_alter_table('survey_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_result_question_code'), ['question_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_result_territory_code'), ['territory_code'], unique=False)

    op.create_table('at_need_institution',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('institution_code', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['institution_code'], ['institution.code'], ),
    sa.ForeignKeyConstraint(['need_id'], ['at_need.id'], ),
    sa.PrimaryKeyConstraint('need_id', 'institution_code')
    )
    op.create_table('at_tool_recipient',
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('actor_type', sa.String(length=40), nullable=False),
    sa.Column('recipient_function', sa.String(length=120), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['at_tool.id'], ),
    sa.PrimaryKeyConstraint('tool_id', 'actor_type')
    )
    op.create_table('case_measure',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['retention_case.id'], ),
    sa.PrimaryKeyConstraint('case_id', 'measure')
    )
    op.create_table('communication_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('action_date', sa.Date(), nullable=False),
    sa.Column('organiser_institution_code', sa.String(length=30), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['organiser_institution_code'], ['institution.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('communication_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communication_action_organiser_institution_code'), ['organiser_institution_code'], unique=False)
        batch_op.create_index('ix_communication_action_territory_date', ['territory_code', 'action_date'], unique=False)

    op.create_table('communication_plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('planned_end', sa.Date(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['communication_plan.id'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('communication_plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communication_plan_item_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_communication_plan_item_territory_code'), ['territory_code'], unique=False)

    op.create_table('cooperation_partner',
    sa.Column('cooperation_id', sa.Integer(), nullable=False),
    sa.Column('institution_code', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['cooperation_id'], ['cooperation.id'], ),
    sa.ForeignKeyConstraint(['institution_code'], ['institution.code'], ),
    sa.PrimaryKeyConstraint('cooperation_id', 'institution_code')
    )
    op.create_table('ctme_participant',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('institution_code', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['institution_code'], ['institution.code'], ),
    sa.ForeignKeyConstraint(['session_id'], ['ctme_session.id'], ),
    sa.PrimaryKeyConstraint('session_id', 'institution_code')
    )
    op.create_table('data_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_code', sa.String(length=30), nullable=False),
    sa.Column('dataset', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('expected_date', sa.Date(), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_code'], ['institution.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('institution_code', 'dataset', 'year', name='uq_data_delivery')
    )
    with op.batch_alter_table('data_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_delivery_institution_code'), ['institution_code'], unique=False)

    op.create_table('data_initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('initiative_type', sa.String(length=40), nullable=False),
    sa.Column('lead_institution_code', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('information_gained', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['lead_institution_code'], ['institution.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('data_initiative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_initiative_territory_code'), ['territory_code'], unique=False)

    op.create_table('diagnostic_actor',
    sa.Column('diagnostic_id', sa.Integer(), nullable=False),
    sa.Column('actor_type', sa.String(length=40), nullable=False),
    sa.Column('interviewed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['diagnostic_id'], ['diagnostic.id'], ),
    sa.PrimaryKeyConstraint('diagnostic_id', 'actor_type')
    )
    op.create_table('frein',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('diagnostic_id', sa.Integer(), nullable=True),
    sa.Column('identified_date', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['diagnostic_id'], ['diagnostic.id'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('frein', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_frein_territory_code'), ['territory_code'], unique=False)

    op.create_table('indicator_availability',
    sa.Column('indicator_id', sa.String(length=20), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('provider_institution_code', sa.String(length=30), nullable=False),
    sa.Column('secured', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['provider_institution_code'], ['institution.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('indicator_id')
    )
    with op.batch_alter_table('indicator_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_availability_territory_code'), ['territory_code'], unique=False)

    op.create_table('instance',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=True),
    sa.Column('chair_institution_code', sa.String(length=30), nullable=True),
    sa.Column('purpose', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['chair_institution_code'], ['institution.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('instance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_instance_territory_code'), ['territory_code'], unique=False)

    op.create_table('ise_resource_contact',
    sa.Column('institution_code', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('has_contact', sa.Boolean(), nullable=False),
    sa.Column('contact_function', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['institution_code'], ['institution.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('institution_code', 'year')
    )
    with op.batch_alter_table('ise_resource_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ise_resource_contact_territory_code'), ['territory_code'], unique=False)

    op.create_table('plan_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('action_type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=False),
    sa.Column('planned_end', sa.Date(), nullable=False),
    sa.Column('actual_start', sa.Date(), nullable=True),
    sa.Column('actual_end', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('deals_with_relay', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index('ix_plan_action_territory_start', ['territory_code', 'planned_start'], unique=False)

    op.create_table('action_frein',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('frein_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], ),
    sa.ForeignKeyConstraint(['frein_id'], ['frein.id'], ),
    sa.PrimaryKeyConstraint('action_id', 'frein_id')
    )
    op.create_table('communication_reach',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('actor_type', sa.String(length=40), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['communication_action.id'], ),
    sa.PrimaryKeyConstraint('action_id', 'actor_type')
    )
    op.create_table('instance_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_date', sa.Date(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('from_instance_code', sa.String(length=30), nullable=False),
    sa.Column('to_instance_code', sa.String(length=30), nullable=False),
    sa.Column('link_type', sa.String(length=40), nullable=False),
    sa.Column('modality', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['from_instance_code'], ['instance.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.ForeignKeyConstraint(['to_instance_code'], ['instance.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('instance_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_link_territory_code'), ['territory_code'], unique=False)

    op.create_table('instance_output',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_code', sa.String(length=30), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('output_date', sa.Date(), nullable=False),
    sa.Column('output_type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['instance_code'], ['instance.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('instance_output', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instance_output_instance_code'), ['instance_code'], unique=False)
        batch_op.create_index('ix_instance_output_territory_date', ['territory_code', 'output_date'], unique=False)

    op.create_table('local_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('result_date', sa.Date(), nullable=False),
    sa.Column('result_type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('local_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_result_territory_code'), ['territory_code'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_code', sa.String(length=30), nullable=False),
    sa.Column('territory_code', sa.String(length=12), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('minutes_shared', sa.Boolean(), nullable=False),
    sa.Column('topics', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['instance_code'], ['instance.code'], ),
    sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instance_code', 'meeting_date', 'kind', name='uq_meeting_instance_date_kind')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_instance_code'), ['instance_code'], unique=False)
        batch_op.create_index('ix_meeting_territory_date', ['territory_code', 'meeting_date'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('institution_code', sa.String(length=30), nullable=False),
    sa.Column('expected', sa.Boolean(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_code'], ['institution.code'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('meeting_id', 'institution_code')
    )



def downgrade() -> None:

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_territory_date')
        batch_op.drop_index(batch_op.f('ix_meeting_instance_code'))

    op.drop_table('meeting')
    with op.batch_alter_table('local_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_result_territory_code'))

    op.drop_table('local_result')
    with op.batch_alter_table('instance_output', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_output_territory_date')
        batch_op.drop_index(batch_op.f('ix_instance_output_instance_code'))

    op.drop_table('instance_output')
    with op.batch_alter_table('instance_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_link_territory_code'))

    op.drop_table('instance_link')
    op.drop_table('communication_reach')
    op.drop_table('action_frein')
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_action_territory_start')
        batch_op.drop_index(batch_op.f('ix_plan_action_plan_id'))

    op.drop_table('plan_action')
    with op.batch_alter_table('ise_resource_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ise_resource_contact_territory_code'))

    op.drop_table('ise_resource_contact')
    with op.batch_alter_table('instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instance_territory_code'))
        batch_op.drop_index(batch_op.f('ix_instance_kind'))

    op.drop_table('instance')
    with op.batch_alter_table('indicator_availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_availability_territory_code'))

    op.drop_table('indicator_availability')
    with op.batch_alter_table('frein', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_frein_territory_code'))

    op.drop_table('frein')
    op.drop_table('diagnostic_actor')
    with op.batch_alter_table('data_initiative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_initiative_territory_code'))

    op.drop_table('data_initiative')
    with op.batch_alter_table('data_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_delivery_institution_code'))

    op.drop_table('data_delivery')
    op.drop_table('ctme_participant')
    op.drop_table('cooperation_partner')
    with op.batch_alter_table('communication_plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communication_plan_item_territory_code'))
        batch_op.drop_index(batch_op.f('ix_communication_plan_item_plan_id'))

    op.drop_table('communication_plan_item')
    with op.batch_alter_table('communication_action', schema=None) as batch_op:
        batch_op.drop_index('ix_communication_action_territory_date')
        batch_op.drop_index(batch_op.f('ix_communication_action_organiser_institution_code'))

    op.drop_table('communication_action')
    op.drop_table('case_measure')
    op.drop_table('at_tool_recipient')
    op.drop_table('at_need_institution')
    with op.batch_alter_table('survey_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_result_territory_code'))
        batch_op.drop_index(batch_op.f('ix_survey_result_question_code'))

    op.drop_table('survey_result')
    with op.batch_alter_table('retention_case', schema=None) as batch_op:
        batch_op.drop_index('ix_retention_case_territory_date')
        batch_op.drop_index(batch_op.f('ix_retention_case_signalement_date'))

    op.drop_table('retention_case')
    with op.batch_alter_table('ise_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ise_feedback_territory_code'))

    op.drop_table('ise_feedback')
    with op.batch_alter_table('ise_call', schema=None) as batch_op:
        batch_op.drop_index('ix_ise_call_territory_date')
        batch_op.drop_index(batch_op.f('ix_ise_call_call_date'))

    op.drop_table('ise_call')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_type'))
        batch_op.drop_index(batch_op.f('ix_institution_territory_code'))

    op.drop_table('institution')
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index('ix_indicator_value_indicator_year')

    op.drop_table('indicator_value')
    op.drop_table('followup_mechanism')
    with op.batch_alter_table('diagnostic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diagnostic_territory_code'))

    op.drop_table('diagnostic')
    with op.batch_alter_table('ctme_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ctme_session_territory_code'))
        batch_op.drop_index(batch_op.f('ix_ctme_session_session_date'))

    op.drop_table('ctme_session')
    with op.batch_alter_table('cooperation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cooperation_territory_code'))

    op.drop_table('cooperation')
    with op.batch_alter_table('communication_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communication_plan_territory_code'))

    op.drop_table('communication_plan')
    op.drop_table('cme_perimeter')
    op.drop_table('at_yearly_activity')
    with op.batch_alter_table('at_tool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_at_tool_territory_code'))

    op.drop_table('at_tool')
    with op.batch_alter_table('at_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_at_request_territory_code'))

    op.drop_table('at_request')
    with op.batch_alter_table('at_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_at_need_territory_code'))

    op.drop_table('at_need')
    with op.batch_alter_table('at_initiative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_at_initiative_territory_code'))

    op.drop_table('at_initiative')
    with op.batch_alter_table('analysis_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_analysis_comment_key')

    op.drop_table('analysis_comment')
    with op.batch_alter_table('actor_caseload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actor_caseload_territory_code'))

    op.drop_table('actor_caseload')
    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_territory_code'))

    op.drop_table('action_plan')
    with op.batch_alter_table('territory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_territory_level'))

    op.drop_table('territory')
    op.drop_table('survey_question')
    op.drop_table('store_meta')
    op.drop_table('reporting_year')

