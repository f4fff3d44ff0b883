"""The terminal chat: the whole report conversation as prompts, for anyone to try the
questionnaire without Telegram or a browser.

It only translates: it renders the core's prompts and passes typed lines to the core.
Commands work at every question: /back, /restart, /quit, /help.
"""
from __future__ import annotations

from collections.abc import Callable

import pyfiglet
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator
from intake.domain import conversation as conv
from intake.domain import joins
from intake.domain.answers.invalid import Invalid
from intake.domain.channel_kit.kinds import TYPED_KINDS
from intake.domain.channel_kit.progress import questions_left
from intake.domain.channel_kit.navigation import at_first_missing
from intake.domain.channel_kit import texts as kit
from intake.domain.channel_kit.receipt import after_receipt
from intake.domain.channel_kit.typed import choice_number, dont_know_number, numbered, typed_answer
from intake.domain.conversation import Context, DraftState
from intake.platform.core import Core
from intake.reporting.conversation_context import report_context
from intake.reporting.drafts import DraftRecord, discard_draft, find_draft, new_draft, save_draft
from intake.domain.questionnaire import DONT_KNOW
from intake.domain.steps import Kind
from intake.reporting.submission import Receipt, submit_draft

CHANNEL = "terminal"
CAPABILITIES = conv.ChannelCapabilities()  # the terminal takes no files
LETTERS = "abcdefghij"

ReadLine = Callable[[str], str]


class Quit(Exception):
    """The reporter chose to stop; the draft stays saved."""


class TerminalChat:
    def __init__(self, core: Core, console: Console, read_line: ReadLine, owner: str) -> None:
        self.core = core
        self.console = console
        self.read_line = read_line
        self.owner = owner

    # --- the conversation --------------------------------------------------------------

    async def run(self, language: str | None) -> Receipt | None:
        try:
            record = await self._open(language)
            return await self._converse(record)
        except (Quit, EOFError):
            self.console.print()
            self.console.print(self._(N_("Your answers are saved. Run the chat again to carry on.")))
            return None

    async def _open(self, language: str | None) -> DraftRecord:
        record = await find_draft(self.core, CHANNEL, self.owner)
        if record is not None:
            self._ = Translator(language or record.state.language)
            if language:
                record.state.language = language
            choice = self._ask_choice(
                kit.RESUME_QUESTION,
                [kit.RESUME_YES, kit.RESUME_NO],
            )
            if choice == 0:
                return record
            await discard_draft(self.core, record.id)
        language = language or self._ask_language()
        self._ = Translator(language)
        self._welcome()
        return await new_draft(self.core, CHANNEL, self.owner, language, CAPABILITIES)

    async def _converse(self, record: DraftRecord) -> Receipt:
        ctx = report_context(self.core, CAPABILITIES)
        while True:
            if record.state.at_review:
                action = self._review(record.state, ctx)
                if action == "submit":
                    result = await submit_draft(self.core, record.id, CAPABILITIES)
                    if isinstance(result, Receipt):
                        self._receipt(result)
                        return result
                    record.state = at_first_missing(record.state, result.missing, CAPABILITIES)
                    self._warn(self._(kit.ANSWER_THIS))
                    continue
                record.state = action
            else:
                record.state = self._step(record.state, ctx)
            await save_draft(self.core, record)

    def _step(self, state: DraftState, ctx: Context) -> DraftState:
        prompt = conv.prompt(state, ctx)
        self._show_prompt(prompt)
        line = self.read_line("> ")
        command = line.strip().lower()
        if command in ("/back", "<"):
            return conv.back(state)
        if command == "/restart":
            self.console.print(self._(kit.STARTING_OVER))
            return conv.restart(state, CAPABILITIES)
        if command == "/quit":
            raise Quit
        if command == "/help":
            self._help()
            return state
        outcome = conv.answer(state, self._raw_answer(prompt, line), ctx)
        if outcome.error:
            self._show_error(outcome.error)
        for notice in outcome.notices:
            self.console.print(Panel(Text(self._(notice), style="bold"), border_style="red", padding=(1, 2)))
        return outcome.state

    def _raw_answer(self, prompt: conv.Prompt, line: str) -> object:
        """Letters stand for a typed question's other answers; the kit reads the rest."""
        if prompt.kind in TYPED_KINDS:
            extra = self._typed_extras(prompt).get(line.strip().lower())
            if extra is not None:
                return extra
        return typed_answer(prompt, line)

    @staticmethod
    def _typed_extras(prompt: conv.Prompt) -> dict[str, str]:
        """Answers other than typed text: "?" is always "I don't know", letters the rest."""
        extras = {LETTERS[i]: choice.value for i, choice in enumerate(prompt.choices)}
        if prompt.dont_know:
            extras["?"] = DONT_KNOW
        return extras

    # --- rendering ---------------------------------------------------------------------

    def _show_prompt(self, prompt: conv.Prompt) -> None:
        _ = self._
        self.console.print()
        self.console.print(Text(questions_left(prompt.left, _), style="dim"))
        title = prompt.question + ("  " + _(kit.OPTIONAL) if prompt.optional else "")
        self.console.print(Text(title, style="bold"))
        if prompt.hint:
            self.console.print(Text(prompt.hint, style="italic"))
        if prompt.kind in TYPED_KINDS:
            for letter, choice in zip(LETTERS, prompt.choices):
                self.console.print(f"  [bold]{letter}[/bold]  {_escape(choice.label)}")
            if prompt.dont_know:
                self.console.print(f"  [bold]?[/bold]  {_escape(prompt.dont_know)}")
        else:
            for index, choice in enumerate(prompt.choices):
                self.console.print(f"  [bold]{choice_number(prompt, index)}[/bold]  {_escape(choice.label)}")
                if choice.hint:
                    self.console.print(Text("       " + choice.hint, style="dim"))
            if prompt.dont_know:
                self.console.print(f"  [bold]{dont_know_number(prompt)}[/bold]  {_escape(prompt.dont_know)}")
            if prompt.kind is Kind.MULTI_CHOICE:
                self.console.print(Text(_(kit.SEVERAL), style="dim"))
        if prompt.optional:
            self.console.print(Text(_(N_("Press Enter to leave it out.")), style="dim"))
        self.console.print(Text(_(N_("Type /back to go back, /restart to start again, /quit to stop (your answers are kept).")), style="dim"))

    def _show_error(self, error: Invalid) -> None:
        self._warn(self._(error.message, **error.params) if error.params else self._(error.message))
        if error.suggestion:
            self.console.print(Text(error.suggestion))

    def _warn(self, message: str) -> None:
        self.console.print(Text(message, style="bold yellow"))

    def _review(self, state: DraftState, ctx: Context) -> str | DraftState:
        _ = self._
        items = conv.review(state, ctx)
        self.console.print()
        self.console.print(Text(_(kit.CHECK_ANSWERS), style="bold underline"))
        for number, item in enumerate(items, 1):
            self.console.print(f"  [bold]{number}[/bold]  {_escape(joins.labelled(item.label, item.value, _.language))}")
        self.console.print()
        self.console.print(_(N_("Type S to send the report, or the number of an answer to change it.")))
        line = self.read_line("> ").strip()
        if line.lower() in ("s", "/send"):
            return "submit"
        if line.lower() == "/quit":
            raise Quit
        if line.lower() == "/restart":
            return conv.restart(state, CAPABILITIES)
        if line.lower() in ("/back", "<"):
            return conv.back(state)
        choice = numbered([conv.Choice(i.key, i.label) for i in items], line)
        if choice in {i.key for i in items}:
            return conv.change(state, choice, CAPABILITIES)
        self._warn(_(N_("Please type S or one of the numbers.")))
        return state

    def _receipt(self, receipt: Receipt) -> None:
        _ = self._
        shown = after_receipt(receipt, self.core.deployment)
        grouped = shown.code
        self.console.print()
        self.console.print(Text(_(kit.SENT), style="bold green"))
        self.console.print(_(kit.TRACKING_CODE))
        self.console.print(Text(pyfiglet.figlet_format(grouped, font="big", width=200), style="bold"))
        self.console.print(Text(grouped, style="bold"))
        self.console.print(_(kit.REPLY_PIN))
        self.console.print(Text(pyfiglet.figlet_format(shown.pin, font="big", width=200), style="bold"))
        self.console.print(Text(shown.pin, style="bold"))
        self.console.print(_(kit.WRITE_DOWN))
        advice = shown.advice_in()
        if advice:
            self.console.print(Panel(Text(advice), title=_(kit.WHAT_NOW)))
        if shown.urgent_notice:
            self.console.print(Panel(Text(_(shown.urgent_notice), style="bold"), border_style="red"))
        self.console.print(_(N_("Type this to see the progress: tipline status \"%(code)s\""), code=grouped))

    def _welcome(self) -> None:
        _ = self._
        self.console.print(Panel(Text(_(kit.WELCOME)), title=_(N_("Elder-fraud tip-line"))))
        self._phones()

    def _help(self) -> None:
        self._phones()
        self.console.print(self._(N_("Type /back to go back, /restart to start again, /quit to stop (your answers are kept).")))

    def _phones(self) -> None:
        self.console.print(Text(self._(kit.PHONES), style="bold"))

    # --- small prompts -----------------------------------------------------------------

    def _ask_language(self) -> str:
        for number, language in enumerate(LANGUAGES, 1):
            self.console.print(f"  [bold]{number}[/bold]  {LANGUAGE_NAMES[language]}")
        while True:
            line = self.read_line("> ").strip()
            if line.isdigit() and 1 <= int(line) <= len(LANGUAGES):
                return LANGUAGES[int(line) - 1]
            self.console.print("1 / 2 / 3")

    def _ask_choice(self, question: str, answers: list[str]) -> int:
        self.console.print(Text(self._(question), style="bold"))
        for number, label in enumerate(answers, 1):
            self.console.print(f"  [bold]{number}[/bold]  {_escape(self._(label))}")
        while True:
            line = self.read_line("> ").strip()
            if line.isdigit() and 1 <= int(line) <= len(answers):
                return int(line) - 1
            self._warn(self._(N_("Please choose one of the answers.")))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
