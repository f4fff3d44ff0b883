"""What the hostile-input suite throws at every entry point: Hypothesis strategies and a few
hand-picked nasties, with the budgets that keep the whole suite to a few minutes.

Examples are derandomized (the same inputs on every run, so CI is never flaky) and have no
deadline (a slow CI machine is not a bug). Raise `TIPLINE_HOSTILE_EXAMPLES` locally to dig deeper.
"""
from __future__ import annotations

import os
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from i18n import LANGUAGES, Translator

#: Examples per property test; each example is one real request through the app and database.
EXAMPLES = int(os.environ.get("TIPLINE_HOSTILE_EXAMPLES", "25"))

HOSTILE_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

_per_core: dict[tuple[str, int], tuple[weakref.ref, Any]] = {}


async def once_per_core(name: str, core, make: Callable[[], Awaitable[Any]]) -> Any:
    """What a property test sets up once for all its examples against one core (a partner key, a
    signed-in client). Checked by identity through a weak reference: a finished test's core is
    collected and the next test's core may get the same id, with another database behind it."""
    cached = _per_core.get((name, id(core)))
    if cached is None or cached[0]() is not core:
        cached = _per_core[(name, id(core))] = (weakref.ref(core), await make())
    return cached[1]


RTL_OVERRIDE = "\u202e"
TIBETAN = "བོད་ཀྱི་ཡི་གེ། ༡༢༣༤ ཀུན་གྱིས་"
EMOJI = "👵🏽💊💰🏴‍☠️👨‍👩‍👧"

#: Hand-picked inputs every field meets, besides the generated ones.
NASTIES: tuple[str, ...] = (
    "",
    " \t\n ",
    "\x00",
    "a\x00b",
    f"pay {RTL_OVERRIDE}001 yuan",
    f"{TIBETAN} {EMOJI} {RTL_OVERRIDE}مرحبا",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "{{ 7*7 }} {% raw %}",
    "' OR 1=1; DROP TABLE tips; --",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "../../../../etc/passwd",
    "%s%n%x %(x)s {0}",
    "\ufeff\u200b\u2066zero width\u2069",
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "𝕳𝖊𝖑𝖑𝖔",
    "१२३ ༡༢༣ ١٢٣ １２３",
    "9" * 400,
    "x" * 100_000,  # 100 KB
    ("老人被骗" * 25_000),  # 100 K characters, 300 KB of UTF-8
    "\n" * 5000,
    "nan",
    "null",
    "dont_know",
    "__skip__",
    "__review__",
)

#: Characters of every kind except lone surrogates (HTML forms and Telegram cannot carry them).
any_text = st.text(st.characters(codec="utf-8"), max_size=300)
#: Any text at all, lone surrogates included (only JSON can carry them, as \\ud800 escapes).
any_text_with_surrogates = st.text(st.characters(exclude_categories=()), max_size=200)

hostile_text = st.one_of(st.sampled_from(NASTIES), any_text)
hostile_text_with_surrogates = st.one_of(hostile_text, any_text_with_surrogates)

#: Anything JSON can hold, for the API's answers and stored state.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text_with_surrogates,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=8,
)


def readable_everywhere(message: str, params: dict | None = None) -> None:
    """A core message id renders in every language without an error and says something."""
    for language in LANGUAGES:
        _ = Translator(language)
        text = _(message, **params) if params else _(message)
        assert text.strip() and "%(" not in text, (language, message)
