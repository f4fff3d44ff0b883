"""Full-text search over tips in Chinese, Tibetan and English, for the staff console's queue.

Chinese has no spaces and officers search one- and two-character words (保健, 养老, the surname
王), which trigram indexes (SQLite FTS5 trigram, PostgreSQL pg_trgm) cannot find. So each tip's
searchable facts are cut here, at write time, into a space-separated list of tokens:

- a run of Han characters gives its character bigrams, then its single characters;
- a run of Tibetan syllables (split at the tsheg ་) gives the same with syllables for characters;
- Latin words and digit runs give themselves, lower-cased (full-width folded, like
  `answers.matching.normalize_for_match`); a phone number in any format also gives its canonical digits.

A one-character query looks up the single character; a longer run looks up the phrase of its
consecutive bigrams (which is why each run's bigrams are written side by side). The list goes
into an FTS5 table (`tokenize='ascii'`: every non-ASCII character is part of a token, so our
tokens are kept whole) on SQLite, and into a `tsvector` with a GIN index on PostgreSQL (written
as a literal, so no parser touches it). Both tables are keyed by the tip's id.

Only facts about the suspected scam are indexed (the description, the suspect's organisation,
person, phone, address and website, the place, the reporter's later messages, and staff
translations of the reporter's words): never the reporter's or the victim's name or contact,
which are sealed in `people` and must not leak into an index.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, cast, delete, exists, func, insert, select, text
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession

from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.phones import parse_phone
from intake.platform.models.tip_records import ReporterMessage
from intake.platform.models.tips import Tip

#: The answers that describe the scam (never a personal one: see questionnaire.PERSONAL_KEYS).
SEARCHED_ANSWERS = (
    "description", "suspect_organisation", "suspect_person", "suspect_phone", "suspect_address",
    "suspect_online", "place",
)
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 10
MAX_TOKEN_CHARS = 60
PREFIX_MIN_CHARS = 3  # a shorter Latin word or number is looked up whole
TSHEG = "\u0f0b"

# Kept out of Base.metadata: the two databases hold different tables (intake/migrations 0006a).
SQLITE_TABLE = Table("tip_search", MetaData(), Column("rowid", Integer, primary_key=True), Column("tokens", String))
POSTGRES_TABLE = Table("tip_search", MetaData(), Column("tip_id", Integer, primary_key=True), Column("tokens", TSVECTOR))
# Where FTS5 keeps the SQLite table's text: its "%_content" shadow table, the row's id and its one
# column (https://sqlite.org/fts5.html, "the content table"). Read only by probe_condition: a row
# read there directly costs half of one read through the virtual table.
SQLITE_CONTENT = Table("tip_search_content", MetaData(), Column("id", Integer, primary_key=True), Column("c0", String))

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# Tibetan letters and vowel / subjoined marks (not the tsheg, the shad or other punctuation).
_TIBETAN = "".join(ch for ch in map(chr, range(0x0F00, 0x1000)) if unicodedata.category(ch)[0] in "LM")
_PIECE = re.compile(
    rf"(?P<han>[{_HAN}]+)"
    rf"|(?P<tibetan>[{_TIBETAN}]+(?:[\u0f0b\u0f0c][{_TIBETAN}]+)*)"
    rf"|(?P<word>[^\W_{_HAN}{_TIBETAN}]+)"
)
_TSHEGS = re.compile(r"[\u0f0b\u0f0c]")
_PHONE = re.compile(r"(?<![\d+])\+?\d[\d \-().\u00a0]{5,22}\d(?!\d)")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # Tibetan ༢, full-width ２ …


def _normalise(text: str) -> str:
    """Like answers.matching.normalize_for_match, but keeping the spaces and punctuation that part words."""
    if _OTHER_DIGIT.search(text):
        text = normalize_digits(text)
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _phone_token(candidate: str) -> str | None:
    parsed = parse_phone(candidate)
    return None if isinstance(parsed, Invalid) else parsed.lstrip("+")


@dataclass(frozen=True)
class _Run:
    """Han characters or Tibetan syllables in a row (`joiner` rebuilds a bigram)."""

    units: list[str]
    joiner: str


def _pieces(normalised: str) -> Iterable[_Run | str]:
    """Runs of Han or Tibetan, and Latin words / digit runs, in the order they are written."""
    for found in _PIECE.finditer(normalised):
        if found.lastgroup == "han":
            yield _Run(list(found.group()), "")
        elif found.lastgroup == "tibetan":
            yield _Run(_TSHEGS.split(found.group()), TSHEG)
        else:
            yield found.group()[:MAX_TOKEN_CHARS]


def tokens(text: str) -> list[str]:
    """The index tokens of one text: per run its bigrams side by side, then its characters;
    Latin words and numbers lower-cased; phone numbers also as canonical digits (8613800138000)."""
    text = _normalise(text)
    found: list[str] = []
    for piece in _pieces(text):
        if isinstance(piece, _Run):
            units = [unit[:MAX_TOKEN_CHARS] for unit in piece.units]
            found += [units[k] + piece.joiner + units[k + 1] for k in range(len(units) - 1)]
            found += units
        else:
            found.append(piece)
    for candidate in _PHONE.findall(text):
        phone = _phone_token(candidate)
        if phone:
            found.append(phone)
    return found


# --- what a tip says --------------------------------------------------------------------------

def searchable_texts(answers: dict | None, translations: dict | None, replies: Iterable[str] = ()) -> list[str]:
    """The texts of a tip that search reads: the scam's facts, never the reporter's identity."""
    texts = []
    for key in SEARCHED_ANSWERS:
        value = (answers or {}).get(key)
        if isinstance(value, str) and value and value != "dont_know":
            texts.append(value)
    texts += [reply for reply in replies if reply]
    for by_language in (translations or {}).values():
        if isinstance(by_language, dict):
            texts += [made["text"] for made in by_language.values() if isinstance(made, dict) and made.get("text")]
    return texts


def document(texts: Iterable[str]) -> list[str]:
    return [token for one in texts for token in tokens(one)]


def _tsvector_literal(words: list[str]) -> str:
    # Positions let `<->` find consecutive bigrams; PostgreSQL caps them at 16383 by itself.
    def quoted(word: str) -> str:
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return " ".join(f"{quoted(word)}:{position}" for position, word in enumerate(words, start=1))


def index_row(dialect: str, tip_id: int, words: list[str]) -> dict:
    """One row for `insert_statement(dialect)` (also used by bulk fills)."""
    if dialect == "postgresql":
        return {"tip_id": tip_id, "tokens": _tsvector_literal(words)}
    return {"rowid": tip_id, "tokens": " ".join(words)}


@cache  # built once per dialect: every submission runs it
def insert_statement(dialect: str):
    if dialect == "postgresql":
        return insert(POSTGRES_TABLE).values(tokens=cast(bindparam("tokens"), TSVECTOR))
    return insert(SQLITE_TABLE)


def delete_statement(dialect: str, tip_ids: list[int]):
    if dialect == "postgresql":
        return delete(POSTGRES_TABLE).where(POSTGRES_TABLE.c.tip_id.in_(tip_ids))
    return delete(SQLITE_TABLE).where(SQLITE_TABLE.c.rowid.in_(tip_ids))


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def index_tip(session: AsyncSession, tip: Tip, *, new: bool = False) -> None:
    """(Re)write one tip's search entry, inside the caller's transaction: when the tip is
    created (submission.create_tip, `new`: nothing to read or replace yet), when the reporter
    adds to it and when staff translate the reporter's words."""
    replies = [] if new else (await session.scalars(
        select(ReporterMessage.text).where(ReporterMessage.tip_id == tip.id).order_by(ReporterMessage.id)
    )).all()
    words = document(searchable_texts(tip.answers, tip.reporter_words_translation, replies))
    dialect = _dialect(session)
    if not new:
        await session.execute(delete_statement(dialect, [tip.id]))
    await session.execute(insert_statement(dialect), index_row(dialect, tip.id, words))


async def reindex(core, *, batch: int = 2000, progress=None) -> int:
    """Rebuild the whole index from the tips (after the migration, or to repair it), a batch of
    tips per transaction; returns how many tips were indexed."""
    dialect = core.db.dialect
    done, last = 0, 0
    while True:
        async with core.db.transaction() as session:
            rows = (await session.execute(
                select(Tip.id, Tip.answers, Tip.reporter_words_translation).where(Tip.id > last).order_by(Tip.id).limit(batch)
            )).all()
            if not rows:
                break
            ids = [row.id for row in rows]
            replies: dict[int, list[str]] = {}
            for tip_id, reply in (await session.execute(
                select(ReporterMessage.tip_id, ReporterMessage.text).where(ReporterMessage.tip_id.in_(ids)).order_by(ReporterMessage.id)
            )).all():
                replies.setdefault(tip_id, []).append(reply)
            await session.execute(delete_statement(dialect, ids))
            await session.execute(insert_statement(dialect), [
                index_row(dialect, row.id, document(searchable_texts(row.answers, row.reporter_words_translation, replies.get(row.id, ()))))
                for row in rows
            ])
        done += len(rows)
        last = ids[-1]
        if progress:
            progress(done)
    async with core.db.transaction() as session:  # entries of tips that no longer exist
        if dialect == "postgresql":
            await session.execute(delete(POSTGRES_TABLE).where(POSTGRES_TABLE.c.tip_id.not_in(select(Tip.id))))
        else:
            await session.execute(delete(SQLITE_TABLE).where(SQLITE_TABLE.c.rowid.not_in(select(Tip.id))))
            await session.execute(text("INSERT INTO tip_search(tip_search) VALUES ('optimize')"))
    return done


# --- queries ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One thing every match must contain: a phrase of tokens in a row, or a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]
    problem: str | None = None  # "nothing" (only punctuation or spaces), "too_long"


def parse(text: str) -> Query:
    """What a search box's text asks for. A phone number in it (any format: +86, spaces,
    full-width digits) looks up its canonical digits."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        return Query((), "too_long")
    terms: list[Term] = []

    def phone_term(found: re.Match) -> str:
        phone = _phone_token(found.group())
        if phone is None:
            return found.group()
        terms.append(Term((phone,)))
        return " "

    for piece in _pieces(_PHONE.sub(phone_term, _normalise(text))):
        if isinstance(piece, _Run):
            units = piece.units
            if len(units) == 1:
                terms.append(Term((units[0],)))
            else:
                terms.append(Term(tuple(units[k] + piece.joiner + units[k + 1] for k in range(len(units) - 1))))
        else:
            terms.append(Term((piece,), prefix=len(piece) >= PREFIX_MIN_CHARS))
    if not terms:
        return Query((), "nothing")
    if len(terms) > MAX_QUERY_TERMS:
        return Query((), "too_long")
    return Query(tuple(dict.fromkeys(terms)))


def _fts5(query: Query) -> str:
    return " ".join('"' + " ".join(term.words) + '"' + ("*" if term.prefix else "") for term in query.terms)


def _tsquery(query: Query) -> str:
    def quoted(word: str) -> str:
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return " & ".join(
        quoted(term.words[0]) + ":*" if term.prefix else "(" + " <-> ".join(quoted(word) for word in term.words) + ")"
        for term in query.terms
    )


def query_params(dialect: str, text_: str) -> dict | None:
    """The parameter of the prebuilt statements below (`search_q`) for a search box's text; None
    when it asks for nothing."""
    query = parse(text_)
    if not query.terms:
        return None
    return {"search_q": _tsquery(query) if dialect == "postgresql" else _fts5(query)}


@cache  # built once per dialect: the queue runs it with query_params
def ids_of(dialect: str):  # noqa: ANN201 - a SELECT
    """A SELECT of the ids of the tips that match the parameter `search_q`."""
    if dialect == "postgresql":
        return select(POSTGRES_TABLE.c.tip_id).where(POSTGRES_TABLE.c.tokens.op("@@")(cast(bindparam("search_q", type_=String), TSQUERY)))
    return select(SQLITE_TABLE.c.rowid).where(text("tip_search MATCH :search_q"))


@cache
def condition_of(dialect: str):  # noqa: ANN201 - a SQL condition
    """The SQL condition on Tip for the parameter `search_q`."""
    return Tip.id.in_(ids_of(dialect))


@cache
def count_at_most_of(dialect: str, cap: int):  # noqa: ANN201 - a SELECT
    """A SELECT of how many tips match `search_q`, counting no further than `cap` (cheap: it stops there)."""
    return select(func.count()).select_from(ids_of(dialect).limit(cap).subquery())


def matching_ids(dialect: str, query: Query):
    """A SELECT of the ids of the tips that match (use as `Tip.id.in_(...)`); None when the
    query asks for nothing."""
    if not query.terms:
        return None
    return ids_of(dialect).params(search_q=_tsquery(query) if dialect == "postgresql" else _fts5(query))


def condition(dialect: str, text_: str):
    """The SQL condition on Tip for a search box's text; None when it asks for nothing."""
    found = query_params(dialect, text_)
    return None if found is None else Tip.id.in_(ids_of(dialect).params(**found))


def hits_at_most(dialect: str, text_: str, cap: int):  # noqa: ANN201 - a SELECT
    """A SELECT of how many tips match, counting no further than `cap`; None when the text asks for nothing."""
    found = query_params(dialect, text_)
    return None if found is None else count_at_most_of(dialect, cap).params(**found)


def probe_params(dialect: str, text_: str) -> dict | None:
    """The parameters of `probe_condition` for a search box's text. Only for a text of one token (a
    Chinese word of one or two characters, a Tibetan syllable or two, a short word or number):
    None for anything else, which `condition` serves as before (a prefix would be expanded again
    for each tip, and several tokens make each look-up, and counting the matches, cost what
    collecting them does)."""
    query = parse(text_)
    if len(query.terms) != 1 or len(query.terms[0].words) != 1 or query.terms[0].prefix:
        return None
    if dialect == "postgresql":
        return {"search_q": _tsquery(query)}
    return {"search_token": f" {query.terms[0].words[0]} "}


def probe_condition(dialect: str, tip_id, values: dict | None = None):  # noqa: ANN001, ANN201 - a SQL column, a SQL condition
    """The same condition as `condition_of`, asked of the index for one tip at a time (`tip_id`,
    a column of the outer query), with probe_params (given when the statement runs, or as `values`): for a walk of a queue's index in its order
    that stops at a page, where `condition` would first collect every match in the whole index
    (a frequent word: 100,000 ids at 1,000,000 tips).

    On SQLite the tip's row is read by its id (from the FTS5 table's content, SQLITE_CONTENT) and
    its token list searched for the token, spaces either side: the same answer as MATCH (the list
    is the tokens joined by single spaces, and no token holds a character the `ascii` tokenizer
    would part it at or fold), without setting up a full-text query for every tip of the walk,
    which costs several times more."""
    if dialect == "postgresql":
        return exists().where(
            POSTGRES_TABLE.c.tip_id == tip_id,
            POSTGRES_TABLE.c.tokens.op("@@")(cast(bindparam("search_q", (values or {}).get("search_q"), type_=String), TSQUERY)),
        )
    return exists().where(
        SQLITE_CONTENT.c.id == tip_id,
        func.instr(" " + SQLITE_CONTENT.c.c0 + " ", bindparam("search_token", (values or {}).get("search_token"), type_=String)) > 0,
    )


def probe(dialect: str, text_: str, tip_id):  # noqa: ANN001, ANN201 - a SQL column, a SQL condition
    """probe_condition with its parameters (see probe_params; None for a text it does not serve)."""
    found = probe_params(dialect, text_)
    return None if found is None else probe_condition(dialect, tip_id, found)
