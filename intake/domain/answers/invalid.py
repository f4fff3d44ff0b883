"""The value a parser returns for a user mistake: what to fix, never an exception."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Invalid:
    """A kind explanation of what to fix, as a message id plus its format parameters."""

    message: str
    params: dict[str, object] = field(default_factory=dict)
    suggestion: str | None = None
