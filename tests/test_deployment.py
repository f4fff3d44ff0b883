"""The deployment's texts (categories, advice, regions) exist in every language."""
from __future__ import annotations

import shutil

import pytest
from pydantic import ValidationError

from i18n import LANGUAGES
from intake.domain.deployment import CONFIG_DIR, load_deployment


def test_the_default_deployment_has_every_text_in_every_language():
    deployment = load_deployment()
    for category in deployment.categories:
        for text in (category.label, category.advice, *category.examples):
            for language in LANGUAGES:
                assert getattr(text, language).strip(), (category.code, language)
    assert {r.code for r in deployment.reportable_regions()} == {"990121", "990122", "990123"}
    assert [c.code for c in deployment.categories][-1] == "other"


def test_a_missing_tibetan_text_is_named_when_loading(tmp_path):
    shutil.copytree(CONFIG_DIR, tmp_path / "config")
    taxonomy = tmp_path / "config" / "taxonomy.toml"
    text = taxonomy.read_text(encoding="utf-8")
    start = text.index('code = "care_product"')
    label_bo = text.index("bo = ", start)
    end = text.index('"', text.index('"', label_bo) + 1)
    taxonomy.write_text(text[:label_bo] + 'bo = ""' + text[end + 1 :], encoding="utf-8")
    with pytest.raises(ValidationError) as error:
        load_deployment(tmp_path / "config")
    assert "categories.2.label.bo" in str(error.value)


def test_labels_fall_back_to_chinese_for_an_unknown_language():
    category = load_deployment().category_by_code["care_service"]
    assert category.label.get("fr") == category.label.zh_Hans


def test_a_unit_without_its_own_number_gives_the_deployments_hotline(tmp_path):
    shutil.copytree(CONFIG_DIR, tmp_path / "config")
    units = tmp_path / "config" / "units.toml"
    text = units.read_text(encoding="utf-8").replace('hotline = "12345"', 'hotline = "0891-6812345"')
    without = text.index('code = "990121-police"')
    phone_line = text.index("phone = ", without)
    units.write_text(text[:phone_line] + text[text.index("\n", phone_line) + 1:], encoding="utf-8")
    deployment = load_deployment(tmp_path / "config")
    assert deployment.unit_phone("990100-coordination") == "0999-12345"  # its own number
    assert deployment.unit_phone("990121-police") == "0891-6812345"
    assert deployment.unit_phone(None) == "0891-6812345"  # a tip not (yet) routed
    assert load_deployment().unit_phone(None) == "12345"  # the default deployment's hotline

    units.write_text(units.read_text(encoding="utf-8").replace('hotline = "0891-6812345"', 'hotline = "call us"'), encoding="utf-8")
    with pytest.raises(ValidationError) as error:
        load_deployment(tmp_path / "config")
    assert "hotline" in str(error.value)


def test_a_copy_with_other_units_looks_up_its_own_units_not_the_originals():
    """The look-up tables are cached on the model: a copy made after a look-up must not keep them."""
    deployment = load_deployment(CONFIG_DIR)
    code = deployment.units[0].code
    assert not deployment.unit_by_code[code].retired  # read once: the table is cached on the original
    retired = deployment.model_copy(update={"units": tuple(
        u.model_copy(update={"retired": True}) if u.code == code else u for u in deployment.units)})
    assert retired.unit_by_code[code].retired
    assert not deployment.unit_by_code[code].retired
