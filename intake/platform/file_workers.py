"""The file workers: a small pool of processes that decode and re-encode uploaded files, so a
large picture never stalls the event loop that serves the pages (the public site and the console
share one loop in `tipline serve`), and at most `workers` files are decoded at once per server
process; the others wait their turn in the queue, holding only their compressed bytes.

Processes, not threads (measured, see SECURITY.md "#14.2"): Pillow holds the GIL for tens of
milliseconds at a time while it encodes and frees a 40-megapixel picture, and pikepdf and
mutagen walk a file's structure in Python, so a thread pool still delays the pages; a process
also gets a memory limit, and a decoder that crashes on a hostile file takes only the worker
with it. The workers are forked from a fork server that has imported the cleaning code (and the
command's modules), never the server's running state (its database pools, sockets and threads),
and live as long as the server.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
#: The longest one request's files may keep a worker (four 40-megapixel pictures take about 4 s): files
#: that take longer are refused, and the worker is killed so the next files are not held up.
TIMEOUT_SECONDS = 120.0
#: Address space of one worker: a 40-megapixel picture needs two copies of 160 MB while it is
#: cleaned; a file that needs far more is refused (MemoryError) instead of starving the server.
MEMORY_LIMIT_BYTES = 2 * 1024**3
_CLEANING_MODULE = "intake.platform.file_cleaning"


class WorkerLost(RuntimeError):
    """A worker process died while it worked (killed, out of memory) or took too long: the files
    it had are refused."""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


class FileWorkers:
    def __init__(self, workers: int, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.workers, self.timeout = workers, timeout
        self._executor: ProcessPoolExecutor | None = None
        # The queue is here, not in the pool: a request's time limit then counts from when a worker
        # takes its files, not from when they joined the queue (one slot per worker, per event loop).
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["__main__", _CLEANING_MODULE])  # main: imported once, not per worker
            self._executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_limit_memory)
        return self._executor

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """`function(*args)` in a worker process, awaited without blocking the loop."""
        slot = self._slots.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(self.workers))
        async with slot:
            return await self._run(function, *args)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        pool = self._pool()
        try:
            return await asyncio.wait_for(asyncio.wrap_future(pool.submit(function, *args)), self.timeout)
        except BrokenProcessPool as error:
            log.error("a file worker died (%s): its files are refused, the pool is started again", error)
            self._forget(pool)
            raise WorkerLost(str(error)) from None
        except asyncio.TimeoutError:
            log.error("a file worker took more than %s s: its files are refused, the pool is started again", self.timeout)
            for process in list(getattr(pool, "_processes", {}).values()):  # no public way to stop a running task
                process.kill()
            self._forget(pool)
            raise WorkerLost("timeout") from None

    def _forget(self, pool: ProcessPoolExecutor) -> None:
        if self._executor is pool:
            self._executor = None
        pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


_shared: FileWorkers | None = None


def shared(workers: int) -> FileWorkers:
    """This process's pool (one per server process, whatever number of cores it serves)."""
    global _shared
    if _shared is None:
        _shared = FileWorkers(workers)
    return _shared
