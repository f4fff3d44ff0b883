"""The suggestion learns from staff (issue 19 item 3): every category an officer confirms or
corrects becomes a scrubbed training example, erased with the tip's personal data; retraining
installs a model only when it is no worse on the held-out set and better on the newest
confirmations; a running service takes an installed model without a restart."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from intake.admin import suggest_learning, suggest_models
from intake.admin.retention import run_retention
from intake.casework.casework import move_tip
from intake.casework.categorising import set_category
from intake.domain.category_model import default_model, suggest
from intake.domain.category_training import install_decision, load_examples, recent_slice, Example
from intake.domain.scrubbing import SCRUBBED, scrub
from intake.platform.models.operations import SuggestModelVersion
from intake.platform.models.tips import CategoryExample, Tip
from tests.factories import file_tip, staff
from tests.cli import run_tipline
from tipline.suggest_cli import HELDOUT_PATH

COORDINATION = "990100-coordination"

# A new kind of scam the shipped model never saw: "carbon credits" sold to older people. Staff file
# it under investing in an elder-care project. 8 x 5 x 5 = 200 corrections, told through the
# channels such scams use (a call, an app, a group chat, a stall, a lecture, a leaflet). A first
# version with fewer channels taught 4 of the FRESH lines; the FRESH lines were not changed.
OPENINGS = ["有人打电话给我爸说", "我妈手机上的一个程序说", "老年活动群里有人发消息说", "街边摆摊的人说",
            "上门推销的人说", "养生讲座上讲师说", "一个自称环保局的人说", "小区里发广告的人说"]
CLAIMS = ["碳积分能换养老补贴", "攒够碳积分能提现", "碳积分明年要涨价", "碳积分国家会回购", "开碳积分账户每月分红"]
ACTIONS = ["老人交了开户费", "我妈充值了五千", "我爸把退休金都换了碳积分", "我奶奶交了保证金", "她又拉了几个老姐妹一起买"]
CORRECTIONS = [o + c + "，" + a + "。" for o, c, a in itertools.product(OPENINGS, CLAIMS, ACTIONS)]
# Written apart from the corrections above: other people, other places, other words around the phrase.
FRESH = [
    "我爸被人劝着办了碳积分卡，说积分攒够了能领补贴，花了八千",
    "楼下超市门口有人摆摊登记碳积分，老人排队交钱，一人三百",
    "我妈手机里装了个碳积分的软件，里面说她的积分值两万，要先充值才能提现",
    "居委会旁边开了个碳积分兑换点，说积分能换大米和现金，我舅舅交了一万",
    "有人组织老年人买碳积分，说国家要回购，一份六千元",
    "隔壁王阿姨说碳积分明年能涨十倍，拉着我奶奶也投了钱",
    "电话里一个女的说我爸的碳积分快过期了，要交钱续期",
    "老人群里天天发碳积分的广告，说低碳环保还能赚钱，已经有好几个人交了钱",
    "他们让我姥姥用身份证开碳积分账户，交两千保证金",
    "说是什么碳积分养老计划，每月返利，我爸把退休金都放进去了",
]
NEW_SCAM = "care_project"


@pytest.fixture
async def coordinator(core):
    return await staff(core, "zhou", "coordinator", COORDINATION)


async def examples_in(core) -> list[CategoryExample]:
    async with core.db.session() as session:
        return list((await session.scalars(select(CategoryExample).order_by(CategoryExample.id))).all())


# --- scrubbing -------------------------------------------------------------------------------


def test_scrubbing_takes_numbers_addresses_mail_links_and_the_tip_s_names():
    text = ("张经理打138 0013 8000找王秀英，说东湖县幸福路8号的李建国也交了钱；身份证11010519491231002X，"
            "邮箱 wang.son@example.com，网址 https://tanjifen.example.cn/pay；Call John Smith on +86 571-8888-6666.")
    scrubbed = scrub(text, names=["张经理", "王秀英", "李建国", "John Smith"], addresses=["东湖县幸福路8号"])
    for gone in ("张经理", "0013", "王秀英", "幸福路", "李建国", "1949", "wang.son", "example", "tanjifen", "John", "Smith", "8888"):
        assert gone not in scrubbed, gone
    assert scrubbed.startswith(SCRUBBED + "打") and "说" in scrubbed and "也交了钱" in scrubbed and "Call" in scrubbed
    # Amounts and years people write are not phone numbers: the words that tell the scam stay.
    assert scrub("2026年交了30000元") == "2026年交了30000元"


async def test_a_confirmed_category_keeps_the_description_scrubbed_of_the_tip_s_own_people(core, coordinator):
    description = "张经理打电话给王秀英，让她去幸福路8号交三万押金，说李建国也交了，电话0571-8888 6666。"
    tip = await file_tip(core, description=description)  # the suspect 张经理, the victim 王秀英, the reporter 李建国
    await set_category(core, tip.tip_id, "care_service", staff=coordinator)  # confirmed as it was
    (example,) = await examples_in(core)
    assert (example.tip_id, example.category, example.language, example.suggested) == (tip.tip_id, "care_service", "zh_Hans", None)
    assert example.text == f"{SCRUBBED}打电话给{SCRUBBED}，让她去{SCRUBBED}交三万押金，说{SCRUBBED}也交了，电话{SCRUBBED}。"
    await set_category(core, tip.tip_id, "care_project", staff=coordinator)  # corrected: the latest word stands
    assert [(e.tip_id, e.category) for e in await examples_in(core)] == [(tip.tip_id, "care_project")]


async def test_retention_erases_the_example_with_the_tip_s_personal_data(core, clock, coordinator):
    officer = await staff(core, "officer", "officer", "990121-civil_affairs")
    lead = await staff(core, "lead", "unit_lead", "990121-civil_affairs")
    tip = await file_tip(core)
    kept = await file_tip(core)
    for receipt in (tip, kept):
        await set_category(core, receipt.tip_id, "care_service", staff=coordinator)
    for step in ("accepted", "verifying", "unsubstantiated"):
        await move_tip(core, tip.tip_id, step, staff=officer)
    await move_tip(core, tip.tip_id, "closed", staff=lead)
    clock.advance(days=366)
    report = await run_retention(core)
    assert [item.tip_id for item in report.erased] == [tip.tip_id]
    assert [e.tip_id for e in await examples_in(core)] == [kept.tip_id]  # the open tip's example stays
    await set_category(core, tip.tip_id, "care_project", staff=coordinator)  # too late: nothing would erase it
    assert [e.tip_id for e in await examples_in(core)] == [kept.tip_id]


# --- the install rule ------------------------------------------------------------------------


def test_the_install_rule_wants_no_worse_held_out_and_better_recent_figures():
    assert install_decision(0.915, 0.90, 0.40, 0.90).install  # 0.015 worse on the held-out set: within the tolerance
    worse = install_decision(0.915, 0.89, 0.40, 0.95)
    assert not worse.install and "more than 0.02 below" in worse.why
    same = install_decision(0.915, 0.93, 0.90, 0.90)
    assert not same.install and "not above" in same.why
    assert not install_decision(0.915, 0.93, None, None).install


def test_the_most_recent_fifth_of_the_confirmations_is_measured_not_trained_on():
    confirmed = [Example("other", "zh_Hans", str(i)) for i in range(200)]
    trained, recent = recent_slice(confirmed)
    assert (len(trained), len(recent), recent[0].text, recent[-1].text) == (160, 40, "160", "199")
    assert recent_slice(confirmed[:15]) == (confirmed[:15], [])  # too few to judge by


# --- learning a new kind of scam ------------------------------------------------------------


async def test_two_hundred_corrections_teach_a_new_scam_and_the_service_takes_the_model(core, coordinator):
    shipped = default_model()
    before = [suggest(text, "zh_Hans", model=shipped) for text in FRESH]
    assert not any(NEW_SCAM in (s.category, s.alternatives[0][0]) for s in before)  # the shipped model does not know it
    tips = []
    for text in CORRECTIONS:
        tips.append((await file_tip(core, category="other", description=text)).tip_id)
    for tip_id in tips:
        await set_category(core, tip_id, NEW_SCAM, staff=coordinator)
    assert await suggest_learning.confirmations_since_last_retraining(core) == 200
    assert await suggest_learning.retrain_when_due(core, HELDOUT_PATH, minimum=201) is None  # not enough yet

    result = await suggest_learning.retrain_when_due(core, HELDOUT_PATH, minimum=200)
    print("\n".join(result.lines()))
    assert result.installed, result.decision.why
    assert result.trained_on == 160 and result.recent_new.cases == 40
    assert result.recent_new.top1 > result.recent_current.top1
    assert result.heldout_new.top1 >= result.heldout_current.top1 - 0.02
    after = [suggest(text, "zh_Hans", model=core.suggest_model) for text in FRESH]
    # First on half of them, and first or second on eight in ten (the shipped model: none, and none);
    # the rest tell the scam through a phone call or a group's advertisement, other categories' words.
    assert [s.category for s in after].count(NEW_SCAM) >= 5, [s.category for s in after]
    assert sum(NEW_SCAM in (s.category, s.alternatives[0][0]) for s in after) >= 8
    # Stored with its figures and in force; another process of the service takes it on its next check.
    async with core.db.session() as session:
        row = await session.scalar(select(SuggestModelVersion).where(SuggestModelVersion.version == result.data["version"]))
        assert row.installed_at is not None and row.figures["decision"]["install"] is True
        assert row.figures["recent"]["cases"] == 40
    core.suggest_model = None  # as a process started before the retraining has it
    assert (await suggest_learning.refresh(core)).version == result.data["version"]
    tip = await file_tip(core, category="other", description=FRESH[3])
    async with core.db.session() as session:
        suggestion = (await session.get(Tip, tip.tip_id)).suggestion
    assert (suggestion["category"], suggestion["model_version"]) == (NEW_SCAM, result.data["version"])
    # Nothing new confirmed since: the next day's turn does not retrain.
    assert await suggest_learning.confirmations_since_last_retraining(core) == 0
    assert await suggest_learning.retrain_when_due(core, HELDOUT_PATH, minimum=1) is None


async def test_a_model_no_better_on_the_recent_confirmations_is_stored_but_not_installed(core, coordinator):
    # Staff confirm what the shipped model already gets right: a retrained model cannot do better.
    heldout = load_examples(HELDOUT_PATH)
    known = [e for e in load_examples() if e.language == "zh_Hans" and suggest(e.text, "zh_Hans").category == e.category][:60]
    for example in known:
        tip = await file_tip(core, category="other", description=example.text)
        await set_category(core, tip.tip_id, example.category, staff=coordinator)
    result = await suggest_learning.retrain(core, shipped=load_examples(), heldout=heldout)
    assert not result.installed and "not above" in result.decision.why
    assert core.suggest_model is None and await suggest_models.in_force(core.db) is None  # the shipped one stays
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(SuggestModelVersion)
                                    .where(SuggestModelVersion.installed_at.is_(None))) == 1


async def test_the_command_reports_both_models_and_refuses_to_install_without_recent_confirmations(core, settings, tmp_path):
    small = tmp_path / "training.tsv"
    small.write_text("".join(f"{e.category}\t{e.language}\t{e.source}\t{e.text}\n" for e in load_examples()[::4]), encoding="utf-8")
    env = {"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": settings.resolved_database_url, "TIPLINE_ENV": "test"}
    result = run_tipline("suggest", "train", "--training", str(small), "--install", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "confirmed categories: 0" in result.stdout and "on the held-out set: top-1" in result.stdout
    assert f"in force {default_model().version} on the held-out set" in result.stdout
    assert "not installed: " in result.stdout
    assert await suggest_models.in_force(core.db) is None  # stored, with its figures, but the shipped model stays
    (stored, _shipped) = await suggest_models.versions(core.db)
    assert stored.installed_at is None and stored.figures["decision"]["install"] is False
