"""queue: a tip's assignee, its priority rank and the reporter-answered flag, kept by the
workflow, with indexes in the queue's order (rank, newest first) per unit

Revision ID: 0006b
Revises: 0005
Create Date: 2026-11-27 11:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006b'
down_revision = '0005'
branch_labels = None
depends_on = None

RANK = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END"


def upgrade() -> None:
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('queue_rank', sa.SmallInteger(), nullable=False, server_default='2'))
        batch_op.add_column(sa.Column('reporter_answered', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue_rank', sa.SmallInteger(), nullable=False, server_default='2'))

    op.execute(f"UPDATE tips SET queue_rank = {RANK} WHERE priority <> 'normal'")
    op.execute(
        "UPDATE assignments SET queue_rank = (SELECT tips.queue_rank FROM tips WHERE tips.id = assignments.tip_id) "
        "WHERE tip_id IN (SELECT id FROM tips WHERE queue_rank <> 2)"
    )
    # Answered: the reporter wrote after staff last acted (what the queue computed per row before).
    op.execute(
        "UPDATE tips SET reporter_answered = true WHERE EXISTS ("
        " SELECT 1 FROM reporter_messages m WHERE m.tip_id = tips.id AND m.at > COALESCE(("
        "  SELECT max(e.at) FROM status_events e WHERE e.tip_id = tips.id AND (e.actor IS NULL OR e.actor <> 'reporter')"
        " ), tips.created_at))"
    )

    op.create_index('ix_assignments_queue', 'assignments', ['unit_code', 'active', 'queue_rank', sa.text('tip_id DESC')])
    op.create_index('ix_tips_queue', 'tips', ['queue_rank', sa.text('id DESC')])
    op.create_index('ix_tips_assignee_queue', 'tips', ['assignee', 'queue_rank', sa.text('id DESC')])
    op.create_index('ix_tips_answered_queue', 'tips', ['reporter_answered', 'queue_rank', sa.text('id DESC')])


def downgrade() -> None:
    op.drop_index('ix_tips_answered_queue', table_name='tips')
    op.drop_index('ix_tips_assignee_queue', table_name='tips')
    op.drop_index('ix_tips_queue', table_name='tips')
    op.drop_index('ix_assignments_queue', table_name='assignments')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('queue_rank')
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_column('reporter_answered')
        batch_op.drop_column('queue_rank')
        batch_op.drop_column('assignee')
