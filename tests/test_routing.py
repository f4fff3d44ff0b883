"""Routing: every category in every demo region reaches a unit, escalations, the region rule,
and configuration checks that catch holes and retire codes."""
from __future__ import annotations

import json
import shutil

import pytest

from intake.admin import config_store
from intake.domain.deployment import CONFIG_DIR, read_config
from intake.domain.routing import holes, render_reason, route
from tests.cli import run_tipline

COUNTIES = ("990121", "990122", "990123")


@pytest.mark.parametrize("region", COUNTIES)
def test_every_category_routes_to_the_units_of_its_county(deployment, region):
    for category in deployment.active_categories():
        rule = deployment.rule_by_category[category.code]
        decision = route({"category": category.code, "region": region, "victim_region": region}, deployment)
        lead = deployment.unit_by_code[decision.lead]
        assert lead.kind == rule.lead, category.code
        expected_region = region if rule.lead != "coordination" else "990100"
        assert lead.region == expected_region, category.code
        assert {deployment.unit_by_code[u].kind for u in decision.assisting} == set(rule.assisting), category.code
        assert decision.priority == "normal"


def test_the_issue_example_reads_as_a_person_would_explain_it(deployment):
    decision = route({"category": "care_product", "region": "990121", "money_lost": 200000, "ongoing": "yes"}, deployment)
    assert decision.lead == "990121-police"
    assert "990121-market_regulation" in decision.assisting and "990121-health" in decision.assisting
    reasons = [render_reason(r, "en", deployment) for r in decision.reasons]
    assert "Lead: Market Regulation Bureau, because the category is Health products and “elder-care products”." in reasons
    assert any("money was lost and the scam is still going on" in r for r in reasons)
    assert decision.priority == "urgent"
    chinese = [render_reason(r, "zh_Hans", deployment) for r in decision.reasons]
    assert any("市场监督管理局" in r for r in chinese)


def test_money_leaving_right_now_makes_the_police_lead(deployment):
    decision = route({"category": "care_service", "region": "990122", "urgent": "yes"}, deployment)
    assert decision.lead == "990122-police"
    assert decision.assisting[0] == "990122-civil_affairs"  # the category's lead stays, assisting
    assert decision.priority == "urgent"


def test_money_lost_but_over_is_not_escalated(deployment):
    decision = route({"category": "care_service", "region": "990122", "money_lost": 3000000, "ongoing": "no"}, deployment)
    assert decision.lead == "990122-civil_affairs" and decision.priority == "high"


def test_a_suspect_online_adds_the_cyberspace_office(deployment):
    decision = route({"category": "care_project", "region": "990123", "suspect_online": "微信群 养老投资群"}, deployment)
    assert "990123-cyberspace" in decision.assisting
    assert any(r.params.get("kind") == "cyberspace" for r in decision.reasons)


def test_phone_scams_belong_where_the_victim_lives(deployment):
    decision = route({"category": "online_telecom", "region": "990121", "victim_region": "990123"}, deployment)
    assert decision.region == "990123" and decision.lead == "990123-police"
    place = route({"category": "care_service", "region": "990121", "victim_region": "990123"}, deployment)
    assert place.region == "990121"  # a care home: where the suspect operates


def test_an_unknown_place_goes_to_the_coordinating_office(deployment):
    decision = route({"category": "care_service", "region": "dont_know"}, deployment)
    assert decision.region == "990100"
    assert decision.lead == "990100-coordination"


def test_not_sure_goes_to_the_coordinating_office_of_the_region(deployment):
    decision = route({"category": "other", "region": "990121"}, deployment)
    assert decision.lead == "990100-coordination"


def test_config_check_finds_a_category_with_no_unit(tmp_path):
    raw = read_config(CONFIG_DIR)
    raw["units"] = [u for u in raw["units"] if u["kind"] != "coordination"]
    raw["units"] = [u for u in raw["units"] if not (u["kind"] == "health" and u["region"] == "990122")]
    problems = config_store.check(raw)
    assert any("medical in region 990122" in p for p in problems), problems


def test_config_check_names_a_missing_translation():
    raw = read_config(CONFIG_DIR)
    raw["templates"][0]["text"]["bo"] = ""
    problems = config_store.check(raw)
    assert any(p.startswith("templates.0.text.bo") for p in problems), problems


async def test_applying_a_config_retires_a_removed_code_and_stores_the_version(core):
    raw = read_config(CONFIG_DIR)
    raw["categories"] = [c for c in raw["categories"] if c["code"] != "posters"]
    raw["routing"]["rules"] = [r for r in raw["routing"]["rules"] if r["category"] != "posters"]
    merged, changes = await config_store.plan(core.db, raw)
    assert changes.retired == {"categories": ["posters"]}
    deployment, _ = await config_store.apply(core.db, raw, applied_by="admin", now=core.clock.now())
    assert deployment.category_by_code["posters"].retired
    assert "posters" not in [c.code for c in deployment.active_categories()]
    stored = await config_store.stored_config(core.db)
    assert any(c["code"] == "posters" and c.get("retired") for c in stored["categories"])


async def test_regions_import_from_a_gbt2260_csv(core, tmp_path):
    csv_file = tmp_path / "regions.csv"
    csv_file.write_text("code,name_zh,name_bo,name_en\n990124,北山县,པེ་ཧྲན་རྫོང་,Beishan County\n", encoding="utf-8")
    current = await config_store.stored_config(core.db)
    raw, notes = config_store.regions_from_csv(csv_file, current)
    region = next(r for r in raw["regions"] if r["code"] == "990124")
    assert region["parent"] == "990100" and region["level"] == "county"
    merged, changes = await config_store.plan(core.db, raw)
    assert changes.added == {"regions": ["990124"]}
    # A county with no units of its own still routes: to the city's coordinating office.
    assert not holes(config_store.Deployment.model_validate(merged))


def test_regions_import_refuses_missing_names_unless_told(tmp_path):
    csv_file = tmp_path / "regions.csv"
    csv_file.write_text("code,name\n990124,北山县\n", encoding="utf-8")
    with pytest.raises(config_store.ConfigProblem) as problem:
        config_store.regions_from_csv(csv_file, {"regions": []})
    assert "no bo name" in str(problem.value)
    raw, notes = config_store.regions_from_csv(csv_file, {"regions": []}, fill_missing=True)
    assert len(notes) == 2


def test_route_and_suggest_commands_print_json(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"category": "care_product", "region": "990121", "money_lost": 100000, "ongoing": "yes"}), encoding="utf-8")
    env_dir = tmp_path / "var"
    run = lambda *args: run_tipline(*args, env={"TIPLINE_VAR_DIR": str(env_dir), "TIPLINE_DATABASE_URL": ""})
    routed = run("route", str(answers))
    assert routed.returncode == 0, routed.stderr
    decision = json.loads(routed.stdout)
    assert decision["lead"] == "990121-police" and decision["priority"] == "urgent"
    suggested = run("suggest", "他们办健康讲座，送鸡蛋，然后卖保健品")
    assert json.loads(suggested.stdout)["category"] == "care_product"
    checked = run("config", "check")
    assert checked.returncode == 0, checked.stdout
