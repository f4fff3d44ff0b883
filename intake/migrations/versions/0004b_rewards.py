"""rewards: awards and reward exclusions

Revision ID: 0004b
Revises: 0003
Create Date: 2026-11-27 09:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004b'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reward_exclusions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_reward_exclusions_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_exclusions'))
    )
    with op.batch_alter_table('reward_exclusions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_exclusions_tip_id'), ['tip_id'], unique=False)

    op.create_table('awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('case_tip_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('tier', sa.String(length=40), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('budget_region', sa.String(length=12), nullable=False),
    sa.Column('budget_year', sa.Integer(), nullable=False),
    sa.Column('scheme_digest', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by', sa.String(length=60), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=60), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('claim_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id_checked_by', sa.String(length=60), nullable=True),
    sa.Column('payment_reference', sa.String(length=100), nullable=True),
    sa.Column('paid_on', sa.String(length=10), nullable=True),
    sa.Column('paid_by', sa.String(length=60), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lapsed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_awards_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards')),
    sa.UniqueConstraint('case_tip_id', name=op.f('uq_awards_case_tip_id'))
    )
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awards_budget_region'), ['budget_region'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_budget_year'), ['budget_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_tip_id'), ['tip_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awards_tip_id'))
        batch_op.drop_index(batch_op.f('ix_awards_status'))
        batch_op.drop_index(batch_op.f('ix_awards_budget_year'))
        batch_op.drop_index(batch_op.f('ix_awards_budget_region'))
    op.drop_table('awards')
    with op.batch_alter_table('reward_exclusions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_exclusions_tip_id'))
    op.drop_table('reward_exclusions')
