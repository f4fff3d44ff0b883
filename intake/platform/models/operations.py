"""The service's own records: the deployment configurations applied, the rate-limit
counters every process shares, and the leases that let one instance of many do a job."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.platform.models.base import Base


class ConfigVersion(Base):
    """A deployment configuration as applied: the newest is in force."""

    __tablename__ = "config_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    applied_at: Mapped[datetime]
    applied_by: Mapped[str] = mapped_column(String(60))
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict]


class RateCounter(Base):
    """Fixed-window counters for rate limits, shared by every process through the database."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)


class Lease(Base):
    """Who does a job that must be done once for the whole deployment (intake/platform/leases.py):
    `holder` has it until `until`; after that anyone may take it."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    until: Mapped[datetime]


class DailyCount(Base):
    """How many times something happened on a local day, for the statistics: counts only, never
    what was typed (e.g. look-ups on the public risk list)."""

    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class SuggestModelVersion(Base):
    """A version of the category suggestion's model, as plain data (intake/domain/category_model.py):
    the shipped one and every one trained since. The newest installed is in force; each tip's
    `suggestion` names the version that made it."""

    __tablename__ = "suggest_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(String(20))  # "shipped" or "trained"
    stored_at: Mapped[datetime]
    installed_at: Mapped[datetime | None]
    data: Mapped[dict]  # the model's JSON: vocabulary, idf, weights, intercepts, temperature
    figures: Mapped[dict | None]  # what training measured (held-out top-1, ECE, ...), for choosing
