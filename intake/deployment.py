"""The deployment's editable data: scam categories and regions, with texts in every language.

Loaded from the TOML files under intake/config/ (or a deployment's own copies). Texts here
are deployment texts, not catalog strings: each carries one entry per language.
"""
from __future__ import annotations

import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from i18n import LANGUAGES, fallback_chain

CONFIG_DIR = Path(__file__).parent / "config"

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


class Deployment(BaseModel):
    """Everything a deployment configures, validated as a whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categories: tuple[Category, ...] = Field(min_length=1)
    regions: tuple[Region, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_unique_and_linked(self) -> Deployment:
        for kind, items in (("category", self.categories), ("region", self.regions)):
            codes = [item.code for item in items]
            duplicates = sorted({c for c in codes if codes.count(c) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} codes: {', '.join(duplicates)}")
        region_codes = {r.code for r in self.regions}
        for region in self.regions:
            if region.parent and region.parent not in region_codes:
                raise ValueError(f"region {region.code} names unknown parent {region.parent}")
        if "other" not in {c.code for c in self.categories}:
            raise ValueError("the taxonomy needs an 'other' category for reporters who are not sure")
        return self

    @cached_property
    def category_by_code(self) -> dict[str, Category]:
        return {c.code: c for c in self.categories}

    @cached_property
    def region_by_code(self) -> dict[str, Region]:
        return {r.code: r for r in self.regions}

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


def read_toml_files(paths: list[Path]) -> dict:
    merged: dict = {}
    for path in paths:
        with path.open("rb") as handle:
            merged.update(tomllib.load(handle))
    return merged


def load_deployment(config_dir: Path | None = None) -> Deployment:
    directory = config_dir or CONFIG_DIR
    return Deployment.model_validate(read_toml_files(sorted(directory.glob("*.toml"))))
