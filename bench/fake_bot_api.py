"""The tests' fake Bot API server (tests/fake_telegram.py) in a process of its own, so that its
work is not counted in the sender's figure: prints its base URL, serves until a line arrives on
standard input, then writes what every chat received ({chat id: [texts]}) as JSON to the path
given and exits.

    python -m bench.fake_bot_api OUT.json
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from bench.common import ROOT  # noqa: F401 - puts the project on sys.path
from tests.fake_telegram import FakeTelegram


async def main(out: Path) -> None:
    fake = await FakeTelegram().start()
    print(fake.base_url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    out.write_text(json.dumps({chat: [sent.text for sent in messages] for chat, messages in fake.chats.items()},
                              ensure_ascii=False))
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
