"""The ledger (台账) of tips: one row per tip in a person's scope, submitted in a date range, as
XLSX or CSV (intake/platform/export.py writes both, with formula-safe cells).

The ledger lists every tip, merged ones included (their status says so); the statistics are
where a merged tip stops counting. The channel supplies the column headers and the words in
the staff member's language (the console's catalog); this module supplies the facts and audits
every export. Money is a number of yuan with two decimals, computed from integer fen with
Decimal (never a float in between).

A ledger is read in batches of tips in submission order (each batch its own short read), so an
export streams (`open_export`): the file's first rows leave before the last are read, and memory
stays that of one batch however many tips the ledger lists.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, or_, select

from i18n import Translator
from intake.platform import audit
from intake.platform.core import Core
from intake.platform.export import CsvStream, XlsxStream
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import Outcome
from intake.platform.models.tips import Assignment, StatusEvent, Tip
from intake.staff.staff import UNIT_ROLES, visible_units
from intake.reports.statistics import Period, regions_in_scope
from intake.domain.refusals import Refused
from intake.domain.workflow import STATUS_LABELS, Status

#: The ledger's columns, in order (headers come from the channel, in the reader's language).
COLUMNS = (
    "id", "source", "submitted_at", "accepted_at", "category", "subject", "region", "lead_unit",
    "assisting_units", "status", "result", "money_recovered", "finished_at", "struck_off",
)
#: 销号: the tip has left the work (finished, declined, or joined with another tip).
STRUCK_OFF = (Status.CLOSED, Status.DECLINED, Status.MERGED)
FORMATS = ("xlsx", "csv")
FEN = Decimal("0.01")
#: Tips per read: the first batch small, so a download starts at once; then larger ones.
FIRST_BATCH = 200
BATCH = 2000


class LedgerRefused(Refused):
    """This person has no tips to put in a ledger, or chose a region outside their own."""


def yuan(fen: int) -> Decimal:
    """Integer fen as yuan with exactly two decimals."""
    return (Decimal(int(fen)) / 100).quantize(FEN)


@dataclass(frozen=True)
class LedgerRow:
    id: int
    source: str
    submitted_at: datetime
    accepted_at: datetime | None
    category: str
    subject: str
    region: str
    lead_unit: str
    assisting_units: str
    status: str
    result: str
    money_recovered: Decimal
    finished_at: datetime | None
    struck_off: str

    def cells(self) -> list[object]:
        return [getattr(self, name) for name in COLUMNS]


@dataclass(frozen=True)
class Ledger:
    headers: list[str]
    rows: list[LedgerRow]
    total_label: str

    @property
    def total_recovered(self) -> Decimal:
        return sum((row.money_recovered for row in self.rows), Decimal("0.00"))


def _scope(core: Core, staff: StaffUser, region: str | None):
    """Which tips the ledger may list: a unit's (lead or assisting), or a region's and below."""
    if staff.role in UNIT_ROLES:
        units = visible_units(core, staff)
        if not units:
            raise LedgerRefused()
        # Per tip, in submission order: the ledger's batches walk the submission-date index (an IN
        # over the unit's assignments would sort all the unit's tips again for every batch), and
        # each tip's assignments are found by its id (on SQLite, `coalesce` keeps the planner off
        # the unit's queue index).
        unit = func.coalesce(Assignment.unit_code, Assignment.unit_code) if core.db.dialect == "sqlite" else Assignment.unit_code
        return select(Assignment.id).where(Assignment.tip_id == Tip.id, unit.in_(units), Assignment.active.is_(True)).exists()
    allowed = regions_in_scope(core, staff)
    chosen = region or (allowed[0] if allowed else "")
    if chosen not in allowed:
        raise LedgerRefused()
    regions = core.deployment.region_and_below(chosen)
    units = [u.code for u in core.deployment.units if u.region in regions]
    # A region and below is most of the table: on SQLite, `column || ''` keeps the planner on the
    # submission-date index (the period) instead of walking the region and unit indexes.
    sqlite = core.db.dialect == "sqlite"
    region_column = Tip.region_code + literal("") if sqlite else Tip.region_code
    unit_column = Tip.lead_unit + literal("") if sqlite else Tip.lead_unit
    return or_(region_column.in_(sorted(regions)), unit_column.in_(units))


def _local(moment: datetime | None, tz: str) -> datetime | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(ZoneInfo(tz)).replace(tzinfo=None, second=0, microsecond=0)


@dataclass
class LedgerReader:
    """The ledger of one person, period and region, read batch by batch (`batches`)."""

    core: Core
    condition: object  # the scope's SQL condition (_scope)
    language: str
    low: datetime
    high: datetime
    words: Mapping[str, str]
    separator: str = field(init=False)
    status_words: Translator = field(init=False)

    def __post_init__(self) -> None:
        self.separator = "、" if self.language == "zh_Hans" else "; "
        self.status_words = Translator(self.language)

    def _in_period(self) -> list:
        return [self.condition, Tip.created_at >= self.low, Tip.created_at < self.high]

    async def count(self) -> int:
        async with self.core.db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(Tip).where(*self._in_period())) or 0)

    async def batches(self) -> AsyncIterator[list[LedgerRow]]:
        """The rows in submission order, a batch at a time (FIRST_BATCH, then BATCH)."""
        after: tuple[datetime, int] | None = None
        size = FIRST_BATCH
        while True:
            rows, after = await self._read_batch(after, size)
            if rows:
                yield rows
            if len(rows) < size:
                return
            size = BATCH

    async def _read_batch(self, after: tuple[datetime, int] | None, size: int) -> tuple[list[LedgerRow], tuple[datetime, int] | None]:
        """Up to `size` rows after the tip `after` (its stored submission time and id), and the last one's."""
        where = self._in_period()
        if after is not None:  # the next tips in (submission time, id) order: the index's range starts there
            where = [self.condition, Tip.created_at >= after[0], Tip.created_at < self.high,
                     or_(Tip.created_at > after[0], and_(Tip.created_at == after[0], Tip.id > after[1]))]
        async with self.core.db.session() as session:
            rows = (await session.execute(
                select(Tip.id, Tip.channel, Tip.created_at, Tip.category, Tip.answers, Tip.region_code, Tip.lead_unit, Tip.status,
                       Outcome.penalty_decision_no, Outcome.penalty_date, Outcome.criminal_case_filed, Outcome.convicted,
                       Outcome.already_known, Outcome.money_recovered_fen, Outcome.tip_id)
                .outerjoin(Outcome, Outcome.tip_id == Tip.id)
                .where(*where).order_by(Tip.created_at, Tip.id).limit(size)
            )).all()
            if not rows:
                return [], None
            ids = [row[0] for row in rows]
            accepted: dict[int, datetime] = {}
            closed: dict[int, datetime] = {}
            for tip_id, to_status, first, last in (await session.execute(
                select(StatusEvent.tip_id, StatusEvent.to_status, func.min(StatusEvent.at), func.max(StatusEvent.at))
                .where(StatusEvent.tip_id.in_(ids), StatusEvent.to_status.in_((Status.ACCEPTED, Status.CLOSED)),
                       StatusEvent.action == "status")
                .group_by(StatusEvent.tip_id, StatusEvent.to_status)
            )).all():
                if to_status == Status.ACCEPTED:
                    accepted[tip_id] = first  # the first acceptance
                else:
                    closed[tip_id] = last  # the last closing (a re-opened tip was finished again)
            assisting: dict[int, list[str]] = defaultdict(list)
            for tip_id, unit in (await session.execute(
                select(Assignment.tip_id, Assignment.unit_code)
                .where(Assignment.tip_id.in_(ids), Assignment.active.is_(True), Assignment.role == "assisting")
                .order_by(Assignment.id)
            )).all():
                assisting[tip_id].append(unit)
        found = [self._row(row, accepted.get(row[0]), closed.get(row[0]), assisting.get(row[0], [])) for row in rows]
        return found, (rows[-1][2], rows[-1][0])

    def _row(self, row, accepted_at: datetime | None, closed_at: datetime | None, assisting: list[str]) -> LedgerRow:  # noqa: ANN001 - a result row
        (tip_id, channel, created_at, category_code, answers, region_code, lead_unit, status,
         *outcome_fields, outcome_tip) = row
        deployment, language, words, tz = self.core.deployment, self.language, self.words, self.core.settings.timezone
        outcome = _Outcome(*outcome_fields) if outcome_tip is not None else None
        answers = answers or {}
        subject = [str(answers[key]) for key in ("suspect_organisation", "suspect_person")
                   if isinstance(answers.get(key), str) and answers[key] and not answers[key].startswith("__")
                   and answers[key] != "dont_know"]
        return LedgerRow(
            id=tip_id,
            source=words.get(f"channel:{channel}", channel),
            submitted_at=_local(created_at, tz),  # type: ignore[arg-type]
            accepted_at=_local(accepted_at, tz),
            category=deployment.category_label(category_code, language),
            subject=" / ".join(subject),
            region=deployment.region_name(region_code, language),
            lead_unit=deployment.unit_name(lead_unit, language) if lead_unit else "",
            assisting_units=self.separator.join(deployment.unit_name(code, language) for code in assisting),
            status=self.status_words(STATUS_LABELS[Status(status)]),
            result=_result(outcome, words, self.separator),
            money_recovered=yuan(outcome.money_recovered_fen if outcome else 0),
            finished_at=_local(closed_at, tz) if status == Status.CLOSED else None,
            struck_off=words.get("yes", "yes") if status in STRUCK_OFF else words.get("no", "no"),
        )


def ledger_reader(core: Core, staff: StaffUser, period: Period, *, words: Mapping[str, str],
                  region: str | None = None) -> LedgerReader:
    """The reader of this person's ledger; raises LedgerRefused before anything is read."""
    low, high = period.bounds(core.settings.timezone)
    return LedgerReader(core, _scope(core, staff, region), staff.language, low, high, words)


async def build_ledger(
    core: Core, staff: StaffUser, period: Period, *, headers: Sequence[str], words: Mapping[str, str],
    region: str | None = None,
) -> Ledger:
    """The ledger's rows. `words` gives, in the reader's language: "total", "yes", "no",
    "penalty", "criminal_case", "convicted", "already_known", and "channel:<code>" for sources."""
    reader = ledger_reader(core, staff, period, words=words, region=region)
    rows = [row async for batch in reader.batches() for row in batch]
    return Ledger(list(headers), rows, words.get("total", "Total"))


@dataclass(frozen=True)
class _Outcome:
    penalty_decision_no: str | None
    penalty_date: str | None
    criminal_case_filed: bool
    convicted: bool
    already_known: bool
    money_recovered_fen: int


def _result(outcome: _Outcome | None, words: Mapping[str, str], separator: str) -> str:
    if outcome is None:
        return ""
    parts = []
    if outcome.penalty_decision_no or outcome.penalty_date:
        detail = " ".join(p for p in (outcome.penalty_decision_no, outcome.penalty_date) if p)
        parts.append(f"{words.get('penalty', 'penalty')} {detail}".strip())
    if outcome.criminal_case_filed:
        parts.append(words.get("criminal_case", "criminal case"))
    if outcome.convicted:
        parts.append(words.get("convicted", "convicted"))
    if outcome.already_known:
        parts.append(words.get("already_known", "already known"))
    return separator.join(parts)


def _total_row(label: str, total_recovered: Decimal) -> list[object]:
    total: list[object] = [None] * len(COLUMNS)
    total[0] = label
    total[COLUMNS.index("money_recovered")] = total_recovered
    return total


#: The audits of downloads still counting their tips: kept here so none is lost when its download ends.
_COUNTING: set[asyncio.Task] = set()


@dataclass
class LedgerExport:
    """A ledger file being written, and its bytes piece by piece (`chunks`). Its tips are
    counted and the export audited beside the download (`counted`), so the file starts at once."""

    reader: LedgerReader
    fmt: str
    headers: list[str]
    title: str
    counted: asyncio.Task[int]

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file: the header at once, then each batch of rows as it is read, then the total.
        Writing a batch (CPU work) runs in a thread, so other requests go on meanwhile."""
        total = Decimal("0.00")
        if self.fmt == "xlsx":
            stream: XlsxStream | CsvStream = await asyncio.to_thread(XlsxStream, self.headers, title=self.title)
            first = b""
        else:
            stream = CsvStream()
            first = stream.start(self.headers)
        try:
            if first:
                yield first
            async for batch in self.reader.batches():
                total += sum((row.money_recovered for row in batch), Decimal("0.00"))
                written = await asyncio.to_thread(stream.rows, [row.cells() for row in batch])
                if written:
                    yield written
            last = stream.rows([_total_row(self.reader.words.get("total", "Total"), total)])
            if isinstance(stream, XlsxStream):
                last += await asyncio.to_thread(stream.finish)
            await self.counted  # the file ends once its export is on record
            yield last
        finally:
            if isinstance(stream, XlsxStream):
                stream.close()  # a download cut short: the workbook's writers closed in order


async def open_export(
    core: Core, staff: StaffUser, period: Period, fmt: str, *, headers: Sequence[str], words: Mapping[str, str],
    region: str | None = None, title: str = "Ledger",
) -> LedgerExport:
    """A ledger file in `fmt` ("xlsx" or "csv") to stream, audited with the number of tips it
    lists. Raises LedgerRefused (or ValueError for a format) before anything is sent."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown ledger format {fmt!r}")
    reader = ledger_reader(core, staff, period, words=words, region=region)

    async def count_and_audit() -> int:
        tips = await reader.count()
        await audit.record_now(
            core, staff.username, "ledger.export", None, format=fmt, start=period.start.isoformat(),
            end=period.end.isoformat(), region=region or "", tips=tips,
        )
        return tips

    counted = asyncio.create_task(count_and_audit())  # recorded even when the download is cut short
    _COUNTING.add(counted)
    counted.add_done_callback(_COUNTING.discard)
    return LedgerExport(reader, fmt, list(headers), title or "Ledger", counted)


async def export_ledger(
    core: Core, staff: StaffUser, period: Period, fmt: str, *, headers: Sequence[str], words: Mapping[str, str],
    region: str | None = None, title: str = "Ledger",
) -> tuple[bytes, int]:
    """The ledger file in `fmt` ("xlsx" or "csv") as one piece, and its number of tips; audited."""
    export = await open_export(core, staff, period, fmt, headers=headers, words=words, region=region, title=title)
    return b"".join([chunk async for chunk in export.chunks()]), await export.counted
