"""A native speaker's review of the deployment texts (categories and their advice, place and
office names, reply templates), as the catalogs have theirs in i18n/review.py.

Works on a raw configuration (the version in force): lists its texts with a name each
("categories/care_service/advice"), tells which are reviewed, and makes the configuration that
carries a reviewer's changes and review records. Storing it is config_store.apply's job, so a
review is one more configuration version, shown as a difference first like any other.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from i18n import LANGUAGES, LOCALES_DIR, N_
from i18n.review import AWAITING_NATIVE_REVIEW, clean_name, digest
from i18n.review import awaiting_review as catalog_awaiting
from intake.domain.deployment import Deployment

#: Where each section's texts are shown.
TEXT_SCREENS: dict[str, str] = {
    "categories": N_("Scam categories and safety advice"),
    "regions": N_("Place names"),
    "kinds": N_("Office names"),
    "units": N_("Office names"),
    "templates": N_("Messages staff send to reporters"),
}
_FIELDS = {"categories": ("label", "examples", "advice"), "regions": ("name",), "kinds": ("name",),
           "units": ("name",), "templates": ("text",)}
_KEYS = {"templates": "id"}


@dataclass(frozen=True)
class DeploymentText:
    name: str  # "categories/care_service/examples/2"
    section: str
    texts: dict[str, str]  # language -> text

    @property
    def screen(self) -> str:
        return TEXT_SCREENS[self.section]


def source_languages(language: str) -> tuple[str, ...]:
    """The texts a reviewer of `language` works from: English and Chinese, less their own."""
    return tuple(lang for lang in ("en", "zh_Hans") if lang != language)


def texts(raw: dict) -> list[DeploymentText]:
    """Every text of the configuration in force (retired entries are no longer shown: left out)."""
    found = []
    for section, fields in _FIELDS.items():
        key = _KEYS.get(section, "code")
        for item in raw.get(section, []):
            if item.get("retired"):
                continue
            for field in fields:
                value = item.get(field)
                if isinstance(value, list):
                    for number, text in enumerate(value, 1):
                        found.append(DeploymentText(f"{section}/{item[key]}/{field}/{number}", section, dict(text)))
                elif isinstance(value, dict):
                    found.append(DeploymentText(f"{section}/{item[key]}/{field}", section, dict(value)))
    return found


def source_digest(text: DeploymentText, language: str) -> str:
    return digest(*(text.texts.get(lang, "") for lang in source_languages(language)))


def review_digest(text: DeploymentText, language: str) -> str:
    return digest(*(text.texts.get(lang, "") for lang in (*source_languages(language), language)))


def reviews_in_force(raw: dict, language: str) -> dict[str, dict]:
    """Text name -> its review in `language`, for the reviews whose texts have not changed since."""
    by_name = {text.name: text for text in texts(raw)}
    found = {}
    for review in raw.get("reviews", []):
        text = by_name.get(review.get("text", ""))
        if review.get("language") == language and text is not None and review.get("digest") == review_digest(text, language):
            found[text.name] = review
    return found


@dataclass(frozen=True)
class ScreenCount:
    screen: str
    entries: int
    reviewed: int
    awaiting: int


def status(raw: dict, language: str) -> list[ScreenCount]:
    """Per screen: texts, reviewed, awaiting review (every text not reviewed, in a language
    that awaits a native speaker)."""
    reviewed = reviews_in_force(raw, language)
    counts: dict[str, list[int]] = {}
    for text in texts(raw):
        numbers = counts.setdefault(text.screen, [0, 0, 0])
        numbers[0] += 1
        numbers[1] += text.name in reviewed
        numbers[2] += text.name not in reviewed and language in AWAITING_NATIVE_REVIEW
    return [ScreenCount(screen, *numbers) for screen, numbers in counts.items()]


def awaiting_review(raw: dict, language: str) -> int:
    return sum(count.awaiting for count in status(raw, language))


def with_review(raw: dict, language: str, changes: dict[str, str], reviewed: set[str], *, by: str, day: date) -> dict:
    """The configuration with `changes` (text name -> new text in `language`) made and every
    text in `reviewed` (changed ones included) recorded as reviewed by `by` on `day`."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    new = json.loads(json.dumps(raw))
    for section, fields in _FIELDS.items():
        key = _KEYS.get(section, "code")
        for item in new.get(section, []):
            for field in fields:
                value = item.get(field)
                name = f"{section}/{item[key]}/{field}"
                if isinstance(value, list):
                    for number, text in enumerate(value, 1):
                        if f"{name}/{number}" in changes:
                            text[language] = changes[f"{name}/{number}"]
                elif isinstance(value, dict) and name in changes:
                    value[language] = changes[name]
    by_name = {text.name: text for text in texts(new)}
    kept = [r for r in new.get("reviews", []) if not (r.get("language") == language and r.get("text") in reviewed)]
    added = [{"text": name, "language": language, "by": clean_name(by), "on": day.isoformat(),
              "digest": review_digest(by_name[name], language)} for name in sorted(reviewed) if name in by_name]
    new["reviews"] = kept + added
    return new


def awaiting_native_review(deployment: Deployment, locales_dir: Path = LOCALES_DIR) -> set[str]:
    """The languages with texts still awaiting a native speaker, in the catalog or the
    deployment in force: the public site says so on its pages in those languages."""
    raw = deployment.model_dump(mode="json")
    return {language for language in AWAITING_NATIVE_REVIEW
            if catalog_awaiting(language, locales_dir) or awaiting_review(raw, language)}
