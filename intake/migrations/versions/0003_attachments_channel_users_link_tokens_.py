"""attachments, channel users, link tokens, ratings, rate limits, staff sign-in

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 08:54:23.247802
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('user_hash', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('blocked', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_users')),
    sa.UniqueConstraint('user_hash', name=op.f('uq_channel_users_user_hash'))
    )
    op.create_table('rate_counters',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_counters'))
    )
    op.create_table('link_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_link_tokens_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_link_tokens'))
    )
    op.create_table('ratings',
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_ratings_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tip_id', name=op.f('pk_ratings'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('draft_id', sa.String(length=32), nullable=True),
    sa.Column('tip_id', sa.Integer(), nullable=True),
    sa.Column('reporter_message_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('sealed_name', sa.LargeBinary(), nullable=False),
    sa.Column('sealed_content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reporter_message_id'], ['reporter_messages.id'], name=op.f('fk_attachments_reporter_message_id_reporter_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_attachments_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_tip_id'), ['tip_id'], unique=False)

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('totp_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('totp_sealed')
        batch_op.drop_column('password_hash')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_tip_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_draft_id'))

    op.drop_table('attachments')
    op.drop_table('ratings')
    op.drop_table('link_tokens')
    op.drop_table('rate_counters')
    op.drop_table('channel_users')
