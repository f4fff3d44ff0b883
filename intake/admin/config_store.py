"""Configuration versions: the deployment in force is the newest one stored in the database.

Applying a configuration shows what changes first, keeps every code ever used (a code that
disappears is retired, not deleted: old tips and statistics still name it) and refuses a
configuration that would leave any category in any region without a unit.
"""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select

from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.platform.db import Database
from intake.domain.deployment import Deployment
from intake.platform.export import looks_like_formula
from intake.platform.models.operations import ConfigVersion
from intake.domain.routing import holes

SECTIONS = {"categories": "code", "regions": "code", "kinds": "code", "units": "code", "templates": "id"}


@dataclass
class ConfigDiff:
    added: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)  # e.g. the routing table changed

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.retired or self.other)

    def lines(self) -> list[str]:
        out = []
        for label, part in (("+", self.added), ("~", self.changed), ("-", self.retired)):
            for section, codes in part.items():
                out.append(f"{label} {section}: {', '.join(codes)}")
        out.extend(f"~ {line}" for line in self.other)
        return out or ["no changes"]


class ConfigProblem(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def digest(raw: dict) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def check(raw: dict) -> list[str]:
    """Every problem with a configuration: missing texts, broken links, routing holes."""
    try:
        deployment = Deployment.model_validate(raw)
    except ValidationError as error:
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
    return holes(deployment)


def diff(old: dict, new: dict) -> ConfigDiff:
    result = ConfigDiff()
    for section, key in SECTIONS.items():
        before = {item[key]: item for item in old.get(section, [])}
        after = {item[key]: item for item in new.get(section, [])}
        added = [code for code in after if code not in before]
        changed = [code for code in after if code in before and after[code] != before[code] and not after[code].get("retired")]
        retired = [code for code in after if after[code].get("retired") and not before.get(code, {}).get("retired")]
        for name, codes in (("added", added), ("changed", changed), ("retired", retired)):
            if codes:
                getattr(result, name)[section] = codes
    if old.get("routing") != new.get("routing"):
        result.other.append("routing table")
    if old.get("reviews", []) != new.get("reviews", []):
        result.other.append("native speakers' reviews of texts")
    return result


#: What a stored version holds that the configuration files never do: native speakers' reviews of
#: texts, recorded in the console (each lapses by itself when its text changes).
STORED_ONLY = ("reviews",)


def as_in_files(raw: dict) -> dict:
    """A stored version without what only the database holds, to compare with the files."""
    return {key: value for key, value in raw.items() if key not in STORED_ONLY}


def carry_over_retired(old: dict, new: dict) -> dict:
    """Codes are permanent: an entry missing from `new` comes back from `old`, retired. What only
    the database holds (`STORED_ONLY`) comes over too."""
    merged = json.loads(json.dumps(new))
    for key in STORED_ONLY:
        if key not in merged and old.get(key):
            merged[key] = old[key]
    for section, key in SECTIONS.items():
        present = {item[key] for item in merged.get(section, [])}
        for item in old.get(section, []):
            if item[key] not in present:
                merged.setdefault(section, []).append({**item, "retired": True})
    return merged


async def stored_config(db: Database) -> dict | None:
    async with db.session() as session:
        version = await session.scalar(select(ConfigVersion).order_by(ConfigVersion.id.desc()).limit(1))
        return version.content if version else None


async def load_active(db: Database, files: dict, now) -> tuple[Deployment, bool]:
    """The deployment in force, and whether `files` (the configuration files as read) differ from
    it; on a new database, the files become version 1."""
    raw = await stored_config(db)
    if raw is None:
        raw = files
        problems = check(raw)
        if problems:
            raise ConfigProblem(problems)
        async with db.transaction() as session:
            session.add(ConfigVersion(applied_at=now, applied_by="system", digest=digest(raw), content=raw))
    return Deployment.model_validate(raw), raw is not files and digest(files) != digest(as_in_files(raw))


async def plan(db: Database, raw: dict) -> tuple[dict, ConfigDiff]:
    """What applying `raw` would store, and the difference from the version in force."""
    current = await stored_config(db) or {}
    try:
        merged = carry_over_retired(current, raw)
    except (TypeError, AttributeError, KeyError, ValueError):  # not the shape of a configuration at all
        raise ConfigProblem(check(raw) or ["the file does not have the shape of a configuration"]) from None
    problems = check(merged)
    if problems:
        raise ConfigProblem(problems)
    return merged, diff(current, merged)


async def apply(db: Database, raw: dict, *, applied_by: str, now) -> tuple[Deployment, ConfigDiff]:
    merged, changes = await plan(db, raw)
    async with db.transaction() as session:
        session.add(ConfigVersion(applied_at=now, applied_by=applied_by, digest=digest(merged), content=merged))
    return Deployment.model_validate(merged), changes


MAX_CSV_BYTES = 8 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 30


def regions_from_csv(path: Path, current: dict, *, fill_missing: bool = False) -> tuple[dict, list[str]]:
    """Merge administrative divisions from a CSV of GB/T 2260 codes into a configuration.

    Columns: `code`, `name_zh` (or `name`), optional `name_bo`, `name_en`, `parent`. The parent
    of a 6-digit code is derived (county 990121 -> city 990100 -> province 990000) unless given.
    Returns the new configuration and notes (names filled from Chinese, awaiting translation).
    """
    notes: list[str] = []
    regions = {r["code"]: dict(r) for r in current.get("regions", [])}
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:  # every division of the country, streets included, is far less
        raise ConfigProblem([f"{path.name}: the file is too big ({size / 1048576:.1f} MB; the most is "
                             f"{MAX_CSV_BYTES // 1048576} MB)"])
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns = set(reader.fieldnames or ())
    except UnicodeDecodeError as error:
        raise ConfigProblem([f"{path.name}: not UTF-8 text (byte {error.start}): save it as \"CSV UTF-8\""]) from None
    except csv.Error as error:
        raise ConfigProblem([f"{path.name}: not a CSV file with the columns code,name_zh,name_bo,name_en ({error})"]) from None
    if "code" not in columns or not columns & {"name_zh", "name"}:
        raise ConfigProblem([f"{path.name}: not a CSV file with the columns code,name_zh,name_bo,name_en"])
    problems = []
    for number, row in enumerate(rows, 2):
        code = str(row.get("code") or "").strip()
        zh = str(row.get("name_zh") or row.get("name") or "").strip()
        if not code.isdigit() or len(code) not in (6, 9) or not zh:
            problems.append(f"line {number}: needs a 6- or 9-digit code and a Chinese name")
            continue
        names = {"zh_Hans": zh, "bo": str(row.get("name_bo") or "").strip(), "en": str(row.get("name_en") or "").strip()}
        for language, name in names.items():
            if looks_like_formula(name):  # exported later into spreadsheets: never a formula
                problems.append(f"line {number}: the {language} name starts with {name[0]!r}, like a spreadsheet formula")
            elif isinstance(clean_text(name, max_chars=200), Invalid):
                problems.append(f"line {number}: the {language} name has hidden control characters or is too long")
        for language in ("bo", "en"):
            if not names[language]:
                if not fill_missing:
                    problems.append(f"line {number}: {code} has no {language} name (or use --fill-missing)")
                names[language] = zh
                notes.append(f"{code} {zh}: {language} name copied from Chinese, awaiting translation")
        parent = (row.get("parent") or "").strip() or _derived_parent(code, regions)
        level = "province" if code.endswith("0000") else "city" if code.endswith("00") else "county" if len(code) == 6 else "street"
        regions[code] = {**regions.get(code, {}), "code": code, "parent": parent, "level": level, "name": names}
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if len(problems) > len(shown):
            shown.append(f"… and {len(problems) - len(shown)} more problems")
        raise ConfigProblem(shown)
    return {**current, "regions": list(regions.values())}, notes


def _derived_parent(code: str, known: dict) -> str:
    candidates = [code[:6]] if len(code) == 9 else [code[:4] + "00", code[:2] + "0000"]
    for candidate in candidates:
        if candidate != code and candidate in known:
            return candidate
    return ""
