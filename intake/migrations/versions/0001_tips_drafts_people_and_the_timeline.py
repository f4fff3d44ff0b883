"""tips, drafts, people and the timeline

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 08:26:44.191595
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('email_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_email_hash'), ['email_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_phone_hash'), ['phone_hash'], unique=False)

    op.create_table('tips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_hash', sa.String(length=64), nullable=False),
    sa.Column('pin_hash', sa.String(length=64), nullable=False),
    sa.Column('draft_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('channel_user_hash', sa.String(length=64), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('victim_id', sa.Integer(), nullable=True),
    sa.Column('pin_failures', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_id'], ['people.id'], name=op.f('fk_tips_reporter_id_people')),
    sa.ForeignKeyConstraint(['victim_id'], ['people.id'], name=op.f('fk_tips_victim_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tips')),
    sa.UniqueConstraint('draft_id', name=op.f('uq_tips_draft_id')),
    sa.UniqueConstraint('tracking_hash', name=op.f('uq_tips_tracking_hash'))
    )
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tips_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_channel_user_hash'), ['channel_user_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_tips_status'), ['status'], unique=False)

    op.create_table('drafts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('owner_hash', sa.String(length=64), nullable=False),
    sa.Column('sealed_state', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=True),
    sa.Column('sealed_receipt', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_drafts_tip_id_tips'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts'))
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drafts_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index('ix_drafts_owner', ['channel', 'owner_hash'], unique=False)

    op.create_table('status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.Column('public_message', sa.JSON(), nullable=True),
    sa.Column('internal_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_status_events_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_events'))
    )
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_events_tip_id'), ['tip_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_events_tip_id'))

    op.drop_table('status_events')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_drafts_owner')
        batch_op.drop_index(batch_op.f('ix_drafts_expires_at'))

    op.drop_table('drafts')
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tips_status'))
        batch_op.drop_index(batch_op.f('ix_tips_region_code'))
        batch_op.drop_index(batch_op.f('ix_tips_created_at'))
        batch_op.drop_index(batch_op.f('ix_tips_channel_user_hash'))
        batch_op.drop_index(batch_op.f('ix_tips_category'))

    op.drop_table('tips')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_phone_hash'))
        batch_op.drop_index(batch_op.f('ix_people_email_hash'))

    op.drop_table('people')
