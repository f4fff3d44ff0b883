"""Real-server and real-browser helpers: any app (the public site, the console) served by uvicorn
on 127.0.0.1 in the test's own event loop (`serving`), or the public site in a thread with its own
loop and core (`LiveSite`); Debian's Chromium through Playwright, axe-core and the checks axe
cannot make (no sideways scrolling at 320 px, 18 px text, 44 px targets).
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import uvicorn

from intake.platform.clock import Clock
from intake.platform.core import Core
from intake.platform.settings import Settings
from tipline.bootstrap import bootstrap
from web_form.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]},
    "resultTypes": ["violations"],
}
T = TypeVar("T")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


class LiveSite:
    """The public site (or another app, such as the console: `app=console.app.create_app`) on a
    free port, with a core of its own; `run()` calls into that core. `settings`: share a test's
    database (e.g. `core.settings`); by default a SQLite file in `var_dir`."""

    def __init__(self, var_dir: Path | None = None, clock: Clock | None = None, *, database_url: str | None = None,
                 settings: Settings | None = None, app=create_app, **app_options) -> None:  # noqa: ANN001 - an app factory taking the core
        """`database_url`: the test's database (tests.conftest.database_url: PostgreSQL when the
        suite runs on it); SQLite in `var_dir` when neither it nor `settings` is given."""
        self.settings = settings or Settings(env="test", var_dir=var_dir,
                                             database_url=database_url or f"sqlite+aiosqlite:///{var_dir / 'tipline.db'}")
        self.clock = clock
        self.make_app = app
        self.app_options = app_options
        self.loop = asyncio.new_event_loop()
        self.core: Core | None = None
        self.server: uvicorn.Server | None = None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self.core = await bootstrap(self.settings, clock=self.clock)
        app = self.make_app(self.core, **self.app_options)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"))
        await self.server.serve()
        await self.core.db.dispose()

    def __enter__(self) -> LiveSite:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not (self.server and self.server.started):
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web form did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_exc) -> None:
        if self.server:
            self.server.should_exit = True
        self.thread.join(timeout=10)

    def run(self, coroutine: Awaitable[T]) -> T:
        """Run a call into the site's core (e.g. staff moving a tip) in the site's loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)


def follow(page, selector: str) -> None:
    """Click something that loads a new page and wait until it has: a check made straight after
    a bare click can run on the page being replaced (`document.documentElement` is then null)."""
    with page.expect_navigation():
        page.click(selector)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def serving(app, settings: Settings | None = None) -> AsyncIterator[str]:  # noqa: ANN001 - any ASGI app
    """`app` on a real uvicorn server on 127.0.0.1, in the running event loop, so it shares the
    test's core (and so runs on SQLite and on PostgreSQL alike); yields its base URL. With
    `settings`, served exactly as `tipline serve` serves it (its trusted proxies and all)."""
    port = free_port()
    if settings is None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    else:
        from tipline.serve import server_config

        config = server_config(app, "127.0.0.1", port, settings)
        config.lifespan = "off"
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # the server's own error, if it has one
                raise RuntimeError("the server did not start")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    found = []
    for violation in results.response.get("violations", []):
        for node in violation["nodes"]:
            found.append(f"{page.url}: {violation['id']} ({violation['impact']}): {node['target']} {node.get('failureSummary', '')[:300]}")
    return found


LAYOUT_CHECK = """() => {
  const problems = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push(`horizontal scroll: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  }
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  if (body < 18) problems.push(`body text ${body}px`);
  const lineHeight = parseFloat(getComputedStyle(document.body).lineHeight) / body;
  if (lineHeight < 1.3) problems.push(`line height ${lineHeight}`);
  const targets = document.querySelectorAll('button:not([hidden]), a.button, input[type=submit], .choice, .switch, .back-link, .hotline a');
  for (const el of targets) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.height < 44 || box.width < 44) problems.push(`small target ${el.outerHTML.slice(0, 80)} ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return problems;
}"""


def layout_problems(page) -> list[str]:
    return [f"{page.url}: {problem}" for problem in page.evaluate(LAYOUT_CHECK)]


# Keyboard: every control that Tab should reach (a radio group is one stop), and what has focus.
KEYBOARD_CONTROLS = """() => {
  const controls = [...document.querySelectorAll('a[href], button, input, textarea, select, [tabindex]')].filter(el =>
    el.tabIndex >= 0 && !el.disabled && !el.hidden && el.type !== 'hidden' && el.getClientRects().length > 0
    && !el.closest('[aria-hidden=true]'));
  return [...new Set(controls.map((el, i) => (el.dataset.kb = el.type === 'radio' ? 'radio:' + el.name : 'c' + i)))];
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const s = getComputedStyle(el);
  const clear = c => c === 'transparent' || c === 'rgba(0, 0, 0, 0)';
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && !clear(s.outlineColor);
  return {key: el.dataset.kb || el.tagName, outlined: outline || s.boxShadow !== 'none', html: el.outerHTML.slice(0, 100)};
}"""


def keyboard_problems(page) -> list[str]:
    """Press Tab through the page: every control reached, each with a visible focus indicator."""
    expected = page.evaluate(KEYBOARD_CONTROLS)
    reached: list[str] = []
    problems = []
    for _ in range(len(expected) + 5):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (reached and focused["key"] == reached[0]):
            break
        reached.append(focused["key"])
        if not focused["outlined"]:
            problems.append(f"{page.url}: no visible focus on {focused['html']}")
    missing = [key for key in expected if key not in reached]
    if missing:
        problems.append(f"{page.url}: Tab never reaches {missing} (reached {reached})")
    return problems
