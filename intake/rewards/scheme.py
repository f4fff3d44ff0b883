"""The reward scheme as configuration: `rewards.toml` validated, its versions recorded with the
moment each took effect, the version in force at a moment, and amounts and days shown to people."""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from intake.domain.deployment import CONFIG_DIR, LocalText, NonEmpty
from intake.platform import audit
from intake.platform.clock import aware, local_date
from intake.platform.core import Core
from intake.platform.models.rewards import RewardSchemeVersion
from intake.rewards.work import SYSTEM

REWARDS_FILE = "rewards.toml"


# -- the scheme as configuration ------------------------------------------------------------------

class Tier(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: NonEmpty
    when: Literal["penalty_decision", "conviction"]
    min_fen: int = Field(gt=0, strict=True)
    max_fen: int = Field(gt=0, strict=True)
    label: LocalText

    @model_validator(mode="after")
    def _range(self) -> Tier:
        if self.min_fen > self.max_fen:
            raise ValueError(f"tier {self.code}: min_fen is above max_fen")
        return self


class Budget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    region: NonEmpty
    yearly_fen: int = Field(ge=0, strict=True)


class Notices(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: LocalText
    reward_approved: LocalText
    reward_paid: LocalText
    reward_lapsed: LocalText
    reward_not_eligible_merged: LocalText


class RewardScheme(BaseModel):
    """The reward scheme in force: validated as a whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim_days: int = Field(default=90, gt=0, strict=True)
    tiers: tuple[Tier, ...] = Field(min_length=1)
    budgets: tuple[Budget, ...] = ()
    notices: Notices
    # The first local day this version applies to reports; without it, from when it is first seen.
    effective_from: date | None = None
    digest: str = ""  # sha256 of the file; set by load_scheme

    @model_validator(mode="after")
    def _unique(self) -> RewardScheme:
        codes = [t.code for t in self.tiers]
        regions = [b.region for b in self.budgets]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate tier codes")
        if len(set(regions)) != len(regions):
            raise ValueError("a region has more than one budget")
        return self

    def tier(self, code: str) -> Tier | None:
        return next((t for t in self.tiers if t.code == code), None)


def scheme_path(core: Core) -> Path:
    own = core.settings.config_dir
    if own is not None and (own / REWARDS_FILE).exists():
        return own / REWARDS_FILE
    return CONFIG_DIR / REWARDS_FILE


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> RewardScheme:
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    return RewardScheme.model_validate({**data, "digest": hashlib.sha256(raw).hexdigest()})


def load_scheme(path: Path | None = None) -> RewardScheme:
    path = path or CONFIG_DIR / REWARDS_FILE
    return _load(path, path.stat().st_mtime_ns)


def scheme(core: Core) -> RewardScheme:
    """The scheme in the file now (its texts and budgets); tips are judged by `versions`."""
    return load_scheme(scheme_path(core))


# -- versions of the scheme ------------------------------------------------------------------------
# The scheme is `rewards.toml` (the deployment's config directory, else intake/config/), loaded
# here on its own rather than as part of the Deployment. Each version of the file is recorded in
# the database the first time it is seen, with the moment it took effect (or the later day the
# file declares in `effective_from`): a tip is judged by the version in force when it was reported
# (eligibility, tiers, claim period), and its award stores that version's digest.

@dataclass(frozen=True)
class Versions:
    """Every recorded version of the scheme, oldest first, with the moment each took effect."""

    items: tuple[tuple[datetime, RewardScheme], ...]

    def at(self, moment: datetime) -> RewardScheme:
        """The version in force at `moment`; a tip older than every version gets the first."""
        found = self.items[0][1]
        for start, version in self.items:
            if start <= aware(moment):
                found = version
        return found

    def by_digest(self, digest: str) -> RewardScheme | None:
        return next((version for _start, version in reversed(self.items) if version.digest == digest), None)


_parsed: dict[str, RewardScheme] = {}


def _from_content(digest: str, content: dict) -> RewardScheme:
    if digest not in _parsed:
        _parsed[digest] = RewardScheme.model_validate({**content, "digest": digest})
    return _parsed[digest]


def _start_of_day(core: Core, day: date) -> datetime:
    from zoneinfo import ZoneInfo

    # stored in UTC: SQLite hands back naive datetimes, read as UTC
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(core.settings.timezone)).astimezone(timezone.utc)


async def versions(core: Core) -> Versions:
    """The recorded versions of the scheme; the file in force is recorded as a new version the
    first time its digest is seen, effective from now (or from the later day it declares)."""
    current = scheme(core)
    async with core.db.session() as session:  # a read, most of the time
        rows = list((await session.scalars(select(RewardSchemeVersion).order_by(RewardSchemeVersion.id))).all())
    if not rows or rows[-1].digest != current.digest:
        now = core.clock.now()
        start = now
        if current.effective_from is not None:
            start = max(now, _start_of_day(core, current.effective_from))
        async with core.db.transaction() as session:
            newest = await session.scalar(select(RewardSchemeVersion).order_by(RewardSchemeVersion.id.desc()).limit(1))
            if newest is None or newest.digest != current.digest:  # not recorded meanwhile by another process
                row = RewardSchemeVersion(digest=current.digest, effective_from=start, recorded_at=now,
                                          content=current.model_dump(mode="json", exclude={"digest"}))
                session.add(row)
                audit.record(session, core, SYSTEM, "reward.scheme_version", None, digest=current.digest,
                             effective_from=start.isoformat())
        async with core.db.session() as session:
            rows = list((await session.scalars(select(RewardSchemeVersion).order_by(RewardSchemeVersion.id))).all())
    items: list[tuple[datetime, RewardScheme]] = []
    for row in rows:  # in the order recorded: a version replaces those still waiting to take effect
        start = aware(row.effective_from)
        items = [item for item in items if item[0] <= start] + [(start, _from_content(row.digest, row.content))]
    return Versions(tuple(items))


async def scheme_in_force(core: Core) -> RewardScheme:
    """The version of the scheme that applies to a tip reported now."""
    return (await versions(core)).at(core.clock.now())


def yuan(fen: int) -> str:
    """Fen as yuan for people: 300000 → "3000", 12345 → "123.45" (integer arithmetic only)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}" if fen % 100 == 0 else f"{sign}{fen // 100}.{fen % 100:02d}"


def end_of_day(core: Core, moment: datetime) -> datetime:
    """The end of the local calendar day of `moment` (claims run in calendar days)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(core.settings.timezone)
    local = moment.astimezone(tz)
    return local.replace(hour=23, minute=59, second=59, microsecond=0).astimezone(moment.tzinfo)


def local_day(core: Core, moment: datetime) -> str:
    """The local calendar day of `moment`, YYYY-MM-DD (e.g. the last day to collect an award)."""
    return local_date(aware(moment), core.settings.timezone).isoformat()
