"""rewards: award shares of joint reporters, joint reports, versions of the reward scheme

Revision ID: 0006d
Revises: 0005
Create Date: 2026-11-27 11:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006d'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('award_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_award_shares_award_id_awards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_award_shares_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_shares'))
    )
    with op.batch_alter_table('award_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_shares_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_shares_tip_id'), ['tip_id'], unique=False)

    op.create_table('reward_joint_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_tip_id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=60), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_tip_id'], ['tips.id'], name=op.f('fk_reward_joint_reports_case_tip_id_tips'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_reward_joint_reports_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_joint_reports')),
    sa.UniqueConstraint('tip_id', name=op.f('uq_reward_joint_reports_tip_id'))
    )
    with op.batch_alter_table('reward_joint_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_joint_reports_case_tip_id'), ['case_tip_id'], unique=False)

    op.create_table('reward_scheme_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('effective_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_scheme_versions'))
    )
    with op.batch_alter_table('reward_scheme_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_scheme_versions_digest'), ['digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_reward_scheme_versions_effective_from'), ['effective_from'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reward_scheme_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_scheme_versions_effective_from'))
        batch_op.drop_index(batch_op.f('ix_reward_scheme_versions_digest'))
    op.drop_table('reward_scheme_versions')
    with op.batch_alter_table('reward_joint_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_joint_reports_case_tip_id'))
    op.drop_table('reward_joint_reports')
    with op.batch_alter_table('award_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_shares_tip_id'))
        batch_op.drop_index(batch_op.f('ix_award_shares_award_id'))
    op.drop_table('award_shares')
