"""Numbers from outside (a URL, a form field, a cursor, a cookie) that name a row.

The id columns are INTEGER: 32 bits on PostgreSQL (SQLite would take 64). A larger number names
nothing, and must never reach the database, where SQLite raises OverflowError and asyncpg a
DataError (a 500 where "not found" is the answer). Every channel bounds its numbers here.
"""
from __future__ import annotations

#: The largest id a row can have (PostgreSQL's INTEGER).
MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(text: object, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """`text` as a number from `minimum` to `maximum` (MAX_ID, or a smaller column's largest);
    None for anything else. ASCII digits only: no sign, space or decimal point, and no digits of
    other scripts (str.isdigit() takes "²", which int() refuses)."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > _MAX_DIGITS:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
