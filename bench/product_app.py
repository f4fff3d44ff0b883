"""The product's public site as an ASGI app for `uvicorn --workers N` (used by the benchmarks when
`tipline serve --workers N` is not available): the core is bootstrapped from the environment
(TIPLINE_*) at startup, as `tipline serve` does, and the outbox dispatcher runs beside it.

    uvicorn bench.product_app:app --workers 2
"""
from __future__ import annotations

import asyncio
import os

from intake.notify.dispatch import Dispatcher
from intake.platform.settings import Settings
from tipline.bootstrap import bootstrap
from tipline.channels import configured_channels
from web_form.app import create_app


class ProductApp:
    def __init__(self) -> None:
        self.app = None

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001 - ASGI
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        core = stop = delivering = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                core = await bootstrap(Settings())
                self.app = create_app(core)
                stop = asyncio.Event()
                channels = configured_channels(core.settings, core.settings.var_dir)
                delivering = asyncio.create_task(Dispatcher(core, channels, worker_id=f"bench-{os.getpid()}").run_forever(stop))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if stop is not None:
                    stop.set()
                    await delivering
                if core is not None:
                    await core.db.dispose()
                await send({"type": "lifespan.shutdown.complete"})
                return


app = ProductApp()
