"""category_examples: categories staff confirmed, with the description scrubbed, for retraining
the suggestion (issue 19 item 3)

Revision ID: 0013l
Revises: 0012p
Create Date: 2026-12-07 17:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013l'
down_revision = '0012p'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'category_examples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tip_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('language', sa.String(length=12), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('suggested', sa.String(length=40), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_category_examples_tip_id_tips'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_category_examples')),
        sa.UniqueConstraint('tip_id', name=op.f('uq_category_examples_tip_id')),
    )
    with op.batch_alter_table('category_examples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_examples_confirmed_at'), ['confirmed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('category_examples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_examples_confirmed_at'))
    op.drop_table('category_examples')
