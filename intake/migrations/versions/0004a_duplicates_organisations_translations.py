"""possible duplicates (match keys), organisations and their colours, translations of the reporter's words

Revision ID: 0004a
Revises: 0003
Create Date: 2026-11-27 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004a'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tip_match_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tips.id'], name=op.f('fk_tip_match_keys_tip_id_tips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_match_keys'))
    )
    with op.batch_alter_table('tip_match_keys', schema=None) as batch_op:
        batch_op.create_index('ix_tip_match_keys_kind_key', ['kind', 'key'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_match_keys_tip_id'), ['tip_id'], unique=False)
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('colour', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('set_by', sa.String(length=60), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('key', name=op.f('uq_organisations_key'))
    )
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_words_translation', sa.JSON(), nullable=True))
    _index_existing_tips()


def _index_existing_tips() -> None:
    """Match keys for the tips submitted before this revision (new ones get theirs at submission).
    Uses the normalisation of this release: a later change to it re-indexes in its own revision."""
    from intake.migrations.match_keys_0004a import match_keys

    bind = op.get_bind()
    tips = sa.table('tips', sa.column('id', sa.Integer()), sa.column('answers', sa.JSON()))
    keys = sa.table('tip_match_keys', sa.column('tip_id', sa.Integer()), sa.column('kind', sa.String()),
                    sa.column('key', sa.String()), sa.column('value', sa.String()))
    last = 0
    while True:
        rows = bind.execute(sa.select(tips.c.id, tips.c.answers).where(tips.c.id > last).order_by(tips.c.id).limit(1000)).all()
        if not rows:
            return
        batch = [
            {"tip_id": tip_id, "kind": kind, "key": key, "value": value}
            for tip_id, answers in rows for kind, key, value in sorted(match_keys(answers or {}))
        ]
        if batch:
            bind.execute(keys.insert(), batch)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_column('reporter_words_translation')
    op.drop_table('organisations')
    with op.batch_alter_table('tip_match_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_match_keys_tip_id'))
        batch_op.drop_index('ix_tip_match_keys_kind_key')
    op.drop_table('tip_match_keys')
