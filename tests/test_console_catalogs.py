"""Every string of the console is translated into Chinese and English (its own catalog domain)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from console.i18n import CONSOLE_LANGUAGES, ConsoleTranslator
from i18n import LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def console_messages() -> set[str]:
    """What `make extract` puts in i18n/console.pot: the console's code and templates."""
    with (ROOT / "babel-console.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map=method_map, options_map=options_map, keywords={**DEFAULT_KEYWORDS, "N_": None})
    }


SOURCE = console_messages()


def test_the_console_has_strings_and_its_templates_are_extracted():
    assert len(SOURCE) > 100
    assert "Accept the tip" in SOURCE  # from Python
    assert "What the reporter told us" in SOURCE  # from a template


@pytest.mark.parametrize("language", CONSOLE_LANGUAGES)
def test_every_console_string_is_translated(language):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "console.po").open("rb") as handle:
        entries = {m.id: m for m in read_po(handle, locale=language) if m.id}
    problems = []
    for key in sorted(SOURCE):
        entry = entries.get(key)
        if entry is None:
            problems.append(f"missing: {key!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy (dropped when compiled): {key!r}")
        elif not (entry.string or "").strip():
            problems.append(f"empty: {key!r}")
        elif set(PLACEHOLDER.findall(entry.string)) != set(PLACEHOLDER.findall(key)):
            problems.append(f"placeholders differ: {key!r} -> {entry.string!r}")
        elif language == "zh_Hans" and entry.string == key and re.search(r"[a-z]{3}", key):
            problems.append(f"left in English: {key!r}")
    assert not problems, f"{language}: {len(problems)} problems\n" + "\n".join(problems[:40])


def test_the_compiled_catalogs_are_in_use():
    assert ConsoleTranslator("zh_Hans")("Sign in") == "登录"
    assert ConsoleTranslator("en")("Sign in") == "Sign in"
    assert ConsoleTranslator("bo")("Sign in") == "登录"  # the console speaks Chinese and English
