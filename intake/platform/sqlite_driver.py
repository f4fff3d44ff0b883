"""SQLAlchemy's aiosqlite adapter with one trip to the connection's thread per statement.

aiosqlite runs each call on a sqlite3 connection in a thread of its own, and SQLAlchemy's
adapter makes four calls per statement (open a cursor, execute, fetch the rows, close the
cursor): four hand-offs between the event loop and that thread, which cost more than SQLite's
own work for the short reads of a page (bench/RESULTS.md, issue 21). This cursor does the four
in one call in the thread and keeps the rows, the description, the row count and the last row
id, as the adapter's cursor keeps the rows; everything else (transactions, errors, server-side
cursors for streamed results) is the adapter's own.
"""
from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor, AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple:  # noqa: ANN401 - DBAPI parameters
    """In the connection's thread: the statement, its rows (None without a result), its
    description, row count and last row id."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return rows, description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:  # no cursor of the driver's yet
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description, self._rowcount, self._lastrowid = None, -1, None

    @property
    def description(self) -> Any:  # noqa: ANN401
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:  # noqa: ANN401
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # the rows are all fetched at once

    def execute(self, operation: Any, parameters: Any = None) -> None:  # noqa: ANN401
        try:
            await_(self._execute(operation, parameters, many=False))
        except Exception as error:  # noqa: BLE001 - turned into the DBAPI's error as the adapter does
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:  # noqa: ANN401
        try:
            await_(self._execute(operation, seq_of_parameters, many=True))
        except Exception as error:  # noqa: BLE001
            self._adapt_connection._handle_exception(error)

    async def _execute(self, operation: Any, parameters: Any, *, many: bool) -> None:  # noqa: ANN401
        async with self._adapt_connection._execute_mutex:
            connection: aiosqlite.Connection = self._connection
            # aiosqlite's queue of calls for its thread (as SQLAlchemy's adapter itself uses it to set the isolation level)
            rows, self._description, self._rowcount, self._lastrowid = await connection._execute(
                _run, connection._conn, operation, parameters, many)
        self._rows = collections.deque(rows) if rows is not None else collections.deque()

    async def _async_soft_close(self) -> None:
        pass  # the driver's cursor is closed already

    def close(self) -> None:
        self._rows.clear()


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _Cursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """Pass as `module=` to create_async_engine for an sqlite+aiosqlite URL."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> _Connection:  # noqa: ANN401
        adapted = super().connect(*arg, **kw)
        return _Connection(self, adapted._connection)
