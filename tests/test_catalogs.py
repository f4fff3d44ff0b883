"""Every string of the code is translated into Chinese, Tibetan and English."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

import i18n
from i18n import LANGUAGES, LOCALES_DIR, Translator, negotiate, translations
from i18n.checks import nfc_problems, placeholder_problems, tibetan_problems
from i18n.review import review_state
from intake.domain.answers.money import parse_amount

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "plural": (1, 2)}


def source_messages() -> dict[str, str | tuple[str, str]]:
    """Every translatable string of the code and templates, as `make extract` finds them."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, str | tuple[str, str]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map=method_map, options_map=options_map, keywords=KEYWORDS
    ):
        key = message[0] if isinstance(message, tuple) else message
        found[key] = message
    return found


def catalog(language: str):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language.replace("zh_Hans", "zh_Hans"))


SOURCE = source_messages()


def test_the_source_has_strings_to_translate():
    assert len(SOURCE) > 100
    assert "Who are you reporting for?" in SOURCE


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_code_is_translated(language):
    entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(language) if m.id}
    problems = []
    for key, message in SOURCE.items():
        entry = entries.get(key)
        if entry is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy:
            problems.append(f"fuzzy (dropped when compiled): {key!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"empty: {key!r}")
        if isinstance(message, tuple) and not isinstance(entry.id, tuple):
            problems.append(f"not a plural entry: {key!r}")
        for text in strings:
            if text:
                problems += [f"{problem}: {key!r} -> {text!r}"
                             for problem in placeholder_problems(text, *((key,) if isinstance(message, str) else message))]
    assert not problems, f"{language}: {len(problems)} problems\n" + "\n".join(problems[:30])


def tibetan_entry_problems(entry: Message) -> list[str]:
    """NFC, the shad and tsheg rules (i18n/checks.py, which `tipline i18n import` applies too), and a
    review comment: the marker that it awaits a native speaker, or who reviewed it and when."""
    problems = []
    for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
        problems += nfc_problems(text) + tibetan_problems(text)
    state = review_state(entry)
    if not state.awaiting and state.reviewed_by is None:
        problems.append("neither awaits a native speaker's review nor says who reviewed it")
    return problems


def test_tibetan_is_nfc_well_punctuated_and_every_entry_reviewed_or_awaiting_review():
    problems = [f"{entry.id!r}: {problem}" for entry in catalog("bo") if entry.id for problem in tibetan_entry_problems(entry)]
    assert not problems, "\n".join(problems[:30])


def test_a_reviewed_tibetan_entry_passes_and_an_unmarked_or_misspelled_one_fails():
    reviewed = Message("Yes", "ཡིན།", user_comments=["Reviewed by Tenzin Dolma, 2026-12-07."])
    unmarked = Message("Yes", "ཡིན།")
    badly_punctuated = Message("Yes", "ཡོད་ཀྱི་ཡག།", user_comments=["Needs review by a native Tibetan speaker."])
    assert tibetan_entry_problems(reviewed) == []
    assert tibetan_entry_problems(unmarked) == ["neither awaits a native speaker's review nor says who reviewed it"]
    assert tibetan_entry_problems(badly_punctuated) and "no shad after a final ག" in tibetan_entry_problems(badly_punctuated)[0]


# Han ideographs (with extensions A and B+ and compatibility forms), CJK punctuation and full-width forms.
CHINESE_CHARACTERS = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")


def tibetan_deployment_texts() -> list[tuple[str, str]]:
    """(where, text) of every `bo` field of the deployment's configuration files."""
    found: list[tuple[str, str]] = []

    def walk(value: object, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "bo" and isinstance(item, str):
                    found.append((where, item))
                else:
                    walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for position, item in enumerate(value):
                walk(item, f"{where}[{position}]")

    for path in sorted((ROOT / "intake" / "config").glob("*.toml")):
        walk(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
    return found


def test_tibetan_texts_hold_no_chinese_characters():
    texts = [(repr(entry.id), text) for entry in catalog("bo") if entry.id
             for text in (entry.string if isinstance(entry.string, tuple) else (entry.string,))]
    deployment = tibetan_deployment_texts()
    assert len(deployment) > 50  # the walk found the deployment's texts
    chinese = [f"{where}: {CHINESE_CHARACTERS.findall(text)}" for where, text in texts + deployment
               if CHINESE_CHARACTERS.search(text)]
    assert not chinese, "\n".join(chinese)


def test_the_tibetan_amount_examples_are_tibetan_and_read_by_the_parser():
    examples = [entry for entry in catalog("bo") if entry.id and "3万" in entry.id]
    assert len(examples) == 4
    for entry in examples:
        assert "ཁྲི་3" in entry.string, entry.id
    assert parse_amount("ཁྲི་3") == parse_amount("3万") == 3_000_000


def test_the_glossary_records_a_source_for_every_term():
    lines = (ROOT / "i18n" / "glossary.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    assert header[:5] == ["term", "zh_Hans", "en", "bo", "source"]
    assert len(lines) > 20
    for line in lines[1:]:
        fields = line.split("\t")
        assert len(fields) >= 5 and all(fields[:5]), line


# --- one term per concept: the glossary's forms to avoid, checked against every text ----------

GLOSSARY = [dict(zip(GLOSSARY_HEADER := (ROOT / "i18n" / "glossary.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t"), line.split("\t")))
            for line in (ROOT / "i18n" / "glossary.tsv").read_text(encoding="utf-8").splitlines()[1:]]


def every_text() -> list[tuple[str, str, str, str]]:
    """(where, language, English source, text) for every catalog entry (messages and console
    domains; the English text is the msgid) and every deployment text of intake/config/*.toml."""
    import tomllib

    found = []
    for domain, languages in (("messages", LANGUAGES), ("console", ("zh_Hans", "en"))):
        for language in languages:
            with (LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
                for entry in read_po(handle):
                    if not entry.id:
                        continue
                    source = entry.id if isinstance(entry.id, str) else entry.id[0]
                    for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
                        found.append((f"{domain}.po {source[:60]!r}", language, source, text))

    def walk(where: str, value) -> None:
        if isinstance(value, dict):
            if "zh_Hans" in value and set(value) <= set(LANGUAGES) and all(isinstance(v, str) for v in value.values()):
                found.extend((where, language, value.get("en", ""), text) for language, text in value.items())
                return
            for key, inner in value.items():
                walk(f"{where}.{key}", inner)
        elif isinstance(value, list):
            for number, inner in enumerate(value):
                walk(f"{where}[{number}]", inner)

    for path in sorted((ROOT / "intake" / "config").glob("*.toml")):
        walk(path.name, tomllib.loads(path.read_text(encoding="utf-8")))
    return found


TEXTS = every_text()


def _variants(row: dict, language: str) -> list[str]:
    return [v.strip() for v in row.get(f"avoid_{language}", "").split("|") if v.strip()]


def _uses(text: str, form: str, language: str) -> bool:
    if language == "en":  # whole words, any case: "victim" is not "victim_home"
        return re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text, re.IGNORECASE) is not None
    return form in text


def test_the_glossary_says_which_forms_to_avoid():
    assert GLOSSARY_HEADER[6:10] == ["avoid_zh_Hans", "avoid_en", "avoid_bo", "aligned"]
    avoided = {(row["term"], language) for row in GLOSSARY for language in LANGUAGES if _variants(row, language)}
    assert ("anti-fraud line 96110", "zh_Hans") in avoided and ("person who was targeted", "en") in avoided


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_uses_a_form_the_glossary_replaced(language):
    problems = [
        f"{where}: {form!r} instead of {row[language]!r} ({row['term']})"
        for row in GLOSSARY for form in _variants(row, language)
        for where, text_language, _source, text in TEXTS if text_language == language and _uses(text, form, language)
    ]
    assert not problems, f"{len(problems)} texts use another form than the glossary's\n" + "\n".join(problems[:40])


def test_where_the_english_says_the_term_the_translation_says_the_glossarys():
    """An aligned row: wherever the English source uses its word, the listed languages use theirs
    (staff texts say 线索 for a tip, never a second word for it)."""
    problems = []
    for row in GLOSSARY:
        for language in row.get("aligned", "").split():
            english = re.compile(rf"(?<![\w-]){re.escape(row['en'])}s?(?![\w-])", re.IGNORECASE)
            problems += [
                f"{where}: {text!r} lacks {row[language]!r} ({row['term']})"
                for where, text_language, source, text in TEXTS
                if text_language == language and english.search(source) and row[language] not in text
            ]
    assert not problems, f"{len(problems)} texts say it another way\n" + "\n".join(problems[:40])


def test_the_glossary_check_finds_a_replaced_form():
    """The check itself: a text with a replaced form is found."""
    row = next(row for row in GLOSSARY if row["term"] == "anti-fraud line 96110")
    assert _uses("想咨询，可以打反诈咨询 96110。", _variants(row, "zh_Hans")[0], "zh_Hans")
    assert _uses("Relationship to the Victim", "victim", "en") and not _uses("region = victim_home", "victim", "en")


def test_a_string_missing_in_tibetan_falls_back_to_chinese_not_english(tmp_path):
    for language, text in (("zh_Hans", "只有中文"), ("bo", None), ("en", "Only Chinese")):
        cat = Catalog(locale=language.replace("zh_Hans", "zh"))
        if text:
            cat.add("Only Chinese", text)
        folder = tmp_path / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "messages.mo").open("wb") as handle:
            write_mo(handle, cat)
    assert translations("bo", tmp_path).gettext("Only Chinese") == "只有中文"
    assert translations("en", tmp_path).gettext("Only Chinese") == "Only Chinese"


@pytest.mark.parametrize(
    "header,expected",
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-Hans", "zh_Hans"),
        ("bo-CN", "bo"),
        ("bo", "bo"),
        ("en-GB,zh;q=0.5", "en"),
        ("fr-FR, en;q=0.3", "en"),
        ("fr-FR", None),
        ("", None),
    ],
)
def test_locale_negotiation_uses_the_primary_language_subtag(header, expected):
    assert negotiate(header) == expected


def test_translator_fills_parameters_in_each_language():
    for language in LANGUAGES:
        text = Translator(language)("You can add at most %(max)s files.", max=20)
        assert "20" in text and "%" not in text


def test_the_english_amount_examples_are_english_and_read_by_the_parser():
    examples = [entry for entry in catalog("en") if entry.id and "3万" in entry.id]
    assert len(examples) == 4
    for entry in examples:
        assert "3万" not in entry.string and "30,000" in entry.string, entry.id
    assert parse_amount("30,000") == parse_amount("3万") == 3_000_000
