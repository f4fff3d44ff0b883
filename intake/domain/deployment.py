"""The deployment's editable data: categories, regions, department kinds and units, the
routing table and reply templates, with texts in every language.

Loaded from the TOML files under intake/config/ (or a deployment's own copies) and stored as
versions in the database (config_store.py). Texts here are deployment texts, not catalog
strings: each carries one entry per language.
"""
from __future__ import annotations

import tomllib
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from i18n import fallback_chain
from intake.domain import joins

CONFIG_DIR = Path(__file__).parents[1] / "config"
DEPLOYMENT_FILES = ("taxonomy.toml", "directory.toml", "departments.toml", "units.toml", "templates.toml")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class LocalText(BaseModel):
    """One text in each language of the tip-line: none may be missing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh_Hans: NonEmpty
    bo: NonEmpty
    en: NonEmpty

    def get(self, language: str) -> str:
        for lang in fallback_chain(language):
            text = getattr(self, lang, None)
            if text:
                return text
        return self.zh_Hans


class Category(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: NonEmpty
    label: LocalText
    examples: tuple[LocalText, ...] = ()
    advice: LocalText
    retired: bool = False


class Region(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^\d{6}(\d{3})?$")]
    parent: str = ""
    level: str
    name: LocalText
    retired: bool = False


class DepartmentKind(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: NonEmpty
    name: LocalText
    retired: bool = False


class Contact(BaseModel):
    """The deployment's own public numbers (units.toml, `[contact]`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # What notices give when a unit publishes no number: the government service hotline.
    hotline: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9][0-9 -]{2,19}$")] = "12345"


class Unit(BaseModel):
    """One office of one kind in one region."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: NonEmpty
    kind: NonEmpty
    region: NonEmpty
    phone: str = ""
    email: str = ""  # where alerts about its tips go (new and urgent tips, the digest, 督办); none: no e-mail
    # The unit's Telegram group chat (its numeric id, e.g. -1001234567890) for the same alerts.
    telegram_chat: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(-?\d+)?$")] = ""
    name: LocalText | None = None  # default: region name + kind name
    retired: bool = False


class RoutingRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    category: NonEmpty
    lead: NonEmpty
    assisting: tuple[str, ...] = ()
    region: Literal["suspect_place", "victim_home"] = "suspect_place"


class Routing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    coordinating_kind: NonEmpty
    police_kind: NonEmpty
    online_kind: NonEmpty
    rules: tuple[RoutingRule, ...]


class Template(BaseModel):
    """A reply template: a public message staff can send, in every language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: NonEmpty
    status: str = ""
    text: LocalText
    retired: bool = False


class TextReview(BaseModel):
    """A native speaker checked one deployment text in one language (`tipline i18n import`).

    `text` names it as "categories/care_service/advice"; `digest` fingerprints the texts as they
    were reviewed (intake/admin/text_review.py), so the review lapses when any of them changes.
    The files never carry reviews: they live in the configuration versions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: NonEmpty
    language: Literal["zh_Hans", "bo", "en"]
    by: NonEmpty
    on: date
    digest: NonEmpty


class Deployment(BaseModel):
    """Everything a deployment configures, validated as a whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categories: tuple[Category, ...] = Field(min_length=1)
    regions: tuple[Region, ...] = Field(min_length=1)
    kinds: tuple[DepartmentKind, ...] = Field(min_length=1)
    units: tuple[Unit, ...] = Field(min_length=1)
    routing: Routing
    templates: tuple[Template, ...] = ()
    contact: Contact = Contact()
    reviews: tuple[TextReview, ...] = ()

    @model_validator(mode="after")
    def _codes_unique_and_linked(self) -> Deployment:
        problems: list[str] = []
        for name, items in (
            ("category", self.categories), ("region", self.regions), ("kind", self.kinds),
            ("unit", self.units), ("template", self.templates),
        ):
            codes = [getattr(item, "code", None) or getattr(item, "id") for item in items]
            duplicates = sorted({c for c in codes if codes.count(c) > 1})
            if duplicates:
                problems.append(f"duplicate {name} codes: {', '.join(duplicates)}")
        regions = {r.code for r in self.regions}
        kinds = {k.code for k in self.kinds}
        categories = {c.code for c in self.categories}
        roots = [r.code for r in self.regions if not r.parent]
        if len(roots) != 1:
            problems.append(f"exactly one region must have no parent (the whole deployment); found {roots}")
        for region in self.regions:
            if region.parent and region.parent not in regions:
                problems.append(f"region {region.code} names unknown parent {region.parent}")
        for unit in self.units:
            if unit.kind not in kinds:
                problems.append(f"unit {unit.code} has unknown kind {unit.kind}")
            if unit.region not in regions:
                problems.append(f"unit {unit.code} has unknown region {unit.region}")
        for special in (self.routing.coordinating_kind, self.routing.police_kind, self.routing.online_kind):
            if special not in kinds:
                problems.append(f"routing names unknown kind {special}")
        ruled = [rule.category for rule in self.routing.rules]
        for rule in self.routing.rules:
            if rule.category not in categories:
                problems.append(f"routing rule for unknown category {rule.category}")
            for kind in (rule.lead, *rule.assisting):
                if kind not in kinds:
                    problems.append(f"routing rule for {rule.category} names unknown kind {kind}")
        active_categories = {c.code for c in self.categories if not c.retired}
        for category in active_categories - set(ruled):
            problems.append(f"category {category} has no routing rule")
        for category in {c for c in ruled if ruled.count(c) > 1}:
            problems.append(f"category {category} has more than one routing rule")
        if "other" not in categories:
            problems.append("the taxonomy needs an 'other' category for reporters who are not sure")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def model_copy(self, *, update: dict | None = None, deep: bool = False) -> Deployment:
        """A copy without the original's cached look-up tables (pydantic copies them with the
        fields): a copy with other units must not find the original's."""
        copied = super().model_copy(update=update, deep=deep)
        for name, member in type(self).__dict__.items():
            if isinstance(member, cached_property):
                copied.__dict__.pop(name, None)
        return copied

    @cached_property
    def category_by_code(self) -> dict[str, Category]:
        return {c.code: c for c in self.categories}

    @cached_property
    def region_by_code(self) -> dict[str, Region]:
        return {r.code: r for r in self.regions}

    @cached_property
    def kind_by_code(self) -> dict[str, DepartmentKind]:
        return {k.code: k for k in self.kinds}

    @cached_property
    def unit_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def rule_by_category(self) -> dict[str, RoutingRule]:
        return {r.category: r for r in self.routing.rules}

    @cached_property
    def template_by_id(self) -> dict[str, Template]:
        return {t.id: t for t in self.templates}

    def template_preview(self, template: Template, unit: str | None, language: str) -> str:
        """A reply template as staff choose it: the unit's name and phone filled in, what only the
        step knows (days, reason) as "…"."""
        text = template.text.get(language)
        params = {"unit": self.unit_name(unit, language) if unit else "", "phone": self.unit_phone(unit),
                  "days": "…", "reason": "…"}
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            return text

    def category_label(self, code: str | None, language: str) -> str:
        """A category's label in `language`; an unknown (or retired and gone) code as it is."""
        found = self.category_by_code.get(str(code or ""))
        return found.label.get(language) if found else str(code or "")

    def region_name(self, code: str | None, language: str) -> str:
        """A region's name in `language`; an unknown code as it is."""
        found = self.region_by_code.get(str(code or ""))
        return found.name.get(language) if found else str(code or "")

    def unit_name(self, code: str, language: str) -> str:
        unit = self.unit_by_code.get(code)
        if unit is None:
            return code
        if unit.name is not None:
            return unit.name.get(language)
        region = self.region_by_code[unit.region].name.get(language)
        kind = self.kind_by_code[unit.kind].name.get(language)
        return joins.compound((region, kind), language)

    def unit_phone(self, code: str | None) -> str:
        """The number a reporter can call to check a notice about a tip of this unit."""
        unit = self.unit_by_code.get(code or "")
        return unit.phone if unit is not None and unit.phone else self.contact.hotline

    def units_of(self, kind: str, region: str) -> list[Unit]:
        return [u for u in self.units if u.kind == kind and u.region == region and not u.retired]

    def region_and_below(self, code: str) -> set[str]:
        """A region's code and those of every region inside it."""
        found = {code}
        changed = True
        while changed:
            changed = False
            for region in self.regions:
                if region.parent in found and region.code not in found:
                    found.add(region.code)
                    changed = True
        return found

    def active_categories(self) -> list[Category]:
        return [c for c in self.categories if not c.retired]

    def reportable_regions(self) -> list[Region]:
        """The most specific active regions: the ones a reporter picks from."""
        parents = {r.parent for r in self.regions if not r.retired}
        return [r for r in self.regions if not r.retired and r.code not in parents]

    def root_region(self) -> Region:
        return next(r for r in self.regions if not r.parent)

    def region_path(self, code: str) -> list[Region]:
        """The region and its ancestors, most specific first."""
        path: list[Region] = []
        region = self.region_by_code.get(code)
        while region is not None:
            path.append(region)
            region = self.region_by_code.get(region.parent)
        return path


#: A whole deployment's configuration is a few hundred kilobytes; anything far bigger is a mistake.
MAX_CONFIG_BYTES = 5 * 1024 * 1024


class ConfigFileError(ValueError):
    """A configuration file that cannot be read, with what is wrong in plain words."""


def _load_toml(path: Path) -> dict:
    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise ConfigFileError(f"{path.name}: the file is too big ({size / 1048576:.1f} MB; the most is "
                              f"{MAX_CONFIG_BYTES // 1048576} MB)")
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")  # the byte-order mark some Windows editors add
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(f"{path.name}: not UTF-8 text (byte {error.start}): save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigFileError(f"{path.name}: not valid TOML: {error}") from None


def read_config(path: Path) -> dict:
    """A deployment's raw configuration: a directory of the DEPLOYMENT_FILES, or one TOML file
    holding every section. Raises ConfigFileError for a file that cannot be read."""
    if path.is_file():
        return _load_toml(path)
    merged: dict = {}
    for name in DEPLOYMENT_FILES:
        if (path / name).exists():
            merged.update(_load_toml(path / name))
    return merged


def load_deployment(config_dir: Path | None = None) -> Deployment:
    return Deployment.model_validate(read_config(config_dir or CONFIG_DIR))
