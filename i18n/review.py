"""A native speaker's review of the catalogs: where each entry is shown, whether it has been
reviewed, and the review marks in the PO file.

An entry awaiting review carries the translator comment `# Needs review by a native Tibetan
speaker.`; a reviewed one carries `# Reviewed by <name>, <date>.` instead (TRANSLATING.md). The
catalogs are extracted without locations, so where an entry is shown is found by extracting the
code's strings again, with their files, and naming the screen each file belongs to.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from i18n import LOCALES_DIR, N_

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "messages"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "plural": (1, 2)}

#: The marker every Tibetan entry carries until a native speaker has checked it.
REVIEW_MARKER = "Needs review by a native Tibetan speaker."
REVIEWED = re.compile(r"^Reviewed by (?P<name>.+), (?P<date>\d{4}-\d{2}-\d{2})\.$")

#: Languages whose entries wait for a native speaker (the others were written by one).
AWAITING_NATIVE_REVIEW = ("bo",)

#: Where a text is shown, by the file it comes from: the first matching prefix wins.
SCREENS: dict[str, str] = {
    "questions": N_("Report questions and answer checks (every channel)"),
    "web": N_("Web pages"),
    "bot": N_("Telegram bot"),
    "chat": N_("Terminal chat"),
    "progress": N_("Progress and notices to the reporter"),
    "staff": N_("Staff command line and alerts"),
    "unused": N_("No longer used by the code"),
    "unknown": N_("Not known (the program's source files are not here)"),
}
#: The row of every entry of a language, each counted once.
ALL = "all"
ALL_TEXTS = N_("All texts")
_SCREEN_BY_PATH = (
    ("web_form/", "web"),
    ("bot/", "bot"),
    ("tipline/chat.py", "chat"),
    ("tipline/", "staff"),
    ("intake/domain/questionnaire.py", "questions"),
    ("intake/domain/conversation.py", "questions"),
    ("intake/domain/channel_kit/", "questions"),
    ("intake/domain/answers/", "questions"),
    ("intake/platform/", "questions"),  # the checks of uploaded files and recordings
    ("intake/reporting/partner_answers.py", "questions"),
    ("intake/domain/workflow.py", "progress"),
    ("intake/domain/messages.py", "progress"),
    ("intake/notify/outbox.py", "progress"),
    ("intake/reporting/", "progress"),
    ("intake/rewards/come_forward.py", "progress"),
    ("intake/", "staff"),
)


def screen_of_path(path: str) -> str:
    for prefix, screen in _SCREEN_BY_PATH:
        if path.startswith(prefix):
            return screen
    return "staff"


@lru_cache(maxsize=1)
def screens_by_message() -> dict[str, tuple[str, ...]] | None:
    """msgid (the singular of a plural) -> the screens that show it, from the code as it is now;
    None when the code's files are not beside the catalogs (an install without its sources)."""
    if not (ROOT / "babel.cfg").exists():
        return None
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map=method_map, options_map=options_map, keywords=KEYWORDS
    ):
        key = message[0] if isinstance(message, tuple) else message
        screen = screen_of_path(Path(filename).as_posix())
        if screen not in found.setdefault(key, []):
            found[key].append(screen)
    order = list(SCREENS)
    return {key: tuple(sorted(screens, key=order.index)) for key, screens in found.items()}


def catalog_path(language: str, locales_dir: Path = LOCALES_DIR) -> Path:
    return locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


def write_catalog(path: Path, catalog: Catalog) -> None:
    """The PO file as pybabel update writes it (untouched entries stay byte for byte), and its
    compiled .mo beside it, which the services load when they next start."""
    out = io.BytesIO()
    write_po(out, catalog, width=76)
    path.write_bytes(out.getvalue())
    with path.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalog)


def key_of(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def entry_code(message: Message) -> str:
    """A short, stable name for an entry, to say "m-3f2a9c1b is wrong" in a conversation."""
    text = f"{message.context or ''}\x04{key_of(message)}"
    return "m-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def forms(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def sources(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def digest(*texts: str) -> str:
    """A fingerprint of the texts a reviewer worked from: changed, the review no longer holds."""
    return hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ReviewState:
    reviewed_by: str | None  # "Tenzin, 2026-12-07" when reviewed
    awaiting: bool


def review_state(message: Message) -> ReviewState:
    for comment in message.user_comments:
        found = REVIEWED.match(comment.strip())
        if found:
            return ReviewState(f"{found['name']}, {found['date']}", False)
    return ReviewState(None, any(REVIEW_MARKER in comment for comment in message.user_comments))


def clean_name(name: str) -> str:
    """A reviewer's name as it may stand in a PO comment: one line, composed characters."""
    return " ".join(unicodedata.normalize("NFC", name).split())[:80]


def mark_reviewed(message: Message, name: str, day: date) -> None:
    """The review marker (or an older review) comes off, the reviewer's name and date go on."""
    kept = [c for c in message.user_comments if REVIEW_MARKER not in c and not REVIEWED.match(c.strip())]
    message.user_comments = [*kept, f"Reviewed by {clean_name(name)}, {day.isoformat()}."]


@dataclass(frozen=True)
class ScreenCount:
    screen: str
    entries: int
    reviewed: int
    awaiting: int


def screens_of(message: Message) -> tuple[str, ...]:
    screens = screens_by_message()
    if screens is None:
        return ("unknown",)
    return screens.get(key_of(message), ("unused",))


def status(language: str, locales_dir: Path = LOCALES_DIR) -> list[ScreenCount]:
    """Per screen: entries, reviewed, awaiting review (an entry on two screens counts on both),
    then the row ALL, where each entry counts once."""
    counts = {screen: [0, 0, 0] for screen in (*SCREENS, ALL)}
    for message in entries(read_catalog(catalog_path(language, locales_dir))):
        state = review_state(message)
        for screen in (*screens_of(message), ALL):
            counts[screen][0] += 1
            counts[screen][1] += state.reviewed_by is not None
            counts[screen][2] += state.awaiting
    return [ScreenCount(screen, *numbers) for screen, numbers in counts.items() if numbers[0]]


def screen_label(screen: str) -> str:
    return ALL_TEXTS if screen == ALL else SCREENS[screen]


def entries(catalog: Catalog) -> Iterable[Message]:
    return (message for message in catalog if message.id)


def awaiting_review(language: str, locales_dir: Path = LOCALES_DIR) -> int:
    """How many entries of the language still carry the review marker (0 without a catalog)."""
    path = catalog_path(language, locales_dir)
    if not path.exists():
        return 0
    stat = path.stat()
    return _awaiting_in(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _awaiting_in(path: Path, _mtime_ns: int, _size: int) -> int:
    """Read once per version of the file: every app the tests start asks again."""
    return sum(review_state(message).awaiting for message in entries(read_catalog(path)))


@dataclass(frozen=True)
class Outcome:
    """What the import does with one row of a reviewer's sheet."""

    id: str
    kind: str  # "changed", "reviewed", "refused", "unsure" or "untouched"
    reason: str = ""
    old: str = ""
    new: str = ""


VERDICTS = ("ok", "change", "unsure")


def decide(id: str, verdict: str, text: str, exported: str, *, current: str | None, source_then: str,
           source_now: str, problems: Callable[[str], list[str]]) -> Outcome:
    """One row: `text` as the reviewer left it, `exported` as it was sent out, `current` as the
    catalog (or configuration) holds it now (None: gone). A change is refused, with its reason,
    when it may not be written; an approval when what was approved is no longer what is there."""
    if verdict not in ("", *VERDICTS):
        return Outcome(id, "refused", f"the verdict must be ok, change or unsure, not {verdict!r}")
    if current is None:
        return Outcome(id, "refused", "the entry is no longer there (the code or configuration changed since the export)")
    if source_now != source_then:
        return Outcome(id, "refused", "the English or Chinese text changed since the export: export again and review the new text")
    if verdict == "unsure":
        return Outcome(id, "unsure")
    if text == exported:
        if verdict == "":
            return Outcome(id, "untouched")
        if verdict == "change":
            return Outcome(id, "refused", "the verdict is change, but the translation was left as it was")
        if current != exported:
            return Outcome(id, "refused", f"the translation was changed by someone else since the export (now: {current})")
        return Outcome(id, "reviewed", old=current, new=current)
    if current == text:  # imported before: only the review mark is missing, if anything
        return Outcome(id, "reviewed", old=current, new=current)
    if current != exported:
        return Outcome(id, "refused", f"the translation was changed by someone else since the export (now: {current})")
    found = problems(text)
    if found:
        return Outcome(id, "refused", "; ".join(found), old=current, new=text)
    return Outcome(id, "changed", old=current, new=text)
