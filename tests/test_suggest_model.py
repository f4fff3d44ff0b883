"""The learned category suggestion (intake/domain/category_model.py, issue 19).

The targets are measured on tests/data/suggest_heldout.tsv, which no model was trained or tuned
on (its header says how each part was written; the Tibetan figure is provisional). Run with
`pytest tests/test_suggest_model.py -q -s` to see the figures, the keyword table's beside them.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from intake.domain import category_model
from intake.domain.category_model import (
    DEFAULT_MODEL_PATH,
    Model,
    ModelError,
    load_model,
    suggest,
)
from intake.domain.category_training import (
    Example,
    ExamplesError,
    expected_calibration_error,
    load_examples,
    measure,
    train,
)
from intake.domain.suggest import Keywords, load_keywords, parse_keywords, suggest as suggest_by_keywords
from tests.cli import run_tipline

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "data" / "suggest_heldout.tsv"
# Written later by a session that never saw the training set or the first held-out set: the targets
# hold on both together, and its own figures are printed apart.
HELDOUT_SECOND = ROOT / "tests" / "data" / "suggest_heldout_second.tsv"
TAXONOMY = ROOT / "intake" / "config" / "taxonomy.toml"


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model()


@pytest.fixture(scope="module")
def keywords() -> Keywords:
    return load_keywords()


@pytest.fixture(scope="module")
def heldout() -> list[Example]:
    return load_examples(HELDOUT) + load_examples(HELDOUT_SECOND)


@pytest.fixture(scope="module")
def training() -> list[Example]:
    return load_examples()


@pytest.fixture(scope="module")
def categories() -> list[str]:
    with TAXONOMY.open("rb") as f:
        return [c["code"] for c in tomllib.load(f)["categories"]]


# ---------------------------------------------------------------------------------------------
# The targets


def test_targets_on_the_heldout_set(model, keywords, heldout):
    learned = measure(lambda text, language: suggest(text, language, model=model, keywords=keywords), heldout)
    by_keywords = measure(lambda text, language: suggest_by_keywords(text, keywords), heldout)
    print()
    print("\n".join(learned.lines(f"learned model {model.version}, both held-out sets")))
    print("\n".join(by_keywords.lines("keyword table alone")))
    for name, part in (("first held-out set", load_examples(HELDOUT)), ("second hand's set", load_examples(HELDOUT_SECOND))):
        print(learned_on(model, keywords, part).lines(f"  learned model on the {name}")[0])
    print("  (Tibetan figures are provisional: the Tibetan descriptions were written by non-native speakers)")
    assert learned.top1 >= 0.90
    assert learned.by_language["bo"][1] >= 0.85
    assert learned.top2 >= 0.95
    assert learned.ece <= 0.08
    assert learned.top1 > by_keywords.top1


def learned_on(model, keywords, examples):
    return measure(lambda text, language: suggest(text, language, model=model, keywords=keywords), examples)


def test_the_sets_are_large_enough_and_apart(training, heldout, categories):
    assert len(training) >= 600 and sum(e.language == "bo" for e in training) >= 100
    assert len(heldout) >= 200 and len(load_examples(HELDOUT_SECOND)) >= 150
    assert {e.category for e in training} == set(categories)
    assert not {e.text for e in training} & {e.text for e in heldout}


def test_the_shipped_model_was_trained_on_the_shipped_training_set(model, training, categories):
    digest = hashlib.sha256("\n".join(f"{e.category}\t{e.text}" for e in training).encode()).hexdigest()
    assert model.data["trained"]["examples_sha256"] == digest, "run `tipline suggest train` after changing the training set"
    assert list(model.categories) == categories


# ---------------------------------------------------------------------------------------------
# Behaviour


def test_the_issue_s_phone_scam_is_a_phone_scam_and_says_why(model):
    result = suggest("有人打电话说我儿子出车祸了，要我马上转两万块钱", "zh_Hans", model=model)
    assert result.category == "online_telecom" and result.sure
    assert result.model_version == model.version
    assert "电话" in result.reasons and "儿子" in result.reasons
    assert all(len(word) > 1 for word in result.reasons)  # single characters explain nothing


@pytest.mark.parametrize(("text", "language", "category"), [
    ("ཁ་པར་ནང་ཉེན་རྟོག་པ་ཡིན་ཟེར་ནས་ཨ་མར་དངུལ་སྐྱེལ་དགོས་ཟེར།", "bo", "online_telecom"),
    ("She bought supplements at a lecture", "en", "care_product"),
    ("ཨ་མས་保健品ཉོས་སོང་།", "bo", "care_product"),  # Chinese words inside Tibetan text count
    ("ＶＩＰ卡，ＤＥＰＯＳＩＴ for a CARE HOME bed", "en", "care_service"),  # full width
])
def test_every_language_and_script_is_understood(model, text, language, category):
    assert suggest(text, language, model=model).category == category


def test_a_non_scam_complaint_is_other(model):
    result = suggest("楼下的人天天晚上唱卡拉OK，吵得老人睡不着", "zh_Hans", model=model)
    assert result.category == "other"


def test_a_vague_description_is_not_sure(model):
    result = suggest("please call me back", "en", model=model)
    assert not result.sure and result.confidence < model.unsure_below
    assert result.to_dict()["sure"] is False


@pytest.mark.parametrize("text", ["", "   ", "。。。", "\n"])
def test_empty_text_is_other_with_no_confidence(model, text):
    result = suggest(text, None, model=model)
    assert (result.category, result.confidence, result.reasons, result.sure) == ("other", 0.0, (), False)


def test_ranked_alternatives_and_confidences_add_up(model):
    result = suggest("健康讲座上卖保健品，后来又拉老人投资养老项目，保本保息", "zh_Hans", model=model)
    codes = [result.category, *(code for code, _ in result.alternatives)]
    assert {"care_project", "care_product"} <= set(codes[:2])
    assert len(result.alternatives) == 3 and len(set(codes)) == 4
    confidences = [result.confidence, *(p for _, p in result.alternatives)]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) <= 1.0001


def _confidence_of(result, code: str) -> float:
    return result.confidence if result.category == code else dict(result.alternatives).get(code, 0.0)


def test_a_deployment_s_new_keyword_counts_without_retraining(model, keywords):
    text = "他们在村里卖一种叫灵光石的东西给老人"
    before = suggest(text, "zh_Hans", model=model, keywords=keywords)
    data = tomllib.loads((ROOT / "intake" / "config" / "keywords.toml").read_text(encoding="utf-8"))
    data["care_product"]["zh_Hans"].append(["灵光石", 5])
    after = suggest(text, "zh_Hans", model=model, keywords=parse_keywords(data))
    assert _confidence_of(after, "care_product") > _confidence_of(before, "care_product")
    assert after.category == "care_product" and "灵光石" in after.reasons


def test_without_a_model_file_the_keyword_table_suggests(tmp_path, keywords, monkeypatch):
    with pytest.raises(ModelError):
        load_model(tmp_path / "missing.json")
    monkeypatch.setattr(category_model, "default_model", lambda: None)
    result = suggest("小区里天天开讲座，卖保健品给老人", "zh_Hans", keywords=keywords)
    assert result.model_version == "keywords" and result.category == "care_product" and "保健品" in result.reasons


# ---------------------------------------------------------------------------------------------
# The model as data


def test_the_model_file_is_plain_json_that_round_trips(model):
    text = DEFAULT_MODEL_PATH.read_text(encoding="utf-8")
    assert text.startswith("{")  # JSON, never a pickle
    data = json.loads(text)
    assert set(data) >= {"format", "version", "categories", "vocabulary", "idf", "weights", "intercept", "temperature"}
    again = Model.from_data(json.loads(json.dumps(data)))
    sample = "接到陌生电话冒充公安局，让转账到安全账户"
    assert suggest(sample, None, model=again) == suggest(sample, None, model=model)


@pytest.mark.parametrize("change", [
    lambda d: d.update(format="sklearn-pickle"),
    lambda d: d.update(weights=d["weights"][:-1]),
    lambda d: d.pop("idf"),
    lambda d: d.update(temperature=0),
])
def test_a_malformed_model_is_refused(model, change):
    data = json.loads(json.dumps(model.data))
    change(data)
    with pytest.raises(ModelError):
        Model.from_data(data)


def test_training_is_deterministic_and_versions_name_the_content(training, keywords, categories):
    small = training[::6]  # about 150 descriptions: enough for five folds of every category, fast
    first = train(small, keywords, categories)
    second = train(small, keywords, categories)
    assert first == second and first["version"].startswith("suggest-")
    other = train(small[1:], keywords, categories)
    assert other["version"] != first["version"]
    assert Model.from_data(first).data["trained"]["examples"] == len(small)


def test_training_refuses_unknown_categories_and_malformed_lines(tmp_path, keywords, categories):
    with pytest.raises(ExamplesError, match="unknown categories"):
        train([Example("lottery", "en", "you won")] * 10, keywords, categories)
    bad = tmp_path / "bad.tsv"
    bad.write_text("# comment\nother\ten\tjust two tabs\n", encoding="utf-8")
    with pytest.raises(ExamplesError, match="bad.tsv:2"):
        load_examples(bad)


def test_expected_calibration_error_merges_thin_bins():
    # 20 cases at 0.95 all right, 3 at 0.15 all wrong: the thin low bin merges with the next.
    confidences = [0.95] * 20 + [0.15] * 3
    correct = [True] * 20 + [False] * 3
    merged_bin = abs(20 / 23 - (0.95 * 20 + 0.15 * 3) / 23)
    assert expected_calibration_error(confidences, correct) == pytest.approx(merged_bin)
    assert expected_calibration_error([0.9] * 30, [True] * 27 + [False] * 3) == pytest.approx(0.0)


# ---------------------------------------------------------------------------------------------
# The command


def test_the_command_prints_category_confidence_version_and_reasons(model, tmp_path):
    result = run_tipline("suggest", "有人打电话说我儿子出车祸了，要我马上转两万块钱",
                         env={"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["category"] == "online_telecom" and printed["sure"] is True
    assert printed["model_version"] == model.version
    assert 0.5 < printed["confidence"] <= 1 and "电话" in printed["reasons"]


def test_the_command_trains_a_model_and_reports_the_heldout_figures(tmp_path, training):
    small = tmp_path / "training.tsv"
    small.write_text("".join(f"{e.category}\t{e.language}\t{e.source}\t{e.text}\n" for e in training[::4]), encoding="utf-8")
    out = tmp_path / "model.json"
    result = run_tipline("suggest", "train", "--shipped-only", "--training", str(small), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "held-out set" in result.stdout and "top-1" in result.stdout and "bo: top-1" in result.stdout
    trained = load_model(out)
    assert f"model {trained.version} written" in result.stdout
    described = run_tipline("suggest", "describe", "保健品讲座", "--model", str(out))
    assert json.loads(described.stdout)["model_version"] == trained.version
