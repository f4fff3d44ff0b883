"""routing, workflow, staff, outbox, audit and configuration versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 08:33:53.792466
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_tip_id'), ['tip_id'], unique=False)

    op.create_table('config_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_by', sa.String(length=60), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_config_versions'))
    )
    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('unit_code', sa.String(length=60), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_assignments_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_tip_id'), ['tip_id'], unique=False)
        batch_op.create_index('ix_assignments_unit_active', ['unit_code', 'active'], unique=False)

    op.create_table('outcomes',
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('penalty_decision_no', sa.String(length=100), nullable=True),
    sa.Column('penalty_date', sa.String(length=10), nullable=True),
    sa.Column('criminal_case_filed', sa.Boolean(), nullable=False),
    sa.Column('convicted', sa.Boolean(), nullable=False),
    sa.Column('money_recovered_fen', sa.Integer(), nullable=False),
    sa.Column('already_known', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_outcomes_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tip_id', name=op.f('pk_outcomes'))
    )
    op.create_table('reporter_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_reporter_messages_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporter_messages'))
    )
    with op.batch_alter_table('reporter_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporter_messages_tip_id'), ['tip_id'], unique=False)

    op.create_table('tip_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=60), nullable=True),
    sa.Column('author', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_notes_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_notes'))
    )
    with op.batch_alter_table('tip_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tip_notes_tip_id'), ['tip_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('stream', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['status_events.id'], name=op.f('fk_notifications_event_id_status_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_notifications_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_stream'), ['stream'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_tip_id'), ['tip_id'], unique=False)

    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action', sa.String(length=20), nullable=False, server_default='status'))

    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_unit', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.String(length=10), nullable=False, server_default='normal'))
        batch_op.add_column(sa.Column('routing', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('suggestion', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('accept_due', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finish_due', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extension_days', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tips_lead_unit'), ['lead_unit'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tips_merged_into_id_tips'), 'tips', ['merged_into_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tips_merged_into_id_tips'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tips_lead_unit'))
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('extension_days')
        batch_op.drop_column('paused_at')
        batch_op.drop_column('finish_due')
        batch_op.drop_column('accept_due')
        batch_op.drop_column('suggestion')
        batch_op.drop_column('routing')
        batch_op.drop_column('priority')
        batch_op.drop_column('lead_unit')

    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_column('action')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_tip_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_stream'))
        batch_op.drop_index('ix_notifications_due')

    op.drop_table('notifications')
    with op.batch_alter_table('tip_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_notes_tip_id'))

    op.drop_table('tip_notes')
    with op.batch_alter_table('reporter_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporter_messages_tip_id'))

    op.drop_table('reporter_messages')
    op.drop_table('outcomes')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_unit_active')
        batch_op.drop_index(batch_op.f('ix_assignments_tip_id'))

    op.drop_table('assignments')
    op.drop_table('staff_users')
    op.drop_table('config_versions')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_tip_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
