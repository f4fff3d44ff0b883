"""The database out of reach while someone writes to the bot: the bot says kindly, in their
language, to send it again (never silence), and once the database is back the conversation
carries on where it was."""
from __future__ import annotations

from i18n import Translator
from bot import texts
from intake.platform.db import Database
from tests.bot_harness import answer_until, fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.test_bot_reporting import SON
from tests.test_faults_support import free_port


async def test_the_bot_asks_to_send_again_while_the_database_is_unreachable(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram, "zh-hans")
    await user.send("/start")
    await user.press("English")
    assert await answer_until(user, core, "en", SON, stop_at="description") == "description"

    working = core.db
    core.db = Database(f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/none")  # nothing listens there
    try:
        shown = await user.send(SON["description"])
    finally:
        await core.db.dispose()
        core.db = working
    # The chat's language is in the database, out of reach: Telegram's language (Chinese) is used.
    assert [message.text for message in shown] == [Translator("zh_Hans")(texts.SORRY_TRY_AGAIN)]

    shown = await user.send(SON["description"])  # sent again, once the database is back
    assert "Do you know anything about who did this" in shown[-1].text
