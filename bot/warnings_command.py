"""/warnings: the warnings and typical cases in force, newest first, in the chat's language (or
in Chinese, saying so), and buttons to hear of new warnings in a county here (or to stop). The
scam's numbers and addresses are written so that Telegram does not make them links to tap;
withdrawn or ended warnings are gone at once (read from the core each time)."""
from __future__ import annotations


from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import render, texts
from bot.callbacks import WarningsFor
from bot.chat import Chat, remove_buttons
from bot.users import CHANNEL
from i18n import Translator
from intake.platform.core import Core
from intake.prevention import subscriptions
from intake.prevention.public import PublicWarning, count_view, published_warnings
from intake.prevention.warning_text import warning_text as core_warning_text

SHOWN = 5  # the newest; the public site lists them all


async def warnings(message: Message, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await Chat.open(core, bot, message.chat.id, state, message.from_user.language_code if message.from_user else None)
    _ = chat._
    found = await published_warnings(core, _.language, limit=SHOWN)
    if not found:
        await chat.say(_(texts.NO_WARNINGS))
    else:
        await chat.say(_(texts.WARNINGS_HEADING, count=len(found)))
        for warning in found:
            await chat.say(warning_text(core, warning, _))
            await count_view(core, warning.id)
    await chat.say(*await _subscription_menu(core, chat.chat_id, _))


async def _subscription_menu(core: Core, chat_id: int, _: Translator) -> tuple[str, render.Markup]:
    """What the chat hears of, and one button per county: on, or off for one it hears of."""
    held = {s.region: s for s in await subscriptions.chat_subscriptions(core, CHANNEL, str(chat_id))}
    rows = []
    for county in subscriptions.counties(core.deployment):
        name = county.name.get(_.language)
        if county.code in held:
            rows.append([render.button(_(texts.SUBSCRIBED_MARK, region=name), WarningsFor(on=False, s=held[county.code].id).pack())])
        else:
            rows.append([render.button(name, WarningsFor(on=True, r=county.code).pack())])
    text = _(texts.SUBSCRIBE_ASK)
    if held:
        names = [core.deployment.region_name(code, _.language) for code in held]
        text = _(texts.SUBSCRIBED_TO, regions="、".join(names) if _.language == "zh_Hans" else ", ".join(names)) + "\n\n" + text
    return text, render.Markup(inline_keyboard=rows)


async def pressed(query: CallbackQuery, callback_data: WarningsFor, core: Core, bot: Bot, state: FSMContext) -> None:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    chat = await Chat.open(core, bot, chat_id, state, query.from_user.language_code)
    _ = chat._
    if callback_data.on:
        try:
            done = await subscriptions.subscribe_chat(core, CHANNEL, str(chat_id), callback_data.r, _.language)
        except subscriptions.SubscriptionRefused:  # a county no longer served, or forged data
            await query.answer(_(texts.EXPIRED_BUTTON), show_alert=True)
            return
        said = _(texts.SUBSCRIBE_DONE, region=core.deployment.region_name(done.region, _.language))
    else:
        ended = await subscriptions.unsubscribe_chat(core, CHANNEL, str(chat_id), callback_data.s)
        if ended is None:  # stopped already, or another chat's (callback data can be forged)
            await query.answer(_(texts.EXPIRED_BUTTON), show_alert=True)
            return
        said = _(texts.UNSUBSCRIBE_DONE, region=core.deployment.region_name(ended.region, _.language))
    await query.answer()
    await remove_buttons(query)  # the menu's other buttons are as old: /warnings shows it anew
    await chat.say(said)


def stop_keyboard(subscription_id: int, region: str, _: Translator) -> render.Markup:
    """The one-tap opt-out under a warning notice (bot/notifier.py)."""
    return render.Markup(inline_keyboard=[[render.button(_(texts.UNSUBSCRIBE_BUTTON, region=region),
                                                         WarningsFor(on=False, s=subscription_id).pack())]])


def warning_text(core: Core, warning: PublicWarning, _: Translator) -> str:
    text = core_warning_text(core, warning, _.language)
    base = core.settings.public_base_url.rstrip("/")
    if base:  # the tip-line's own page: the one link a notice of ours may carry
        text += f"\n\n{base}/warnings/{warning.id}?lang={_.language}"
    return text


def make_router() -> Router:
    router = Router(name="warnings")
    router.message.register(warnings, Command("warnings"))
    router.callback_query.register(pressed, WarningsFor.filter())
    return router
