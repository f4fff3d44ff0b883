"""The core's dependencies in one object: database, keys, deployment data, clock, settings.

Built once by the composition root (tipline.bootstrap) and passed to every use case.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from intake.platform.clock import Clock, SystemClock, local_date
from intake.platform.crypto import Keyring
from intake.platform.db import Database
from intake.domain.category_model import Model as SuggestModel
from intake.domain.deployment import Deployment
from intake.platform.settings import Settings


@dataclass
class Core:
    db: Database
    keys: Keyring
    deployment: Deployment
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    # The category suggestion's model in force (intake/admin/suggest_models.py); None: the shipped file.
    suggest_model: SuggestModel | None = None

    def today(self) -> date:
        return local_date(self.clock.now(), self.settings.timezone)
