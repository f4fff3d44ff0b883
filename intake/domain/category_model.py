"""The learned category suggestion (issue 19): a linear model over what people write.

`suggest(text, language)` ranks the categories with calibrated confidences, and says which
model version decided and which words weighed most (staff see them as reasons). Below the
model's `unsure_below` confidence the suggestion is "not sure" (`sure` is False): the reporter
or officer is asked to choose.

Features, the same at training (intake/domain/category_training.py) and here:
  - Chinese: character 1- to 3-grams of each run of Han characters (no word segmentation);
  - Tibetan: syllables (split on the tsheg and shad) and pairs of syllables, and each syllable
    without a trailing case particle (-འི, -ས, -ར) so ཁང་པའི also counts as ཁང་པ;
  - English and other Latin script: words, word pairs, and 3- to 5-letter pieces of words
    (so "invest", "investor" and "investment" share features);
  - the keyword table (intake/config/keywords.toml): one feature per category, its keyword
    score, so a deployment's new words count at once, without retraining.
TF-IDF (sublinear term frequency, L2-normalised), then a multinomial logistic regression whose
scores are divided by a temperature fitted by cross-validation on the training set.

The model is plain data (JSON: vocabulary, idf, weights, intercepts, temperature), never a
pickle; inference is numpy only. Pure: no I/O except `load_model`, which reads the file given.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from intake.domain.answers.digits import normalize_digits
from intake.domain.suggest import (
    MAX_ALTERNATIVES,
    OTHER,
    Keywords,
    Keyword,
    Suggestion,
    keyword_matches,
    keyword_reasons,
    keyword_scores,
    load_keywords,
    suggest as suggest_by_keywords,
)

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "config" / "suggest_model.json"
MODEL_FORMAT = "tipline-suggest-model/1"
MAX_REASONS = 5
# A reason word must be in at most about 1 description in 15 of the training set: "说我" and
# "the" weigh a little everywhere and explain nothing.
REASON_MIN_IDF = 1.0 + math.log(15)
# Function words count as features but are never shown as reasons: staff need the words that
# say what happened. (Chinese: an n-gram made only of these characters.)
_FUNCTION_HAN = set("我你他她它们的了是在有说要让把被给和就都也还又这那个一人去来上下到对着过得地吗呢吧啊么很没不")
_FUNCTION_WORDS = {
    "a", "an", "the", "and", "or", "but", "to", "of", "in", "on", "at", "for", "with", "from", "by", "as",
    "is", "was", "were", "are", "be", "been", "has", "had", "have", "do", "did", "does", "it", "its",
    "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her", "they", "them", "their",
    "that", "this", "there", "then", "so", "if", "s", "t", "said", "says", "say", "told", "asked", "got",
    "someone", "somebody", "man", "woman", "people", "who", "what", "now", "all", "up", "out", "into",
    "ཟེར", "ནས", "ཡིན", "རེད", "འདུག", "ཡོད", "དང", "གིས", "གི", "ཀྱི", "ཀྱིས", "ལ", "ན", "ཞིག", "ཅིག", "བྱས", "སོང", "དགོས", "ཚོ", "ཚོར",
}
KEYWORD_PREFIX = "kw:"


class ModelError(ValueError):
    """The model file is missing a part or does not match this code's format."""


# ---------------------------------------------------------------------------------------------
# Features

_RUNS = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<tibetan>[\u0F00-\u0FFF]+)"
    r"|(?P<word>[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0F00-\u0FFF]+)"
)
_TIBETAN_BREAKS = re.compile(r"[\u0F0B-\u0F14\u0F3A-\u0F3D\s]+")
_TIBETAN_PARTICLES = ("འི", "ས", "ར")


def normalize(text: str) -> str:
    """NFKC (full-width letters become plain), digits in any script become 0-9, casefolded."""
    return unicodedata.normalize("NFKC", normalize_digits(text)).casefold()


def features(text: str) -> list[tuple[str, str]]:
    """Every feature of a description as (feature, reason word) pairs, repeats kept.

    The reason word is what staff would read (a Chinese n-gram, a Tibetan syllable or pair,
    an English word); single Han characters have an empty one, as they explain nothing alone.
    """
    out: list[tuple[str, str]] = []
    words: list[str] = []
    for match in _RUNS.finditer(normalize(text)):
        run, kind = match.group(), match.lastgroup
        if kind == "han":
            for n in (1, 2, 3):
                for i in range(len(run) - n + 1):
                    gram = run[i:i + n]
                    out.append(("z:" + gram, gram if n > 1 else ""))
        elif kind == "tibetan":
            syllables = [s for s in _TIBETAN_BREAKS.split(run) if s]
            for i, syllable in enumerate(syllables):
                out.append(("b:" + syllable, syllable))
                stem = _without_particle(syllable)
                if stem != syllable:
                    out.append(("b:" + stem, syllable))
                if i + 1 < len(syllables):
                    pair = syllable + "\u0F0B" + syllables[i + 1]
                    out.append(("b:" + pair, pair))
        else:
            words.append(run)
            out.append(("e:" + run, run))
            padded = f" {run} "
            for n in (3, 4, 5):
                for i in range(len(padded) - n + 1):
                    out.append(("c:" + padded[i:i + n], run))
    out.extend(("e:" + a + " " + b, a + " " + b) for a, b in zip(words, words[1:]))
    return out


def _without_particle(syllable: str) -> str:
    for particle in _TIBETAN_PARTICLES:
        if syllable.endswith(particle) and len(syllable) > len(particle):
            return syllable[: -len(particle)]
    return syllable


def analyze(text: str) -> list[str]:
    """The features alone (what the TF-IDF vectoriser counts at training)."""
    return [feature for feature, _ in features(text)]


def keyword_feature(score: float, scale: float) -> float:
    """A category's keyword score as a feature in [0, 1): saturating, so one strong word
    counts a lot and five do not count five times as much."""
    score = max(score, 0.0)
    return score / (score + scale)


# ---------------------------------------------------------------------------------------------
# The model as data


@dataclass(frozen=True, eq=False)
class Model:
    version: str
    categories: tuple[str, ...]
    index: dict[str, int]  # feature -> row of `weights`
    idf: np.ndarray  # (n_terms,)
    weights: np.ndarray  # (n_terms + n_categories, n_categories): terms, then keyword features
    intercept: np.ndarray  # (n_categories,)
    temperature: float
    unsure_below: float
    keyword_scale: float
    data: dict  # the JSON it was read from, for storing and reporting

    @functools.cached_property
    def centered(self) -> np.ndarray:
        """Each feature's weight for a category less its mean over the categories: what it adds
        to that category above the others (for the reasons)."""
        return self.weights - self.weights.mean(axis=1, keepdims=True)

    @classmethod
    def from_data(cls, data: dict) -> "Model":
        if data.get("format") != MODEL_FORMAT:
            raise ModelError(f"not a {MODEL_FORMAT} model (format {data.get('format')!r})")
        try:
            categories = tuple(data["categories"])
            vocabulary = data["vocabulary"]
            weights = np.asarray(data["weights"], dtype=np.float64)
            model = cls(
                version=str(data["version"]),
                categories=categories,
                index={term: i for i, term in enumerate(vocabulary)},
                idf=np.asarray(data["idf"], dtype=np.float64),
                weights=weights,
                intercept=np.asarray(data["intercept"], dtype=np.float64),
                temperature=float(data["temperature"]),
                unsure_below=float(data["unsure_below"]),
                keyword_scale=float(data["keyword_scale"]),
                data=data,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"malformed model: {exc}") from exc
        n_terms, n_classes = len(vocabulary), len(categories)
        if (model.idf.shape != (n_terms,) or model.weights.shape != (n_terms + n_classes, n_classes)
                or model.intercept.shape != (n_classes,) or model.temperature <= 0):
            raise ModelError("malformed model: the shapes of idf, weights and intercept do not match")
        return model


def model_version(data: dict) -> str:
    """A version that names the content: the same training gives the same version."""
    body = {k: v for k, v in data.items() if k != "version"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"suggest-{digest[:10]}"


def load_model(path: Path | None = None) -> Model:
    path = Path(path) if path is not None else DEFAULT_MODEL_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: {exc}") from exc
    return Model.from_data(data)


@functools.lru_cache(maxsize=1)
def default_model() -> Model | None:
    """The shipped model, or None when the file is missing (the keyword table then suggests)."""
    try:
        return load_model()
    except ModelError:
        return None


@functools.lru_cache(maxsize=1)
def _default_keywords() -> Keywords:
    return load_keywords()


# ---------------------------------------------------------------------------------------------
# Suggesting


def scores(model: Model, text: str, matches: list[Keyword]) -> tuple[np.ndarray, dict[str, dict[int, float]]]:
    """Calibrated probabilities per category, and for each reason word the rows it lit up with
    their values (for the reasons)."""
    counts: dict[int, float] = {}
    words: dict[str, dict[int, float]] = {}
    for feature, word in features(text):
        row = model.index.get(feature)
        if row is None:
            continue
        counts[row] = counts.get(row, 0.0) + 1.0
        if word:
            words.setdefault(word, {})[row] = 0.0
    rows = np.fromiter(counts, dtype=np.int64, count=len(counts))
    values = np.array([1.0 + math.log(c) for c in counts.values()]) * model.idf[rows] if counts else np.zeros(0)
    norm = float(np.sqrt(values @ values)) if counts else 0.0
    if norm:
        values = values / norm
    value_of = dict(zip(rows.tolist(), values.tolist()))
    for lit in words.values():
        for row in lit:
            lit[row] = value_of[row]

    n_terms = len(model.idf)
    by_category = keyword_scores(text, None, matches)
    keyword_values = np.array([keyword_feature(by_category.get(c, 0.0), model.keyword_scale) for c in model.categories])
    logits = model.intercept + (values @ model.weights[rows] if counts else 0.0)
    logits = logits + keyword_values @ model.weights[n_terms:]
    logits = logits / model.temperature
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    for i, code in enumerate(model.categories):
        if keyword_values[i] > 0:
            words.setdefault(KEYWORD_PREFIX + code, {})[n_terms + i] = float(keyword_values[i])
    return probabilities, words


def suggest(
    text: str,
    language: str | None = None,
    *,
    model: Model | None = None,
    keywords: Keywords | None = None,
) -> Suggestion:
    """The categories a description most likely belongs to, best first, with calibrated
    confidence, the model's version and the words that weighed most.

    `language` is the reporter's language; one model serves all three (the features tell the
    scripts apart), so it is accepted for callers that will pick a per-language model later.
    Without a model file, the keyword table suggests (version "keywords").
    """
    del language  # one model for every language, see above
    keywords = keywords if keywords is not None else _default_keywords()
    model = model if model is not None else default_model()
    if model is None:
        return suggest_by_keywords(text, keywords)
    if not normalize(text).strip() or not any(ch.isalnum() for ch in text):
        return Suggestion(category=OTHER, confidence=0.0, reasons=(), alternatives=(),
                          model_version=model.version, sure=False)
    matches = keyword_matches(text, keywords)
    probabilities, words = scores(model, text, matches)
    order = np.argsort(-probabilities, kind="stable")
    best = int(order[0])
    confidence = round(float(probabilities[best]), 3)
    return Suggestion(
        category=model.categories[best],
        confidence=confidence,
        reasons=_reasons(model, best, words, matches),
        alternatives=tuple((model.categories[int(i)], round(float(probabilities[i]), 3)) for i in order[1:1 + MAX_ALTERNATIVES]),
        model_version=model.version,
        sure=confidence >= model.unsure_below,
    )


def _reasons(model: Model, best: int, words: dict[str, dict[int, float]], matches: list[Keyword]) -> tuple[str, ...]:
    """The reason words for the best category: those whose features add most to its score
    (above the average category's, so words common to every scam do not count), with no word
    that is part of, or contains, a stronger one."""
    column = model.centered[:, best]
    weighed: list[tuple[float, str]] = []
    for word, lit in words.items():
        if not word.startswith(KEYWORD_PREFIX) and (
            max(model.idf[row] for row in lit) < REASON_MIN_IDF or _is_function_word(word)
        ):
            continue
        weight = sum(value * column[row] for row, value in lit.items())
        if weight > 0:
            weighed.append((weight, word))
    weighed.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[str] = []
    for _, word in weighed:
        if word.startswith(KEYWORD_PREFIX):
            if word[len(KEYWORD_PREFIX):] != model.categories[best]:
                continue
            candidates = keyword_reasons(matches, model.categories[best])
        else:
            candidates = [word]
        for candidate in candidates:
            if any(_overlaps(candidate, other) for other in chosen):
                continue
            chosen.append(candidate)
        if len(chosen) >= MAX_REASONS:
            break
    return tuple(chosen[:MAX_REASONS])


def _overlaps(word: str, other: str) -> bool:
    """One contains the other, or (Chinese n-grams, cut from the same text) they share a character."""
    if word in other or other in word:
        return True
    return _is_han(word) and _is_han(other) and bool(set(word) & set(other))


def _is_han(word: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in word)


def _is_function_word(word: str) -> bool:
    if _is_han(word):
        return set(word) <= _FUNCTION_HAN
    parts = word.replace("\u0F0B", " ").split()
    return all(part in _FUNCTION_WORDS or _without_particle(part) in _FUNCTION_WORDS for part in parts)
