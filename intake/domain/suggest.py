"""The keyword table: a scam category from the words of a description (Chinese, Tibetan, English).

The learned suggestion (intake/domain/category_model.py) uses these keyword scores as one of its
features, and falls back on this module's own suggestion when no model file exists. The words
and weights are deployment data (intake/config/keywords.toml), so a deployment can add a new
scam's words at once; this module only matches and scores them.

Pure: no I/O except `load_keywords`, which reads the TOML file it is given.
"""
from __future__ import annotations

import functools
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.matching import normalize_for_match

DEFAULT_KEYWORDS_PATH = Path(__file__).resolve().parents[1] / "config" / "keywords.toml"

OTHER = "other"
LANGUAGES = ("zh_Hans", "en", "bo")
MAX_ALTERNATIVES = 3

_SETTINGS = {"min_score": 2.0, "smoothing": 1.0}


class KeywordsError(ValueError):
    """The keyword file is malformed; the message names the place."""


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Keyword:
    category: str
    text: str  # as written in the file, less a trailing "*": what staff see as a reason
    weight: float
    mode: str  # "compact" (Chinese substring), "word" (English), "syllable" (Tibetan)
    key: str  # normalised text the pattern is built from

    @functools.cached_property
    def probe(self) -> str:
        """A plain substring every match contains: most keywords are ruled out by `in`, the
        cheapest test there is, before any pattern runs (a suggestion must take milliseconds)."""
        if self.mode == "compact":
            return self.key
        return max(self.key.rstrip("*").split(), key=len)

    @functools.cached_property
    def pattern(self) -> re.Pattern[str] | None:
        if self.mode == "word":
            prefix = self.key.endswith("*")
            core = r"\s+".join(re.escape(part) for part in self.key.rstrip("*").split())
            tail = r"[a-z0-9]*" if prefix else r"(?:s|es|ed|d|ing)?(?![a-z0-9])"
            return re.compile(r"(?<![a-z0-9])" + core + tail)
        if self.mode == "syllable":
            core = r"\s+".join(re.escape(part) for part in self.key.split())
            return re.compile(r"(?<![\u0F40-\u0FBC])" + core)
        return None


@dataclass(frozen=True)
class Keywords:
    """Every category's keywords, plus the scoring settings, as loaded from the TOML file."""

    keywords: tuple[Keyword, ...]
    categories: tuple[str, ...]
    min_score: float = _SETTINGS["min_score"]
    smoothing: float = _SETTINGS["smoothing"]


KEYWORDS_VERSION = "keywords"


@dataclass(frozen=True)
class Suggestion:
    category: str  # best code, "other" when nothing matched well enough
    confidence: float  # 0..1
    reasons: tuple[str, ...]  # the matched words that decided it, strongest first
    alternatives: tuple[tuple[str, float], ...]  # next best (code, confidence), up to 3
    model_version: str = KEYWORDS_VERSION  # which model suggested it ("keywords": the table alone)
    sure: bool = False  # False: "not sure", the reporter or officer is asked to choose

    def to_dict(self) -> dict:
        return {
            "category": self.category,
            "confidence": self.confidence,
            "reasons": list(self.reasons),
            "alternatives": [{"category": c, "confidence": p} for c, p in self.alternatives],
            "model_version": self.model_version,
            "sure": self.sure,
        }


# ---------------------------------------------------------------------------------------------
# Loading


def load_keywords(path: Path | None = None) -> Keywords:
    """Read and check a keyword file (default: intake/config/keywords.toml)."""
    path = Path(path) if path is not None else DEFAULT_KEYWORDS_PATH
    with path.open("rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise KeywordsError(f"{path}: {exc}") from exc
    return parse_keywords(data, source=str(path))


def parse_keywords(data: dict, *, source: str = "keywords") -> Keywords:
    """Build `Keywords` from already-parsed TOML data."""
    settings = dict(_SETTINGS)
    keywords: list[Keyword] = []
    categories: list[str] = []
    for name, value in data.items():
        if not isinstance(value, dict):
            if name not in settings:
                raise KeywordsError(f"{source}: unknown setting {name!r}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise KeywordsError(f"{source}: {name} must be a number >= 0")
            settings[name] = float(value)
            continue
        categories.append(name)
        seen: set[str] = set()
        for language, entries in value.items():
            where = f"{source}: [{name}] {language}"
            if language not in LANGUAGES:
                raise KeywordsError(f"{where}: unknown language (use one of {', '.join(LANGUAGES)})")
            if not isinstance(entries, list):
                raise KeywordsError(f"{where}: must be a list of [word, weight]")
            for entry in entries:
                keyword = _parse_entry(name, entry, where)
                if (keyword.mode, keyword.key) in seen:
                    continue  # the same word twice would count twice
                seen.add((keyword.mode, keyword.key))
                keywords.append(keyword)
    return Keywords(
        keywords=tuple(keywords),
        categories=tuple(categories),
        min_score=settings["min_score"],
        smoothing=settings["smoothing"],
    )


def _parse_entry(category: str, entry: object, where: str) -> Keyword:
    if (
        not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str)
        or isinstance(entry[1], bool) or not isinstance(entry[1], (int, float))
        or not math.isfinite(entry[1])
    ):
        raise KeywordsError(f"{where}: {entry!r} is not [word, weight]")
    text, weight = entry[0], float(entry[1])
    mode = _mode(text)
    key = normalize_for_match(text) if mode == "compact" else _spaced(text)
    if not key.strip("* "):
        raise KeywordsError(f"{where}: empty word")
    return Keyword(category=category, text=text.rstrip("*").strip(), weight=weight, mode=mode, key=key)


def _mode(text: str) -> str:
    if any(_is_cjk(ch) for ch in text):
        return "compact"
    if any("\u0F00" <= ch <= "\u0FFF" for ch in text):
        return "syllable"
    return "word"


def _is_cjk(ch: str) -> bool:
    return (
        "\u3040" <= ch <= "\u30ff"  # kana
        or "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
        or "\U00020000" <= ch <= "\U0003134f"
        or "\uac00" <= ch <= "\ud7af"  # hangul
    )


@functools.lru_cache(maxsize=1)
def _default_keywords() -> Keywords:
    return load_keywords()


# ---------------------------------------------------------------------------------------------
# Normalising and matching


def _spaced(text: str) -> str:
    """NFKC, casefolded; punctuation (and the tsheg) and spacing become single spaces.

    "*" is kept: it marks a prefix in the keyword file and means nothing in a description.
    """
    text = unicodedata.normalize("NFKC", normalize_digits(text))
    text = unicodedata.normalize("NFKC", text.casefold())
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "*":
            out.append(ch)
        elif category[0] in "ZP" or category == "Cc":
            out.append(" ")
        elif category != "Cf":
            out.append(ch)
    return " ".join("".join(out).split())


def _find(keyword: Keyword, compact: str, spaced: str) -> list[tuple[int, int]]:
    if keyword.mode == "compact":
        spans, start = [], compact.find(keyword.key)
        while start >= 0:
            spans.append((start, start + len(keyword.key)))
            start = compact.find(keyword.key, start + 1)
        return spans
    assert keyword.pattern is not None
    return [m.span() for m in keyword.pattern.finditer(spaced)]


def _matched(text: str, keywords: Keywords) -> list[Keyword]:
    """The keywords found in the text, each once; where matches overlap, the longest one
    starting first wins (so "补贴了" is 补贴, not 贴了)."""
    compact, spaced = normalize_for_match(text), _spaced(text).replace("*", " ")
    found: dict[str, list[tuple[int, int, Keyword]]] = {"compact": [], "spaced": []}
    for keyword in keywords.keywords:
        space = "compact" if keyword.mode == "compact" else "spaced"
        if keyword.probe not in (compact if space == "compact" else spaced):
            continue
        found[space].extend((start, end, keyword) for start, end in _find(keyword, compact, spaced))
    chosen: dict[int, Keyword] = {}
    for matches in found.values():
        matches.sort(key=lambda m: (m[0], -(m[1] - m[0]), -m[2].weight))
        covered_to = -1
        for start, end, keyword in matches:
            if start < covered_to:
                continue
            covered_to = end
            chosen.setdefault(id(keyword), keyword)
    return list(chosen.values())


# ---------------------------------------------------------------------------------------------
# Scoring


def keyword_matches(text: str, keywords: Keywords) -> list[Keyword]:
    """The keywords found in the text, each once (overlaps resolved, longest first)."""
    return _matched(text, keywords)


def keyword_scores(text: str, keywords: Keywords, matches: list[Keyword] | None = None) -> dict[str, float]:
    """Each category's total keyword weight in the text (categories with no match left out)."""
    scores: dict[str, float] = {}
    for keyword in matches if matches is not None else _matched(text, keywords):
        scores[keyword.category] = scores.get(keyword.category, 0.0) + keyword.weight
    return scores


def keyword_reasons(matches: list[Keyword], category: str) -> list[str]:
    """The words of `category` among the matches, strongest first."""
    found = [k for k in matches if k.category == category and k.weight > 0]
    return [k.text for k in sorted(found, key=lambda k: (-k.weight, k.text))]


def suggest(text: str, keywords: Keywords | None = None) -> Suggestion:
    """The most likely category of a description by the keyword table alone, with the words
    that point to it."""
    keywords = keywords if keywords is not None else _default_keywords()
    scores: dict[str, float] = {}
    reasons: dict[str, list[Keyword]] = {}
    for keyword in _matched(text, keywords):
        scores[keyword.category] = scores.get(keyword.category, 0.0) + keyword.weight
        if keyword.weight > 0:
            reasons.setdefault(keyword.category, []).append(keyword)

    order = {code: i for i, code in enumerate(keywords.categories)}
    ranked = sorted(
        ((code, score) for code, score in scores.items() if score > 0),
        key=lambda item: (-item[1], order.get(item[0], len(order))),
    )
    total = sum(score for _, score in ranked) + keywords.smoothing

    def confidence(score: float) -> float:
        return round(score / total, 3) if total > 0 else 0.0

    if not ranked or ranked[0][1] < keywords.min_score:
        return Suggestion(
            category=OTHER,
            confidence=0.0,
            reasons=(),
            alternatives=tuple((c, confidence(s)) for c, s in ranked[:MAX_ALTERNATIVES]),
        )
    best, best_score = ranked[0]
    why = sorted(reasons.get(best, []), key=lambda k: (-k.weight, k.text))
    return Suggestion(
        category=best,
        confidence=confidence(best_score),
        reasons=tuple(k.text for k in why),
        alternatives=tuple((c, confidence(s)) for c, s in ranked[1:1 + MAX_ALTERNATIVES]),
        sure=True,
    )
