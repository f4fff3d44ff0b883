"""the count triggers lock a moved tip's two count rows in one order (PostgreSQL)

Migration 0018r's function took a tip out of its old group, then added it to its new one. Two
commits moving tips of one month in opposite directions (verifying → substantiated and back) then
locked the same two rows in opposite orders and could deadlock. Now each table's two rows are
taken in the order of their groups, daily before monthly, whichever way the tip moves. SQLite
writes one transaction at a time: its triggers are unchanged.

Revision ID: 0018t
Revises: 0018r
Create Date: 2026-12-08 01:50:00
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import op

revision = '0018t'
down_revision = '0018r'
branch_labels = None
depends_on = None


def _counts_migration():  # noqa: ANN202 - the module of migration 0018r, whose statements this one orders
    path = Path(__file__).with_name("0018r_tip_counts_daily.py")
    spec = importlib.util.spec_from_file_location("_migration_0018r", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ordered_function() -> str:
    counts = _counts_migration()
    take = counts._take("OLD", "old_lost", "::int", "postgresql")
    give = counts._give("NEW", "new_lost", "::int", "postgresql")
    moves = []
    for index, (_table, _column, _sqlite_period, period) in enumerate(counts.TABLES):
        def group(row: str, period: str = period) -> str:
            return (f"ROW({period.format(t=f'{row}.created_at')}, {row}.category, coalesce({row}.lead_unit, ''), "
                    f"{row}.status, {row}.region_code)")
        moves.append(f"IF {group('OLD')} <= {group('NEW')} THEN {take[index]} {give[index]} "
                     f"ELSE {give[index]} {take[index]} END IF;")
    return f"""
CREATE OR REPLACE FUNCTION tip_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_lost bigint;
    new_lost bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_lost := {counts.POSTGRES_LOST.format(row="OLD")};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_lost := {counts.POSTGRES_LOST.format(row="NEW")};
    END IF;
    IF TG_OP = 'DELETE' THEN
        {" ".join(take)}
    ELSIF TG_OP = 'INSERT' THEN
        {" ".join(give)}
    ELSE
        {" ".join(moves)}
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_ordered_function())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_counts_migration().POSTGRES_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
