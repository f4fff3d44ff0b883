"""the statistics' daily and monthly counts (tip_counts_daily, tip_counts_monthly, kept by triggers on tips), the tip's durations
to acceptance and to finishing, and the indexes of the live figures (overdue now, the medians)

The counts are kept by the database, in the transaction that changes a tip, whichever code
writes it (a Core insert at submission, the ORM in the workflow, a bulk load): each change takes
the tip's share from its old group (day, category, lead unit, status, region) and adds it to its
new one. The day is the submission's local day in Asia/Shanghai (UTC+8 all year; the statistics
use the table only when the deployment's time zone is that one). On PostgreSQL the trigger is
deferred to the commit, so a busy group's row is locked only while the transaction commits.
A later migration that rebuilds `tips` on SQLite (batch mode's copy) drops these triggers: it must
create them again (tests/test_statistics_counts.py fails without them).

Revision ID: 0018r
Revises: 0018l
Create Date: 2026-12-07 23:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0018r'
down_revision = '0018l'
branch_labels = None
depends_on = None

TRACKED = "status, category, lead_unit, region_code, answers, accept_seconds, finish_seconds, created_at, paused_at"
GROUP = "category, lead_unit, status, region_code"
VALUES = "tips, unpaused, money_lost_fen, with_money_lost, accepted, accept_seconds, finished, finish_seconds"
#: Each table of counts, its period column, and the period of a stored time (SQLite, PostgreSQL).
TABLES = (
    ("tip_counts_daily", "day", "date({t}, '+8 hours')", "({t} AT TIME ZONE 'Asia/Shanghai')::date"),
    ("tip_counts_monthly", "month", "date({t}, '+8 hours', 'start of month')",
     "date_trunc('month', {t} AT TIME ZONE 'Asia/Shanghai')::date"),
)


def _add(table: str) -> str:
    return ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in VALUES.split(", "))


def _share(row: str, lost: str, yes: str) -> list[str]:
    """One tip's share of each value, in VALUES' order; `yes` turns a condition into 0 or 1."""
    return ["1", f"({row}.paused_at IS NULL){yes}", lost, f"({lost} > 0){yes}", f"({row}.accept_seconds IS NOT NULL){yes}",
            f"coalesce({row}.accept_seconds, 0)", f"({row}.finish_seconds IS NOT NULL){yes}", f"coalesce({row}.finish_seconds, 0)"]


def _sqlite_lost(row: str) -> str:
    return (f"(CASE WHEN json_type({row}.answers, '$.money_lost') = 'integer' "
            f"THEN json_extract({row}.answers, '$.money_lost') ELSE 0 END)")


def _take(row: str, lost: str, yes: str, period_sql: str) -> list[str]:
    """Statements taking the tip `row` (OLD) out of its groups."""
    statements = []
    for table, column, sqlite_period, postgres_period in TABLES:
        period = (sqlite_period if period_sql == "sqlite" else postgres_period).format(t=f"{row}.created_at")
        minus = ", ".join(f"{name} = {name} - {share}" for name, share in zip(VALUES.split(", "), _share(row, lost, yes)))
        statements.append(
            f"UPDATE {table} SET {minus} WHERE {column} = {period} AND category = {row}.category "
            f"AND lead_unit = coalesce({row}.lead_unit, '') AND status = {row}.status AND region_code = {row}.region_code;")
    return statements


def _give(row: str, lost: str, yes: str, period_sql: str) -> list[str]:
    """Statements adding the tip `row` (NEW) to its groups."""
    statements = []
    for table, column, sqlite_period, postgres_period in TABLES:
        period = (sqlite_period if period_sql == "sqlite" else postgres_period).format(t=f"{row}.created_at")
        values = ", ".join([period, f"{row}.category", f"coalesce({row}.lead_unit, '')", f"{row}.status", f"{row}.region_code",
                            *_share(row, lost, yes)])
        statements.append(
            f"INSERT INTO {table} ({column}, {GROUP}, {VALUES}) VALUES ({values}) "
            f"ON CONFLICT ({column}, {GROUP}) DO UPDATE SET {_add(table)};")
    return statements


def _sqlite_triggers() -> list[str]:
    take = " ".join(_take("OLD", _sqlite_lost("OLD"), "", "sqlite"))
    give = " ".join(_give("NEW", _sqlite_lost("NEW"), "", "sqlite"))
    changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in TRACKED.split(", "))
    return [
        f"CREATE TRIGGER tip_counts_insert AFTER INSERT ON tips BEGIN {give} END",
        f"CREATE TRIGGER tip_counts_update AFTER UPDATE OF {TRACKED} ON tips WHEN {changed} BEGIN {take} {give} END",
        f"CREATE TRIGGER tip_counts_delete AFTER DELETE ON tips BEGIN {take} END",
    ]


POSTGRES_LOST = "CASE WHEN json_typeof({row}.answers -> 'money_lost') = 'number' THEN ({row}.answers ->> 'money_lost')::bigint ELSE 0 END"
POSTGRES_FUNCTION = f"""
CREATE FUNCTION tip_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lost bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        lost := {POSTGRES_LOST.format(row="OLD")};
        {" ".join(_take("OLD", "lost", "::int", "postgresql"))}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        lost := {POSTGRES_LOST.format(row="NEW")};
        {" ".join(_give("NEW", "lost", "::int", "postgresql"))}
    END IF;
    RETURN NULL;
END
$$
"""
POSTGRES_TRIGGER = (
    f"CREATE CONSTRAINT TRIGGER tip_counts AFTER INSERT OR DELETE OR UPDATE OF {TRACKED} ON tips "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tip_counts_change()"
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('tips') as batch_op:
        batch_op.add_column(sa.Column('accept_seconds', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('finish_seconds', sa.BigInteger(), nullable=True))
    for table, column, _sqlite_period, _postgres_period in TABLES:
        op.create_table(
            table,
            sa.Column(column, sa.Date(), nullable=False),
            sa.Column('category', sa.String(length=40), nullable=False),
            sa.Column('lead_unit', sa.String(length=60), nullable=False),
            sa.Column('status', sa.String(length=32), nullable=False),
            sa.Column('region_code', sa.String(length=12), nullable=False),
            *(sa.Column(name, sa.BigInteger() if name.endswith(("_fen", "_seconds")) else sa.Integer(), nullable=False)
              for name in VALUES.split(", ")),
            sa.PrimaryKeyConstraint(column, 'category', 'lead_unit', 'status', 'region_code', name=op.f(f'pk_{table}')),
            sqlite_with_rowid=False,
        )
    # The durations of the tips already there, from their timelines (the first acceptance, the first closing).
    if postgres:
        seconds = "round(extract(epoch FROM (min(e.at) - tips.created_at)))::bigint"
    else:
        seconds = "CAST(round((julianday(min(e.at)) - julianday(tips.created_at)) * 86400) AS INTEGER)"

    def first(status: str) -> str:
        return f"(SELECT {seconds} FROM status_events e WHERE e.tip_id = tips.id AND e.to_status = '{status}' AND e.action = 'status')"

    op.execute(f"UPDATE tips SET accept_seconds = {first('accepted')}")
    op.execute(f"UPDATE tips SET finish_seconds = {first('closed')} - accept_seconds WHERE accept_seconds IS NOT NULL")
    op.execute("UPDATE tips SET finish_seconds = NULL WHERE finish_seconds < 0")
    lost = POSTGRES_LOST.format(row="tips") if postgres else _sqlite_lost("tips")
    yes = "::int" if postgres else ""
    sums = ", ".join(f"coalesce(sum({share}), 0)" for share in _share("tips", lost, yes))
    for table, column, sqlite_period, postgres_period in TABLES:
        period = (postgres_period if postgres else sqlite_period).format(t="created_at")
        op.execute(
            f"INSERT INTO {table} ({column}, {GROUP}, {VALUES}) "
            f"SELECT {period}, category, coalesce(lead_unit, ''), status, region_code, {sums} FROM tips "
            f"GROUP BY {period}, category, coalesce(lead_unit, ''), status, region_code"
        )
    if postgres:
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)
    op.create_index('ix_tips_late_accept', 'tips', ['status', 'accept_due', 'created_at', 'region_code', 'lead_unit'])
    op.create_index('ix_tips_late_finish', 'tips', ['status', 'paused_at', 'finish_due', 'created_at', 'region_code', 'lead_unit'])
    for name in ('accept_seconds', 'finish_seconds'):
        where = sa.text(f"{name} IS NOT NULL")
        op.create_index(f'ix_tips_{name}', 'tips', [name, 'created_at', 'region_code', 'lead_unit', 'status'],
                        sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in ('ix_tips_finish_seconds', 'ix_tips_accept_seconds', 'ix_tips_late_finish', 'ix_tips_late_accept'):
        op.drop_index(name, table_name='tips')
    if postgres:
        op.execute("DROP TRIGGER tip_counts ON tips")
        op.execute("DROP FUNCTION tip_counts_change()")
    else:
        for name in ('tip_counts_insert', 'tip_counts_update', 'tip_counts_delete'):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('tip_counts_monthly')
    op.drop_table('tip_counts_daily')
    with op.batch_alter_table('tips') as batch_op:
        batch_op.drop_column('finish_seconds')
        batch_op.drop_column('accept_seconds')
