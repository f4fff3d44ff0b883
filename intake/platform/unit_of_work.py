"""The unit of work that collects domain events (intake/domain/events.py) and handles them.

A use case opens `transaction(core)` and raises events with `raise_event(session, event)` while
it makes its change. When its block ends without error, the handlers registered for each event's
type run, in the order the events were raised, inside the same transaction, before it commits
(a handler may raise further events; they are handled in the same round). So a notice is written
with the change it announces, or neither is: an error in the block or in a handler rolls back all.

Handlers are registered by the composition root (tipline/bootstrap.py), so the layer that raises
an event never imports the layer that handles it. An event nobody handles is refused when it is
raised (LookupError): the transition fails loudly instead of committing without its notice.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from intake.domain.events import Event
from intake.platform.core import Core

#: (core, session, event): the event's consequence, written in the event's transaction.
Handler = Callable[[Core, AsyncSession, Event], Awaitable[None]]
_handlers: dict[type[Event], list[Handler]] = {}
_RAISED = "raised_events"  # the key of a transaction's events in its session's `info`


def register_handler(event_type: type[Event], handler: Handler) -> None:
    """Events of exactly `event_type` are handled by `handler` (besides any registered before;
    registering the same handler again changes nothing, as bootstrapping twice must not)."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def check_handled(event_types: Iterable[type[Event]]) -> None:
    """At start-up: every event type the core raises has a handler."""
    missing = sorted(kind.__name__ for kind in event_types if not _handlers.get(kind))
    if missing:
        raise LookupError(f"no handler registered for {', '.join(missing)} (tipline.bootstrap registers them)")


def raise_event(session: AsyncSession, event: Event) -> None:
    """Record that `event` happened in the transaction of `session`, opened by `transaction`."""
    if not _handlers.get(type(event)):
        raise LookupError(f"no handler registered for {type(event).__name__} (tipline.bootstrap registers them)")
    raised = session.info.get(_RAISED)
    if raised is None:
        raise RuntimeError(f"{type(event).__name__} raised outside a unit of work (intake.platform.unit_of_work.transaction)")
    raised.append(event)


@asynccontextmanager
async def transaction(core: Core) -> AsyncIterator[AsyncSession]:
    """`core.db.transaction()` that handles the events raised in it before it commits."""
    async with core.db.transaction() as session:
        raised: list[Event] = []
        session.info[_RAISED] = raised
        yield session
        while raised:
            event = raised.pop(0)
            for handler in _handlers[type(event)]:
                await handler(core, session, event)
