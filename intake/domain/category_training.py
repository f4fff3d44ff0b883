"""Training and measuring the learned category suggestion (intake/domain/category_model.py).

scikit-learn fits the TF-IDF vocabulary and the logistic regression; the result is exported as
plain data (the JSON of category_model.py) and never kept as a scikit-learn object, so serving
needs numpy only. Everything chosen here (the regularisation strength C, the temperature that
calibrates the confidences) is chosen by cross-validation on the training examples alone:
the held-out set (tests/data/suggest_heldout.tsv) is only ever measured.

Deterministic: the same examples and keyword table give the same model and the same version.
Pure but for `load_examples`, which reads the TSV file it is given.
"""
from __future__ import annotations

import collections
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from intake.domain.category_model import (
    MODEL_FORMAT,
    analyze,
    keyword_feature,
    model_version,
)
from intake.domain.suggest import Keywords, Suggestion, keyword_scores

DEFAULT_TRAINING_PATH = Path(__file__).resolve().parents[1] / "config" / "suggest_training.tsv"
C_GRID = (3.0, 10.0, 30.0, 100.0)  # `tipline suggest train --search-c` tries these by cross-validation
C_DEFAULT = 30.0  # what that search chose on the shipped training set (larger C = weaker regularisation)
FOLDS = 5
LARGE_SET_FOLDS = 3  # from LARGE_SET examples on, three folds estimate one temperature as well, in half the time
LARGE_SET = 2000
MIN_DF = 2  # a feature seen in one example only is noise (cross-validation agreed, and the file is smaller)
KEYWORD_SCALE = 4.0  # a category's keyword score that counts as half the keyword feature's maximum
UNSURE_BELOW = 0.5  # below this confidence the suggestion is "not sure"
DECIMALS = 5


class ExamplesError(ValueError):
    """A training or held-out file line is malformed; the message names the line."""


@dataclass(frozen=True)
class Example:
    category: str
    language: str
    text: str
    source: str = ""
    weight: float = 1.0  # how much it counts in training (a confirmed category counts more: see CONFIRMED_WEIGHT)


def load_examples(path: Path | None = None) -> list[Example]:
    """Read a TSV file of `category, language, source, text` lines ("#" starts a comment)."""
    path = Path(path) if path is not None else DEFAULT_TRAINING_PATH
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or not parts[3].strip():
            raise ExamplesError(f"{path}:{number}: expected category, language, source, text separated by tabs")
        category, language, source, text = parts
        examples.append(Example(category=category, language=language, text=text, source=source))
    return examples


# ---------------------------------------------------------------------------------------------
# Training


@dataclass(frozen=True)
class _Prepared:
    """The examples' features, computed once for every fold and the final fit."""

    tokens: list[list[str]]
    keyword_block: np.ndarray  # (examples, categories)
    y: np.ndarray
    weights: np.ndarray | None  # None: every example counts once


def _prepare(examples: Sequence[Example], keywords: Keywords, categories: Sequence[str]) -> _Prepared:
    return _Prepared(
        tokens=[analyze(e.text) for e in examples],
        keyword_block=np.array([
            [keyword_feature(scores.get(code, 0.0), KEYWORD_SCALE) for code in categories]
            for scores in (keyword_scores(e.text, keywords) for e in examples)
        ]).reshape(len(examples), len(categories)),
        y=np.array([categories.index(e.category) for e in examples]),
        weights=np.array([e.weight for e in examples]) if any(e.weight != 1.0 for e in examples) else None,
    )


def _design(prepared: _Prepared, rows: np.ndarray, vectorizer, fit: bool):
    from scipy import sparse

    tokens = [prepared.tokens[i] for i in rows]
    terms = vectorizer.fit_transform(tokens) if fit else vectorizer.transform(tokens)
    return sparse.hstack([terms, sparse.csr_matrix(prepared.keyword_block[rows])], format="csr")


def _already_analysed(tokens: list[str]) -> list[str]:
    return tokens


def _fit(prepared: _Prepared, rows: np.ndarray, c: float):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=_already_analysed, min_df=MIN_DF, sublinear_tf=True, norm="l2", smooth_idf=True, dtype=np.float64,
    )
    x = _design(prepared, rows, vectorizer, fit=True)
    # SAGA: the fastest of scikit-learn's multinomial solvers on sparse TF-IDF; seeded, so repeatable.
    classifier = LogisticRegression(C=c, solver="saga", max_iter=200, tol=1e-3, random_state=0)
    classifier.fit(x, prepared.y[rows], sample_weight=None if prepared.weights is None else prepared.weights[rows])
    return vectorizer, classifier


def _out_of_fold_logits(prepared: _Prepared, n_categories: int, c: float) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold

    y = prepared.y
    logits = np.zeros((len(y), n_categories))
    folds = StratifiedKFold(n_splits=FOLDS if len(y) < LARGE_SET else LARGE_SET_FOLDS, shuffle=True, random_state=0)
    for train_rows, test_rows in folds.split(np.zeros(len(y)), y):
        vectorizer, classifier = _fit(prepared, train_rows, c)
        block = np.full((len(test_rows), n_categories), -1e9)
        block[:, list(classifier.classes_)] = classifier.decision_function(_design(prepared, test_rows, vectorizer, fit=False))
        logits[test_rows] = block
    return logits


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the log-loss of out-of-fold scores (Guo et al. 2017)."""
    from scipy.optimize import minimize_scalar

    def loss(log_t: float) -> float:
        z = logits / math.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1))).mean())

    return round(math.exp(minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded").x), 4)


def train(
    examples: Sequence[Example],
    keywords: Keywords,
    categories: Sequence[str],
    *,
    c_grid: Sequence[float] = (C_DEFAULT,),
    report: Callable[[str], None] = lambda _: None,
) -> dict:
    """Fit a model and return it as plain data (the JSON of category_model.py).

    Five-fold cross-validation on the examples (three-fold from 2,000 on) gives the out-of-fold
    scores the temperature is fitted to (and, given several values in `c_grid`, picks C by top-1 accuracy)."""
    from threadpoolctl import threadpool_limits

    categories = list(categories)
    unknown = {e.category for e in examples} - set(categories)
    if unknown:
        raise ExamplesError(f"unknown categories in the examples: {', '.join(sorted(unknown))}")
    with threadpool_limits(1):  # BLAS threads only fight on a small shared machine
        prepared = _prepare(examples, keywords, categories)
        y = prepared.y
        best_c, best_logits, cv = None, None, {}
        for c in c_grid:
            logits = _out_of_fold_logits(prepared, len(categories), c)
            accuracy = float((logits.argmax(axis=1) == y).mean())
            cv[str(c)] = round(accuracy, 4)
            report(f"C={c}: cross-validated top-1 {accuracy:.3f}")
            if best_c is None or accuracy > cv[str(best_c)]:
                best_c, best_logits = c, logits
        temperature = _fit_temperature(best_logits, y)
        vectorizer, classifier = _fit(prepared, np.arange(len(y)), best_c)
    weights = np.zeros((classifier.coef_.shape[1], len(categories)))
    weights[:, list(classifier.classes_)] = classifier.coef_.T
    intercept = np.full(len(categories), -1e3)
    intercept[list(classifier.classes_)] = classifier.intercept_
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    probabilities = _softmax(best_logits / temperature)
    data = {
        "format": MODEL_FORMAT,
        "version": "",
        "categories": categories,
        "keyword_scale": KEYWORD_SCALE,
        "unsure_below": UNSURE_BELOW,
        "temperature": temperature,
        "trained": {
            "examples": len(examples),
            "languages": dict(sorted(collections.Counter(e.language for e in examples).items())),
            "examples_sha256": hashlib.sha256("\n".join(f"{e.category}\t{e.text}" for e in examples).encode()).hexdigest(),
            "C": best_c,
            "cross_validated_top1": cv,
            "cross_validated_ece": round(expected_calibration_error(probabilities.max(axis=1), probabilities.argmax(axis=1) == y), 4),
        },
        "vocabulary": vocabulary,
        "idf": _rounded(vectorizer.idf_),
        "intercept": _rounded(intercept),
        "weights": [_rounded(row) for row in weights],
    }
    data["version"] = model_version(data)
    return data


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _rounded(values: Iterable[float]) -> list[float]:
    return [round(float(v), DECIMALS) for v in values]


# ---------------------------------------------------------------------------------------------
# Measuring


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], *, bins: int = 10, min_cases: int = 15) -> float:
    """ECE over ten equal-width confidence bins; a bin with fewer than `min_cases` cases is merged
    with the next one (the last such run with the previous bin), so no bin's figure is noise."""
    pairs = sorted(zip((float(c) for c in confidences), (bool(k) for k in correct)))
    if not pairs:
        return 0.0
    edges = [min(int(c * bins), bins - 1) for c, _ in pairs]
    groups: list[list[tuple[float, bool]]] = []
    current: list[tuple[float, bool]] = []
    for b in range(bins):
        current.extend(p for p, e in zip(pairs, edges) if e == b)
        if len(current) >= min_cases:
            groups.append(current)
            current = []
    if current:
        if groups:
            groups[-1].extend(current)
        else:
            groups.append(current)
    total = len(pairs)
    return sum(
        len(g) / total * abs(sum(k for _, k in g) / len(g) - sum(c for c, _ in g) / len(g))
        for g in groups
    )


@dataclass(frozen=True)
class Figures:
    cases: int
    top1: float
    top2: float
    ece: float
    unsure: float  # share of "not sure" suggestions
    top1_when_sure: float
    by_language: dict[str, tuple[int, float]]  # language -> (cases, top-1)

    def lines(self, name: str) -> list[str]:
        out = [f"{name}: top-1 {self.top1:.3f}, top-2 {self.top2:.3f}, ECE {self.ece:.3f} "
               f"({self.cases} descriptions; 'not sure' {self.unsure:.0%}, top-1 when sure {self.top1_when_sure:.3f})"]
        out += [f"  {language}: top-1 {top1:.3f} ({cases})" for language, (cases, top1) in sorted(self.by_language.items())]
        return out


def measure(suggest: Callable[[str, str], Suggestion], examples: Sequence[Example]) -> Figures:
    results = [suggest(e.text, e.language) for e in examples]
    top1 = [r.category == e.category for r, e in zip(results, examples)]
    top2 = [e.category in (r.category, *(c for c, _ in r.alternatives[:1])) for r, e in zip(results, examples)]
    sure = [r.sure for r in results]
    by_language: dict[str, tuple[int, float]] = {}
    for language in sorted({e.language for e in examples}):
        hits = [t for t, e in zip(top1, examples) if e.language == language]
        by_language[language] = (len(hits), sum(hits) / len(hits))
    sure_hits = [t for t, s in zip(top1, sure) if s]
    return Figures(
        cases=len(examples),
        top1=sum(top1) / len(examples),
        top2=sum(top2) / len(examples),
        ece=expected_calibration_error([r.confidence for r in results], top1),
        unsure=1 - sum(sure) / len(examples),
        top1_when_sure=sum(sure_hits) / len(sure_hits) if sure_hits else 0.0,
        by_language=by_language,
    )


# ---------------------------------------------------------------------------------------------
# Learning from staff (issue 19 item 3)

INSTALL_TOLERANCE = 0.02  # a retrained model may lose at most this much top-1 on the held-out set
RECENT_SHARE = 5  # one confirmation in five, the most recent, is measured and not trained on
RECENT_MIN, RECENT_MAX = 10, 200
#: A category staff confirmed counts three times in training: it is a real report in a reporter's
#: own words, checked by an officer, where the shipped set is the project's own writing. (Measured
#: when chosen, on 200 corrections of a new scam: the newest 40 went from 0.43 to 0.75 top-1 against
#: once, and the held-out set stayed put; tests/test_suggest_learning.py prints today's figures.)
CONFIRMED_WEIGHT = 3.0


def recent_slice(confirmed: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """The confirmations to train on and the most recent ones to measure on (oldest first in,
    oldest first out): a fifth, at least RECENT_MIN and at most RECENT_MAX; none to measure
    when there are too few to say anything."""
    size = min(max(len(confirmed) // RECENT_SHARE, RECENT_MIN), RECENT_MAX)
    if len(confirmed) < 2 * size:
        return list(confirmed), []
    return list(confirmed[:-size]), list(confirmed[-size:])


@dataclass(frozen=True)
class InstallDecision:
    install: bool
    why: str


def install_decision(current_heldout: float, new_heldout: float, current_recent: float | None, new_recent: float | None,
                     *, tolerance: float = INSTALL_TOLERANCE) -> InstallDecision:
    """A retrained model goes in force only if it is no more than `tolerance` worse than the model
    in force on the held-out set and better on the most recent confirmations: it has learned what
    staff taught it without forgetting how people tell the known scams."""
    if new_heldout < current_heldout - tolerance:
        return InstallDecision(False, f"held-out top-1 {new_heldout:.3f} is more than {tolerance} below {current_heldout:.3f}")
    if current_recent is None or new_recent is None:
        return InstallDecision(False, "too few confirmed categories to measure it on")
    if new_recent <= current_recent:
        return InstallDecision(False, f"recent confirmations top-1 {new_recent:.3f} is not above {current_recent:.3f}")
    return InstallDecision(True, f"held-out top-1 {new_heldout:.3f} (in force {current_heldout:.3f}), "
                                 f"recent confirmations {new_recent:.3f} (in force {current_recent:.3f})")
