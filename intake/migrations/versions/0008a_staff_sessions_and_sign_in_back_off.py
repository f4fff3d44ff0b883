"""staff sessions on the server (sign-out ends them); the last TOTP step used; sign-in back-off
per name, address and browser instead of the account lock; a staff member's own e-mail

Revision ID: 0008a
Revises: 0007
Create Date: 2026-12-07 10:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008a'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'staff_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_sessions_user_id_staff_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    )
    with op.batch_alter_table('staff_sessions') as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('staff_users') as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later): a batch copy would drop and re-create
    # staff_users, which other tables reference.
    op.drop_column('staff_users', 'failed_logins')
    op.drop_column('staff_users', 'locked_until')
    op.create_table(
        'sign_in_backoff',
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('wait_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('alerted_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_backoff')),
    )
    with op.batch_alter_table('sign_in_backoff') as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_backoff_last_at'), ['last_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sign_in_backoff') as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_backoff_last_at'))
    op.drop_table('sign_in_backoff')
    op.add_column('staff_users', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('staff_users', sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    op.drop_column('staff_users', 'email')
    op.drop_column('staff_users', 'totp_last_step')
    with op.batch_alter_table('staff_sessions') as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))
    op.drop_table('staff_sessions')
