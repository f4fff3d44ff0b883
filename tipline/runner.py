"""Run one async command against a freshly bootstrapped core, and close it afterwards."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from intake.platform.core import Core
from intake.platform.settings import Settings
from tipline.bootstrap import bootstrap

T = TypeVar("T")


def with_core(action: Callable[[Core], Awaitable[T]]) -> T:
    async def main() -> T:
        core = await bootstrap(Settings())
        try:
            return await action(core)
        finally:
            await core.db.dispose()

    return asyncio.run(main())
