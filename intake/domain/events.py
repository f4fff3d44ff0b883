"""Domain events: what happened to a tip (or a warning) that somebody outside casework must hear of.

Casework raises them during a transition (`intake.platform.unit_of_work.raise_event`); the unit
of work collects them and, when the transition is done, runs the handlers the composition root
registered for each type, in the same transaction (Cosmic Python, chapters 8 and 9). So casework
says what happened and never imports the outbox that tells people about it.

Plain values: ids, not database rows (a handler reads what it needs in the transaction).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """Something that happened during a transition."""


@dataclass(frozen=True)
class PublicStepWritten(Event):
    """A step with a message for the reporter was added to the tip's timeline (a status change
    the reporter is told of, a deadline extension): the reporter is to be sent it."""

    tip_id: int
    event_id: int


@dataclass(frozen=True)
class PublicStepTranslated(Event):
    """A colleague translated an officer's message into the reporter's language: a notice
    already sent untranslated is to be sent again."""

    tip_id: int
    event_id: int


@dataclass(frozen=True)
class TipPassedToUnits(Event):
    """Units newly work on the tip after submission (re-routing, a category change):
    (unit code, "lead" or "assisting") each, to be alerted."""

    tip_id: int
    event_id: int
    units: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SupervisionIssued(Event):
    """A coordinator sent the tip's lead unit a supervision notice (督办): the unit is to be alerted."""

    tip_id: int
    event_id: int
    unit: str


@dataclass(frozen=True)
class WarningPublished(Event):
    """A second coordinator published a warning (intake/prevention/warnings.py): its subscribers
    are to be told (intake/prevention/subscriptions.py)."""

    warning_id: int


def declared() -> list[type[Event]]:
    """Every event type declared here: the composition root checks that each has a handler."""
    return [kind for kind in Event.__subclasses__() if kind.__module__ == __name__]
