"""Sums of money as reporters write them ("3.5万", "￥30,000", "三万五", "ཁྲི་3"), read into fen."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, localcontext

from i18n import N_
from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.tibetan_numbers import has_tibetan_letters, read_amount as read_tibetan_amount

_MAX_FEN = 10**12  # 100亿 yuan: anything above is a typing slip, not a loss
_MAX_AMOUNT_CHARS = 100  # keeps Decimal arithmetic exact and cheap

# Longest first, so "块钱" is removed before "块" would leave "钱" behind.
_CURRENCY_PREFIXES = ("人民币", "rmb", "cny", "¥", "སྒོར་མོ་", "སྒོར་མོ", "སྒོར་", "སྒོར")
_CURRENCY_SUFFIXES = (
    "人民币", "块钱", "元钱", "元整", "元", "圆", "块", "yuan", "rmb", "cny",
    "སྒོར་མོ་", "སྒོར་མོ", "སྒོར་", "སྒོར",
)
_TRAILING_STOPS = ".。!！་།"

_CHINESE_DIGITS = {
    "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "貳": 2, "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_CHINESE_ZEROS = "零〇"
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}

_AMOUNT_TOKEN = re.compile(
    r"(?P<num>\d[\d,]*(?:\.\d+)?)"
    r"|(?P<digit>[" + "".join(_CHINESE_DIGITS) + r"])"
    r"|(?P<zero>[" + _CHINESE_ZEROS + r"])"
    r"|(?P<unit>[" + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS) + r"])"
)
_THOUSANDS_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")

_AMOUNT_EXAMPLE = N_("Please write the amount in numbers, for example 30000 or 3万.")


def parse_amount(text: str) -> int | Invalid:
    """Read a sum of money in yuan ("3.5万", "￥30,000", "三万五", "ཁྲི་གསུམ") and return it in fen."""
    core = _strip_currency(unicodedata.normalize("NFKC", normalize_digits(text)))
    if not core:
        return Invalid(N_("Please write the amount of money, for example 30000 or 3万."))
    if core[0] in "-−":
        return Invalid(N_("Please write the amount without a minus sign, for example 30000."))
    if len(core) > _MAX_AMOUNT_CHARS:
        return Invalid(_AMOUNT_EXAMPLE)
    if has_tibetan_letters(core):  # Tibetan number words ("ཁྲི་3"): spaces separate their syllables
        with localcontext() as ctx:
            ctx.prec = 4 * _MAX_AMOUNT_CHARS  # exact for every input we let through
            return _in_fen(read_tibetan_amount(core))
    # A space between digits is a thousands separator ("30 000"); any other space
    # only sits between a number and its unit ("3.5 万").
    core = re.sub(r"(?<=\d)\s+(?=\d)", ",", core)
    core = re.sub(r"\s+", "", core)
    tokens = _amount_tokens(core)
    if tokens is None:
        return Invalid(_AMOUNT_EXAMPLE)
    with localcontext() as ctx:
        ctx.prec = 4 * _MAX_AMOUNT_CHARS  # exact for every input we let through
        return _amount_in_fen(tokens)


def _strip_currency(text: str) -> str:
    text = text.strip().lower()
    previous = None
    while text != previous:
        previous = text
        text = text.rstrip(_TRAILING_STOPS).strip()
        for prefix in _CURRENCY_PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix):].strip()
        for suffix in _CURRENCY_SUFFIXES:
            if text.endswith(suffix):
                text = text[: -len(suffix)].strip()
    return text


def _amount_tokens(text: str) -> list[tuple[str, str]] | None:
    """Split into (kind, text) tokens; None when something is not part of a number."""
    tokens = []
    pos = 0
    while pos < len(text):
        match = _AMOUNT_TOKEN.match(text, pos)
        if match is None:
            return None
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "num":
            whole = value.split(".")[0]
            # "30,50" is a European decimal comma, not thirty thousand: refuse, do not guess.
            if "," in whole and not _THOUSANDS_GROUPED.fullmatch(whole):
                return None
            value = value.replace(",", "")
        tokens.append((kind, value))
        pos = match.end()
    return tokens


def _amount_in_fen(tokens: list[tuple[str, str]]) -> int | Invalid:
    if not any(kind == "unit" for kind, _ in tokens):
        # A bare "30.000" is probably a European thousands dot; three decimals are refused.
        decimals = [len(v.split(".")[1]) for kind, v in tokens if kind == "num" and "." in v]
        if any(d > 2 for d in decimals):
            return _too_many_decimals()
    return _in_fen(_evaluate_chinese_number(tokens))


def _in_fen(yuan: Decimal | None) -> int | Invalid:
    if yuan is None:
        return Invalid(_AMOUNT_EXAMPLE)
    fen = yuan * 100
    if fen > _MAX_FEN:
        return Invalid(N_("That amount looks too large. "
                          "Please check the number of zeros, for example 30000 or 3万."))
    if fen != fen.to_integral_value():
        return _too_many_decimals()
    return int(fen)


def _too_many_decimals() -> Invalid:
    return Invalid(N_("Please write at most two digits after the decimal point, for example 30000.50."))


def _evaluate_chinese_number(tokens: list[tuple[str, str]]) -> Decimal | None:
    """Value of digits mixed with 十百千万亿, e.g. "1亿2000万", "三万五", "两千"; None if malformed."""
    total = Decimal(0)  # everything already closed by 万 or 亿
    section = Decimal(0)  # the part below 万 being built
    number: Decimal | None = None  # the last number not yet multiplied by a unit
    single_digit = False  # "三万五": a lone digit after a unit means the next lower unit
    last_unit: int | None = None
    small_ceiling = 10**4  # small units must fall: 三千五百, not 五百三千
    wan_open = False  # 万 may appear once per 亿
    for kind, text in tokens:
        if kind in ("num", "digit"):
            if number is not None:
                return None
            number = Decimal(text) if kind == "num" else Decimal(_CHINESE_DIGITS[text])
            single_digit = kind == "digit" or len(text) == 1
        elif kind == "zero":
            if number is not None:
                return None
            last_unit = None  # "一万零五" is 10005, not 15000
        elif text in _SMALL_UNITS:
            unit = _SMALL_UNITS[text]
            if unit >= small_ceiling or (number is None and unit != 10):
                return None  # only 十 may stand without a number ("十五")
            section += (number if number is not None else 1) * unit
            number, small_ceiling, last_unit = None, unit, unit
        else:
            unit = _BIG_UNITS[text]
            if number is not None and single_digit and last_unit is not None and last_unit < 10**4:
                number *= Decimal(last_unit) / 10  # "三千五万" is 3500万
            if number is None and section == 0 and not (unit == 10**8 and total):
                return None  # a unit needs a number before it; only 万亿 stacks two units
            value = section + (number or 0)
            if unit == 10**4:
                if wan_open:
                    return None
                total += value * unit
                wan_open = True
            else:
                total = (total + value) * unit
                wan_open = False
            section, number, small_ceiling, last_unit = Decimal(0), None, 10**4, unit
    if number is not None:
        if single_digit and last_unit is not None:
            number *= Decimal(last_unit) / 10
        section += number
    return total + section
