"""Which database errors a page answers with the friendly 503 ("try again in a minute") and which
with the 500 page: the errors are the ones asyncpg and SQLAlchemy raise while PostgreSQL restarts
(or when it aborts one of two transactions that deadlocked), built from the driver's own classes and wrapped the way SQLAlchemy's adapter wraps them."""
from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi as adapter
from sqlalchemy.exc import DBAPIError, PendingRollbackError

from intake.platform.db import TRANSIENT_ERRORS, is_transient


def wrapped(driver_error: Exception, kind: type = adapter.Error) -> DBAPIError:
    """What a page sees: SQLAlchemy's DBAPIError over the adapter's error over asyncpg's."""
    try:
        try:
            raise kind(str(driver_error), driver_error) from driver_error
        except Exception as adapted:
            raise DBAPIError.instance("SELECT 1", {}, adapted, adapter.Error) from adapted
    except DBAPIError as error:
        return error


@pytest.mark.parametrize("driver_error", [
    asyncpg.CannotConnectNowError("the database system is shutting down"),
    asyncpg.CannotConnectNowError("the database system is starting up"),
    asyncpg.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.DeadlockDetectedError("deadlock detected"),
    asyncpg.SerializationError("could not serialize access due to concurrent update"),
], ids=lambda error: type(error).__name__)
def test_a_server_going_away_or_coming_back_is_transient_wrapped_or_not(driver_error):
    error = wrapped(driver_error)
    assert is_transient(error)
    assert is_transient(adapter.Error(str(driver_error), driver_error))  # raised unwrapped while connecting
    assert is_transient(driver_error)
    assert isinstance(error, TRANSIENT_ERRORS) and isinstance(driver_error, TRANSIENT_ERRORS)


def test_a_session_whose_connection_was_lost_is_transient():
    assert is_transient(PendingRollbackError("Can't reconnect until invalid transaction is rolled back.", None, None))
    assert is_transient(ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"))
    assert is_transient(TimeoutError())


@pytest.mark.parametrize("error", [
    wrapped(asyncpg.UniqueViolationError('duplicate key value violates unique constraint "tips_code_key"'),
            adapter.IntegrityError),
    wrapped(asyncpg.UndefinedColumnError('column "nonsense" does not exist'), adapter.ProgrammingError),
    PendingRollbackError("This Session's transaction has been rolled back due to a previous exception during flush.",
                         None, None),
    ValueError("a bug of ours"),
], ids=["unique violation", "undefined column", "rolled back after a bug", "a bug"])
def test_a_mistake_of_ours_is_not_transient(error):
    assert not is_transient(error)  # the 500 page, and the error in the log for us to fix
