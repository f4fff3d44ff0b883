"""What a prevention poster or leaflet (宣传画) says, in one or two languages: the unit's name,
three warning signs from the deployment's category examples, the hotlines, and the address (and
QR code) that opens the report form in the reader's language. No I/O: intake/reports/posters.py
lays it out and prints it to PDF.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from i18n import LANGUAGE_TAGS, N_, Translator
from intake.domain.deployment import Deployment
from intake.domain.refusals import Refused

#: The languages a poster is printed in, as `--lang` and the console name them.
LANGUAGE_CHOICES = ("zh_Hans", "bo", "en", "zh_Hans+bo")
#: Sheet sizes: an A4 poster for a wall, an A5 leaflet to hand out.
PAPERS = ("A4", "A5")
SIGNS = 3

#: The national numbers every poster carries, before the unit's own.
HOTLINES = (
    ("110", N_("Police emergency")),
    ("96110", N_("Anti-fraud line")),
    ("12345", N_("Government service hotline")),
)

# The poster's fixed words. Chinese for the translator: 警惕养老诈骗, 当心这些情况, 求助电话,
# 付钱之前，先打反诈专线 96110 问一问。, 用手机扫码举报，或者输入下面的网址。
HEADLINE = N_("Beware of elder fraud")
SIGNS_HEADING = N_("Watch out for these")
HOTLINES_HEADING = N_("Numbers to call")
BEFORE_YOU_PAY = N_("Before you pay, call the anti-fraud line 96110 and ask.")
SCAN_OR_TYPE = N_("Scan the code with your phone to report, or type the address below.")
REPORT = N_("Report a scam against older people")
SAFE = N_("Reporting is safe. You do not need an account, and you can stay anonymous.")

UNKNOWN_UNIT = N_("There is no unit %(unit)s in this deployment.")
UNKNOWN_LANGUAGE = N_("Unknown language %(language)s: choose zh_Hans, bo, en or zh_Hans+bo.")
UNKNOWN_PAPER = N_("Unknown paper size %(paper)s: choose A4 (poster) or A5 (leaflet).")
UNKNOWN_CATEGORY = N_("There is no category %(category)s with examples to print: choose one of %(choices)s.")
TOO_MANY_CATEGORIES = N_("Choose at most %(most)s categories: the poster has room for that many warning signs.")
NO_ADDRESS = N_("The poster needs the site's address: set TIPLINE_POSTER_URL or TIPLINE_PUBLIC_BASE_URL.")


class PosterRefused(Refused):
    """A poster that cannot be made: an unknown unit, language, paper size or category, too many
    categories, or no address."""


@dataclass(frozen=True)
class PosterText:
    """Every word of the poster in one language."""

    language: str
    tag: str  # BCP 47, for lang attributes
    headline: str
    report: str
    unit_name: str
    signs_heading: str
    signs: tuple[str, ...]
    hotlines_heading: str
    hotline_labels: tuple[str, ...]  # beside HOTLINES' numbers, then the unit's own (when it has one)
    before_you_pay: str
    scan_or_type: str
    target: str  # the address the QR code opens, printed beside it
    safe: str


@dataclass(frozen=True)
class Poster:
    unit: str
    paper: str
    languages: tuple[str, ...]
    categories: tuple[str, ...]  # whose first examples are the warning signs
    numbers: tuple[str, ...]  # 110, 96110, 12345 and the unit's own, when it has one
    texts: tuple[PosterText, ...]


def parse_languages(value: str) -> tuple[str, ...]:
    """`bo` -> ("bo",), `zh_Hans+bo` -> ("zh_Hans", "bo"); anything else is refused."""
    cleaned = value.strip()
    if cleaned not in LANGUAGE_CHOICES:
        raise PosterRefused(UNKNOWN_LANGUAGE, {"language": cleaned or "''"})
    return tuple(cleaned.split("+"))


def parse_paper(value: str) -> str:
    cleaned = value.strip().upper()
    if cleaned not in PAPERS:
        raise PosterRefused(UNKNOWN_PAPER, {"paper": value.strip() or "''"})
    return cleaned


def form_address(base_url: str, language: str) -> str:
    """The public site's address that opens the form in `language` (`/?lang=bo`), keeping any
    path or query the deployment's own (short) address has."""
    parts = urlsplit(base_url.strip())
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "lang"]
    query.append(("lang", language))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def sign_categories(deployment: Deployment) -> list[str]:
    """The categories a warning sign can come from: active, with an example, and not "other"."""
    return [c.code for c in deployment.active_categories() if c.examples and c.code != "other"]


def chosen_categories(deployment: Deployment, categories: Sequence[str] = ()) -> tuple[str, ...]:
    """The categories whose first example the poster prints: those chosen (a county's own
    concerns), else the first SIGNS in the taxonomy's order. Raises PosterRefused."""
    possible = sign_categories(deployment)
    chosen = tuple(dict.fromkeys(code.strip() for code in categories if code.strip()))
    if not chosen:
        return tuple(possible[:SIGNS])
    if len(chosen) > SIGNS:
        raise PosterRefused(TOO_MANY_CATEGORIES, {"most": SIGNS})
    for code in chosen:
        if code not in possible:
            raise PosterRefused(UNKNOWN_CATEGORY, {"category": code, "choices": ", ".join(possible)})
    return chosen


def warning_signs(deployment: Deployment, language: str, categories: Sequence[str] = ()) -> tuple[str, ...]:
    """The first example of each category chosen (chosen_categories), in `language`."""
    return tuple(deployment.category_by_code[code].examples[0].get(language)
                 for code in chosen_categories(deployment, categories))


def compose_poster(deployment: Deployment, unit: str, languages: str, paper: str, base_url: str,
                   categories: Sequence[str] = ()) -> Poster:
    """The poster for `unit` in `languages` (one of LANGUAGE_CHOICES) on `paper` (A4 or A5),
    whose QR codes open `base_url` in each language, with the warning signs of `categories` (at
    most SIGNS; none: the first in the taxonomy). Raises PosterRefused."""
    chosen = parse_languages(languages)
    size = parse_paper(paper)
    signs_from = chosen_categories(deployment, categories)
    found = deployment.unit_by_code.get(unit.strip())
    if found is None or found.retired:
        raise PosterRefused(UNKNOWN_UNIT, {"unit": unit.strip() or "''"})
    if not base_url.strip():
        raise PosterRefused(NO_ADDRESS)
    numbers = tuple(number for number, _label in HOTLINES)
    own = found.phone.strip()
    if own and own not in numbers:
        numbers += (own,)
    texts = []
    for language in chosen:
        _ = Translator(language)
        unit_name = deployment.unit_name(found.code, language)
        labels = tuple(_(label) for _number, label in HOTLINES)
        if len(numbers) > len(HOTLINES):
            labels += (unit_name,)
        texts.append(PosterText(
            language=language, tag=LANGUAGE_TAGS[language], headline=_(HEADLINE), report=_(REPORT),
            unit_name=unit_name, signs_heading=_(SIGNS_HEADING), signs=warning_signs(deployment, language, signs_from),
            hotlines_heading=_(HOTLINES_HEADING), hotline_labels=labels, before_you_pay=_(BEFORE_YOU_PAY),
            scan_or_type=_(SCAN_OR_TYPE), target=form_address(base_url, language), safe=_(SAFE),
        ))
    return Poster(unit=found.code, paper=size, languages=chosen, categories=signs_from, numbers=numbers, texts=tuple(texts))

