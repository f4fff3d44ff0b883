"""Database engines and transactions: SQLite (embedded default) or PostgreSQL.

SQLite gets one writer connection (writers queue in the pool instead of fighting over
SQLite's single write lock, which measured second-long tails) and a small reader pool,
both in WAL mode with a busy timeout.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from intake.platform.private_files import create_database_file
from intake.platform.sqlite_driver import OneTripDBAPI

SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=10000",  # first: switching to WAL needs a lock other starters may hold
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    # 32 MiB of pages per connection (SQLite's default is 2 MiB): a queue page or a search walks
    # an index and reads a row of another table per entry, scattered over a large database; with
    # the default cache most of those reads went to the operating system (bench/RESULTS.md).
    "PRAGMA cache_size=-32768",
)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI types
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _without_nul(_conn, _cursor, statement, parameters, _context, _executemany):  # noqa: ANN001 - DBAPI types
    """PostgreSQL text cannot hold NUL (U+0000): a NUL typed into a form field and used in a
    look-up (a draft id, a user name) would fail the whole request with a server error. Text we
    keep is checked before (hidden characters are refused); here any NUL left becomes U+FFFD, so
    such a look-up simply finds nothing. SQLite needs no such help."""
    return statement, _replace_nul(parameters)


def _replace_nul(value):  # noqa: ANN001, ANN202 - DBAPI parameters: tuples, lists, dicts, values
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, (tuple, list)):
        return type(value)(_replace_nul(item) for item in value)
    if isinstance(value, dict):
        return {key: _replace_nul(item) for key, item in value.items()}
    return value


class Database:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                create_database_file(Path(self.url.database))  # 0600, and so are its -wal and -shm
            # aiosqlite with one trip to each connection's thread per statement (intake/platform/sqlite_driver.py).
            driver = {"module": OneTripDBAPI()} if self.url.get_driver_name() == "aiosqlite" else {}
            self.writer = create_async_engine(self.url, pool_size=1, max_overflow=0, pool_timeout=60, **driver)
            self.reader = create_async_engine(self.url, pool_size=4, max_overflow=0, pool_timeout=60, **driver)
            for engine in (self.writer, self.reader):
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            # pool_pre_ping: a connection broken by a database restart is replaced, not handed out;
            # a short connect timeout: while the server is unreachable pages answer 503 within seconds.
            self.writer = self.reader = create_async_engine(self.url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                                                            connect_args={"timeout": 5})
            event.listen(self.writer.sync_engine, "before_cursor_execute", _without_nul, retval=True)
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)
        self._shared: ContextVar[AsyncSession | None] = ContextVar(f"shared_reads_{id(self)}", default=None)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back on any error."""
        async with self._write_sessions() as session, session.begin():
            yield session
        shared = self._shared.get()
        if shared is not None:  # the shared reads that follow load what was just written, not the rows they hold
            shared.expunge_all()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A read-only look (never committed); inside `shared_reads`, the block's one session."""
        shared = self._shared.get()
        if shared is not None and not shared.info.get("lent"):
            shared.info["lent"] = True  # to this block only: reads side by side (asyncio.gather) get their own
            try:
                yield shared
            finally:
                shared.info["lent"] = False
            return
        async with self._read_sessions() as session:
            yield session

    @asynccontextmanager
    async def shared_reads(self) -> AsyncIterator[None]:
        """The reads (`session()`) of this block, in this task and the tasks it starts, share one
        session: a page's several reads take one connection from the pool and give it back once,
        instead of once each (on SQLite a third of a short read's cost). Only on SQLite, where
        writes have their own engine: on PostgreSQL reads and writes draw on one pool, and a page
        holding a connection for its reads while it writes would need two at once (a busy pool
        would then wait for itself). The session is lent to one read block at a time: reads run
        side by side (the statistics' asyncio.gather) take sessions of their own."""
        if self.reader is self.writer or self._shared.get() is not None:
            yield
            return
        async with self._read_sessions() as session:
            token = self._shared.set(session)
            try:
                yield
            finally:
                self._shared.reset(token)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.url.database) if self.is_sqlite and self.url.database else None

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()


IN_LIST_MAX = 500  # values per IN (...) list: well inside every driver's parameter limit


def in_chunks(values: Sequence) -> Iterator[Sequence]:
    """`values` in slices short enough for one IN (...) list each."""
    for first in range(0, len(values), IN_LIST_MAX):
        yield values[first:first + IN_LIST_MAX]


try:  # the driver's own errors: SQLAlchemy's adapter raises some unwrapped while a connection is being made
    import asyncpg
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi as _asyncpg_dbapi
    _DRIVER_ERRORS: tuple[type[Exception], ...] = (_asyncpg_dbapi.Error, asyncpg.PostgresError, asyncpg.InterfaceError)
except ImportError:  # pragma: no cover - asyncpg is always installed here
    _DRIVER_ERRORS = ()

#: What a page catches as "the database may be out of reach just now" (503 with Retry-After), each
#: then asked `is_transient`: a handler that finds it is not re-raises it to the catch-all (500).
TRANSIENT_ERRORS = (OperationalError, InterfaceError, DBAPIError, PoolTimeout, OSError, PendingRollbackError,
                    *_DRIVER_ERRORS)

# SQLSTATE classes of a server going away or not there yet: 08 connection exception, 57P operator
# intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 "the database system is starting
# up" / "shutting down"), 53 insufficient resources (too many connections); and two transactions
# that met: 40001 serialization failure, 40P01 deadlock (PostgreSQL aborted one; run again, it passes).
_TRANSIENT_SQLSTATES = ("08", "57P", "53", "40001", "40P01")
_TRANSIENT_WORDS = ("connection", "connect", "shutting down", "starting up", "not yet accepting", "recovery mode")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what SQLAlchemy wrapped (`orig`) and what it was raised from, each once."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]


def is_transient(error: Exception) -> bool:
    """A failure that passes by itself: the database restarting ("the database system is shutting
    down" met while connecting, "terminating connection due to administrator command" met mid-query,
    a session whose connection was invalidated), unreachable or out of connections."""
    for link in _chain(error):
        if isinstance(link, (OperationalError, InterfaceError, PoolTimeout, OSError)):
            return True
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return True
        sqlstate = getattr(link, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES):
            return True
        if isinstance(link, (DBAPIError, PendingRollbackError, *_DRIVER_ERRORS)):
            message = str(link).lower()
            if any(word in message for word in _TRANSIENT_WORDS):
                return True
    return False
