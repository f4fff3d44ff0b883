"""The suggestion learns from staff (issue 19 item 3): retrain from the shipped training set plus
the categories staff confirmed (intake/casework/category_examples.py), measure the new model and
the one in force on the held-out set and on the most recent confirmations (not trained on), and
install the new one only if it passes `category_training.install_decision`. Every retrained
model is stored with its figures and the decision, installed or not, so the service's daily
retraining (`retrain_when_due`) waits for new confirmations after a refusal too.

A running service picks up a model installed elsewhere (`tipline suggest train --install`, another
instance) with `refresh`, which `tipline serve` runs every minute: one small query.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from intake.admin import suggest_models
from intake.casework import category_examples
from intake.domain.category_model import Model, default_model, suggest
from intake.domain.category_training import (
    Example,
    Figures,
    InstallDecision,
    install_decision,
    load_examples,
    measure,
    recent_slice,
    train,
)
from intake.domain.suggest import Keywords, load_keywords
from intake.platform.core import Core
from intake.platform.models.operations import SuggestModelVersion
from intake.platform.models.tips import CategoryExample

log = logging.getLogger(__name__)

#: The service retrains once a day when at least this many categories were confirmed since the last retraining.
MIN_NEW_CONFIRMATIONS = 50


@dataclass(frozen=True)
class Retrained:
    data: dict
    confirmed: int  # confirmed categories in all
    trained_on: int  # of them, trained on (the rest, the most recent, measured)
    current_version: str
    heldout_current: Figures
    heldout_new: Figures
    recent_current: Figures | None
    recent_new: Figures | None
    decision: InstallDecision
    installed: bool

    def lines(self) -> list[str]:
        out = [f"confirmed categories: {self.confirmed} ({self.trained_on} trained on, "
               f"{self.confirmed - self.trained_on} most recent measured)"]
        out += self.heldout_new.lines(f"new model {self.data['version']} on the held-out set")
        out += self.heldout_current.lines(f"in force {self.current_version} on the held-out set")
        if self.recent_new is not None and self.recent_current is not None:
            out.append(f"recent confirmations: new {self.recent_new.top1:.3f}, in force {self.recent_current.top1:.3f}")
        out.append(("installed: " if self.installed else "not installed: ") + self.decision.why)
        return out

    def figures(self) -> dict:
        def top1(f: Figures | None) -> float | None:
            return None if f is None else round(f.top1, 4)

        return {
            "heldout": {"top1": top1(self.heldout_new), "top2": round(self.heldout_new.top2, 4), "ece": round(self.heldout_new.ece, 4),
                        "by_language": {k: round(v[1], 4) for k, v in self.heldout_new.by_language.items()}},
            "recent": {"cases": 0 if self.recent_new is None else self.recent_new.cases, "top1": top1(self.recent_new)},
            "against": {"version": self.current_version, "heldout_top1": top1(self.heldout_current),
                        "recent_top1": top1(self.recent_current)},
            "confirmed": self.confirmed,
            "decision": {"install": self.decision.install, "why": self.decision.why},
        }


def _measure(model: Model, keywords: Keywords, examples: Sequence[Example]) -> Figures | None:
    if not examples:
        return None
    return measure(lambda text, language: suggest(text, language, model=model, keywords=keywords), examples)


async def retrain(
    core: Core, *, shipped: Sequence[Example], heldout: Sequence[Example], keywords: Keywords | None = None,
    install: bool = True, report: Callable[[str], None] = lambda _: None,
) -> Retrained:
    """Train on `shipped` plus the confirmed categories (less the most recent slice), measure,
    store the model with its figures, and install it if the rule says so (and `install`)."""
    keywords = keywords if keywords is not None else load_keywords()
    confirmed = [example for example, _ in await category_examples.confirmed(core)]
    train_part, recent = recent_slice(confirmed)
    categories = [c.code for c in core.deployment.categories]
    # Training takes seconds of CPU: off the event loop, so a running service keeps answering.
    data = await asyncio.to_thread(train, [*shipped, *train_part], keywords, categories, report=report)
    new = Model.from_data(data)
    current = await suggest_models.in_force(core.db) or default_model()
    if current is None:
        raise RuntimeError("no model in force and no shipped model to compare with")
    heldout_new, heldout_current = _measure(new, keywords, heldout), _measure(current, keywords, heldout)
    if heldout_new is None or heldout_current is None:
        raise ValueError("the held-out set is empty")
    recent_new, recent_current = _measure(new, keywords, recent), _measure(current, keywords, recent)
    decision = install_decision(heldout_current.top1, heldout_new.top1,
                                None if recent_current is None else recent_current.top1,
                                None if recent_new is None else recent_new.top1)
    result = Retrained(data, len(confirmed), len(train_part), current.version, heldout_current, heldout_new,
                       recent_current, recent_new, decision, installed=install and decision.install)
    if new.version != current.version:
        await suggest_models.store(core.db, data, source=suggest_models.TRAINED, now=core.clock.now(),
                                   figures=result.figures(), install=result.installed)
    if result.installed:
        core.suggest_model = new
    return result


async def confirmations_since_last_retraining(core: Core) -> int:
    async with core.db.session() as session:
        last: datetime | None = await session.scalar(
            select(func.max(SuggestModelVersion.stored_at)).where(SuggestModelVersion.source == suggest_models.TRAINED))
        query = select(func.count()).select_from(CategoryExample)
        if last is not None:
            query = query.where(CategoryExample.confirmed_at > last)
        return int(await session.scalar(query) or 0)


async def retrain_when_due(core: Core, heldout_path: Path, *, minimum: int = MIN_NEW_CONFIRMATIONS) -> Retrained | None:
    """The service's daily turn: retrain when enough categories were confirmed since the last
    retraining and the held-out set is there to judge by (a source checkout has it)."""
    if await confirmations_since_last_retraining(core) < minimum:
        return None
    if not heldout_path.exists():
        log.warning("suggestion not retrained: no held-out set at %s to judge a new model by", heldout_path)
        return None
    result = await retrain(core, shipped=load_examples(), heldout=load_examples(heldout_path))
    for line in result.lines():
        log.info("suggestion retrained: %s", line)
    return result


async def refresh(core: Core) -> Model | None:
    """Put the newest installed model in force in this process (None: the shipped file)."""
    core.suggest_model = await suggest_models.in_force(core.db)
    return core.suggest_model
