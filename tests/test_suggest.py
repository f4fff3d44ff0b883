"""Category suggestion from a free-text description (intake/domain/suggest.py).

tests/data/descriptions.jsonl is a labelled set written from DOMAIN.md's scam patterns before
the keywords were tuned. Every 4th line is `"split": "holdout"` and was not looked at while
tuning intake/config/keywords.toml. The 24 lines written afterwards in deliberately different
wording ("fresh") moved to the held-out set of the learned suggestion, tests/data/suggest_heldout.tsv
(issue 19), whose header says how each part was written; the keyword table's figure on that set
is printed here too. The Tibetan lines were written by a non-native speaker and, like the
Tibetan keywords, need a native speaker's review.
Run with `pytest tests/test_suggest.py -q -s` to see the scores.
"""
from __future__ import annotations

import collections
import json
import tomllib
from pathlib import Path

import pytest

from intake.domain.suggest import (
    DEFAULT_KEYWORDS_PATH,
    Keywords,
    KeywordsError,
    Suggestion,
    load_keywords,
    parse_keywords,
    suggest,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "descriptions.jsonl"
HELDOUT = ROOT / "tests" / "data" / "suggest_heldout.tsv"
TAXONOMY = ROOT / "intake" / "config" / "taxonomy.toml"
LANGUAGES = {"zh_Hans", "en", "bo"}


@pytest.fixture(scope="module")
def keywords() -> Keywords:
    return load_keywords()


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with DATA.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def taxonomy_codes() -> set[str]:
    with TAXONOMY.open("rb") as f:
        return {c["code"] for c in tomllib.load(f)["categories"]}


@pytest.fixture(scope="module")
def heldout() -> list[dict]:
    with HELDOUT.open(encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
    fields = ("category", "language", "part", "text")
    return [dict(zip(fields, line.split("\t"), strict=True)) for line in lines]


def _accuracy(rows: list[dict], keywords: Keywords) -> float:
    hits = sum(suggest(r["text"], keywords).category == r["category"] for r in rows)
    return hits / len(rows)


# ---------------------------------------------------------------------------------------------
# The labelled set


def test_labelled_set_is_large_varied_and_well_formed(rows, taxonomy_codes):
    assert len(rows) >= 120
    for row in rows:
        assert set(row) == {"text", "language", "category", "split"}, row
        assert row["text"].strip()
        assert row["language"] in LANGUAGES
        assert row["category"] in taxonomy_codes
        assert row["split"] in {"tune", "holdout"}
    assert {r["category"] for r in rows} == taxonomy_codes  # all 11 codes
    languages = collections.Counter(r["language"] for r in rows)
    assert set(languages) == LANGUAGES
    assert languages["bo"] >= 15
    assert sum(r["split"] == "holdout" for r in rows) >= len(rows) // 5


def test_heldout_set_is_large_varied_and_separate(heldout, rows, taxonomy_codes):
    assert len(heldout) >= 200
    for row in heldout:
        assert row["category"] in taxonomy_codes and row["language"] in LANGUAGES, row
        assert row["part"] in {"fresh", "issue", "new"} and row["text"].strip(), row
    for language in LANGUAGES:
        assert {r["category"] for r in heldout if r["language"] == language} == taxonomy_codes, language
    assert sum(r["language"] == "bo" for r in heldout) >= 50
    assert sum(r["part"] == "fresh" for r in heldout) == 24
    assert {"category": "online_telecom", "language": "zh_Hans", "part": "issue",
            "text": "有人打电话说我儿子出车祸了，要我马上转两万块钱"} in heldout
    assert not {r["text"] for r in heldout} & {r["text"] for r in rows}


def test_suggestions_are_accurate_on_the_labelled_set(rows, heldout, keywords):
    holdout = [r for r in rows if r["split"] == "holdout"]
    fresh = [r for r in heldout if r["part"] == "fresh"]
    whole, held = _accuracy(rows, keywords), _accuracy(holdout, keywords)
    print(f"\nsuggest top-1 accuracy: whole set {whole:.3f} ({len(rows)} lines), "
          f"holdout {held:.3f} ({len(holdout)} lines), fresh wording {_accuracy(fresh, keywords):.3f} ({len(fresh)} lines), "
          f"issue 19's held-out set {_accuracy(heldout, keywords):.3f} ({len(heldout)} lines)")
    for language in sorted(LANGUAGES):
        subset = [r for r in rows if r["language"] == language]
        print(f"  {language}: {_accuracy(subset, keywords):.3f} ({len(subset)} lines)")
    assert whole >= 0.85
    assert held >= 0.75


# ---------------------------------------------------------------------------------------------
# The keyword file


def test_keyword_file_names_only_taxonomy_categories(keywords, taxonomy_codes):
    assert set(keywords.categories) <= taxonomy_codes
    assert taxonomy_codes - set(keywords.categories) <= {"other"}


def test_every_category_has_words_in_every_language():
    with DEFAULT_KEYWORDS_PATH.open("rb") as f:
        data = tomllib.load(f)
    for code, table in data.items():
        if isinstance(table, dict):
            assert set(table) == LANGUAGES, code
            assert all(table[lang] for lang in LANGUAGES), code


@pytest.mark.parametrize("data", [
    {"care_product": {"fr": [["santé", 2]]}},
    {"care_product": {"en": [["lecture"]]}},
    {"care_product": {"en": [["", 2]]}},
    {"care_product": {"en": [["lecture", "2"]]}},
    {"care_product": {"en": "lecture"}},
    {"min_score": -1},
    {"unknown_setting": 1},
])
def test_malformed_keyword_data_is_refused(data):
    with pytest.raises(KeywordsError):
        parse_keywords(data)


def test_a_deployment_can_load_its_own_file(tmp_path):
    path = tmp_path / "keywords.toml"
    path.write_text('min_score = 1\n[posters]\nen = [["graffiti", 1]]\n', encoding="utf-8")
    keywords = load_keywords(path)
    assert suggest("GRAFFITI on the wall", keywords).category == "posters"
    assert suggest("a lecture", keywords).category == "other"


# ---------------------------------------------------------------------------------------------
# Behaviour


def test_reasons_name_the_matched_words(keywords):
    result = suggest("小区里天天开讲座，卖保健品给老人", keywords)
    assert result.category == "care_product"
    assert "保健品" in result.reasons and "讲座" in result.reasons
    assert result.reasons[0] == "保健品"  # strongest first
    english = suggest("She bought supplements at a lecture", keywords)
    assert english.category == "care_product"
    assert "supplement" in english.reasons and "lecture" in english.reasons


def test_full_width_and_upper_case_match(keywords):
    assert suggest("ＶＩＰ卡，ＤＥＰＯＳＩＴ for a CARE HOME bed", keywords).category == "care_service"
    assert suggest("ＭＹ ＭＵＭ ＢＯＵＧＨＴ ＳＵＰＰＬＥＭＥＮＴＳ", keywords).category == "care_product"
    # Spaces and punctuation inside a Chinese word do not hide it.
    assert suggest("以 房 养 老，", keywords).category == "house_pension"


@pytest.mark.parametrize("text", ["", "   ", "。。。", "\n"])
def test_empty_text_is_other_with_no_confidence(keywords, text):
    result = suggest(text, keywords)
    assert result == Suggestion(category="other", confidence=0.0, reasons=(), alternatives=())


def test_vague_text_is_other(keywords):
    assert suggest("我妈被骗了，不知道怎么回事", keywords).category == "other"
    # A weak hint alone (a phone call) is below the threshold.
    weak = suggest("please call me back", keywords)
    assert weak.category == "other" and weak.confidence == 0.0 and weak.reasons == ()


def test_tibetan_description_is_classified(keywords):
    result = suggest("ཡུལ་སྐོར་ཚོགས་པ་ཞིག་གིས་རྒན་པོ་ཚོ་ཚོང་ཁང་ལ་ཁྲིད་སོང་།", keywords)
    assert result.category == "tour_art"
    assert "ཡུལ་སྐོར" in result.reasons
    # Case particles attached to the last syllable do not stop a match (ཁང་པ + -འི).
    assert suggest("ཁང་པའི་ཐོག་ནས་དངུལ་གཉེར", keywords).category == "house_pension"


def test_mixed_language_text_uses_every_language(keywords):
    result = suggest("ཨ་མས་保健品ཉོས་སོང་།", keywords)
    assert result.category == "care_product" and "保健品" in result.reasons


def test_overlapping_words_count_once_longest_first(keywords):
    # 补贴 (subsidy) must not also be read as 贴了 (posted).
    result = suggest("说给老人补贴了五百", keywords)
    assert result.category == "care_assistance"
    assert "贴了" not in result.reasons
    # 养老保险 counts once, not again as 保险.
    assert suggest("代办养老保险", keywords).reasons == ("养老保险", "代办")


def test_english_words_need_word_boundaries(keywords):
    assert "art" not in suggest("my heart hurts after the party", keywords).reasons
    assert suggest("he sold my mother paintings", keywords).category == "tour_art"  # plural


def test_confidence_and_alternatives(keywords):
    result = suggest("健康讲座上卖保健品，后来又拉老人投资养老项目，保本保息", keywords)
    assert result.category == "care_project"
    assert 0 < result.confidence <= 1
    codes = [code for code, _ in result.alternatives]
    assert "care_product" in codes
    assert len(result.alternatives) <= 3
    assert all(0 < p <= result.confidence for _, p in result.alternatives)
    assert result.confidence + sum(p for _, p in result.alternatives) <= 1


def test_to_dict_shape(keywords):
    result = suggest("接到陌生电话冒充公安局，让转账到安全账户，还让下载app", keywords)
    data = result.to_dict()
    assert set(data) == {"category", "confidence", "reasons", "alternatives", "model_version", "sure"}
    assert data["category"] == "online_telecom"
    assert data["model_version"] == "keywords" and data["sure"] is True  # the keyword table alone
    assert isinstance(data["confidence"], float)
    assert isinstance(data["reasons"], list) and all(isinstance(r, str) for r in data["reasons"])
    assert all(set(a) == {"category", "confidence"} for a in data["alternatives"])
    json.dumps(data, ensure_ascii=False)  # serialisable as it is


def test_default_keywords_are_used_when_none_given():
    assert suggest("保健品").category == "care_product"
