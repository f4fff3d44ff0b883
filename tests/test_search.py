"""Full-text search in the console's queue: one- and two-character Chinese words, Tibetan
syllables, English words, phone numbers in any format; inside the officer's scope only."""
from __future__ import annotations

import re

from sqlalchemy import delete, select, text

from intake.casework import search
from intake.platform.models.tips import Tip
from intake.casework.queues import unit_queue
from intake.casework.translations import translate_reporter_words
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
from tests.factories import file_tip
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter, web_client
from tests.cli import run_tipline

TIBETAN_DESCRIPTION = "རྒན་པ་ཚོར་སྨན་བཙོང་གི་འདུག ཁོང་ཚོས་སྒོར་མོ་སྟོང་གཉིས་བླངས།"
OTHER_COUNTY = "990122"


def tip_ids(html: str) -> set[int]:
    return {int(found) for found in re.findall(r'href="/tips/(\d+)"', html)}


async def search_page(client, q: str, **params) -> str:
    response = await client.get("/queue", params={"q": q, **params})
    assert response.status_code == 200
    return response.text


# --- tokens -----------------------------------------------------------------------------------

def test_chinese_text_gives_its_bigrams_and_its_characters():
    assert search.tokens("保健品") == ["保健", "健品", "保", "健", "品"]
    assert search.tokens("王经理，") == ["王经", "经理", "王", "经", "理"]


def test_tibetan_text_is_cut_into_syllables_at_the_tsheg():
    assert search.tokens("བོད་ཡིག་ནི། ཁྲིམས་") == ["བོད་ཡིག", "ཡིག་ནི", "བོད", "ཡིག", "ནི", "ཁྲིམས"]


def test_english_words_are_lower_cased():
    assert search.tokens("Free HEALTH lectures, every week!") == ["free", "health", "lectures", "every", "week"]


def test_mixed_text_keeps_each_script_apart():
    assert search.tokens("福寿康VIP卡2000元") == ["福寿", "寿康", "福", "寿", "康", "vip", "卡", "2000", "元"]


def test_full_width_letters_and_digits_are_folded():
    assert search.tokens("ＶＩＰ卡１２３") == ["vip", "卡", "123"]
    assert search.tokens("ＶＩＰ") == search.tokens("vip")


def test_a_phone_number_also_gives_its_canonical_digits():
    assert "8657188886666" in search.tokens("电话0571-8888 6666")
    assert search.parse("+86 571 8888 6666").terms == search.parse("０５７１－８８８８６６６６").terms


def test_a_query_of_punctuation_or_spaces_asks_for_nothing():
    assert search.parse("，。！？  ...").problem == "nothing"
    assert search.parse("   ").problem == "nothing"
    assert search.parse("保健" * 60).problem == "too_long"


# --- through the console's queue ----------------------------------------------------------------

async def officer_with_tips(core):
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    tips = {
        "health": (await file_tip(core, description="社区讲座推销保健品，一盒两千元，说能治百病。", suspect_organisation="康乐保健品公司",
                                  suspect_phone="139 1234 5678")).tip_id,
        "wang": (await file_tip(core, suspect_person="王经理", description="以投资养老项目为名，收了老人五万元。",
                                suspect_organisation="金色年华投资公司", suspect_phone="010-6543 2100")).tip_id,
        "care_home": (await file_tip(core)).tip_id,  # the mother's: 福寿康养老院 sells “贵宾卡”, 张经理, 0571-8888 6666
        "tibetan": (await file_tip(core, description=TIBETAN_DESCRIPTION, suspect_person="ཚེ་རིང", suspect_organisation="བདེ་ལེགས་ཚོང་ཁང",
                                   suspect_phone="0891-633 1234", language="bo")).tip_id,
        "english": (await file_tip(core, description="Free HEALTH lectures every week, then they sell Pills for 2000 yuan.",
                                   suspect_person="Mr Chen", suspect_organisation="Golden Years Club", suspect_phone="+44 20 7946 0958",
                                   language="en")).tip_id,
    }
    return tips


async def test_an_officer_finds_health_products_and_a_surname(core):
    tips = await officer_with_tips(core)
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert tip_ids(await search_page(client, "保健")) == {tips["health"]}
        assert tip_ids(await search_page(client, "保健品")) == {tips["health"]}
        assert tip_ids(await search_page(client, "王")) == {tips["wang"]}
        assert tip_ids(await search_page(client, "养老")) == {tips["wang"], tips["care_home"]}
        assert tip_ids(await search_page(client, "养老 王")) == {tips["wang"]}
        page = await search_page(client, "保健")
    assert 'value="保健"' in page  # the search box keeps the words


async def test_a_tibetan_syllable_and_an_english_word_find_their_tips(core):
    tips = await officer_with_tips(core)
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert tip_ids(await search_page(client, "སྨན")) == {tips["tibetan"]}
        assert tip_ids(await search_page(client, "སྨན་བཙོང་")) == {tips["tibetan"]}
        assert tip_ids(await search_page(client, "health")) == {tips["english"]}
        assert tip_ids(await search_page(client, "PILLS")) == {tips["english"]}
        assert tip_ids(await search_page(client, "Ｃｈｅｎ")) == {tips["english"]}


async def test_the_suspects_phone_is_found_however_it_is_written(core):
    tips = await officer_with_tips(core)  # the care home's phone: 0571-8888 6666
    async with client_for(core) as client:
        await sign_in(client, "li")
        for written in ("+86 571 8888 6666", "057188886666", "０５７１ ８８８８ ６６６６", "0571-88886666"):
            assert tip_ids(await search_page(client, written)) == {tips["care_home"]}, written
        assert tip_ids(await search_page(client, "王经理 (010) 6543-2100")) == {tips["wang"]}  # a name and a number


async def test_nothing_found_and_punctuation_only_are_said_plainly(core):
    await officer_with_tips(core)
    async with client_for(core) as client:
        await sign_in(client, "li")
        none = await search_page(client, "骗子公司")
        punctuation = await search_page(client, "，。！")
        spaces = await search_page(client, "   ")
    assert tip_ids(none) == set() and "No tips in your queue match “骗子公司”." in none
    assert tip_ids(punctuation) == set() and "punctuation and spaces alone find nothing" in punctuation
    assert 'role="alert"' in punctuation and 'aria-invalid="true"' in punctuation
    assert "punctuation and spaces alone find nothing" in spaces


async def test_search_never_shows_a_tip_outside_the_officers_scope(core):
    tips = await officer_with_tips(core)
    elsewhere = (await file_tip(core, region=OTHER_COUNTY, victim_region=OTHER_COUNTY, suspect_person="王老板",
                                description="保健品讲座，王老板卖药。")).tip_id
    async with core.db.session() as session:
        assert (await session.get(Tip, elsewhere)).lead_unit != LEAD_UNIT
    await make_staff(core, "zhou", "officer", (await _lead_unit(core, elsewhere)), language="en")
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert tip_ids(await search_page(client, "王")) == {tips["wang"]}
        assert tip_ids(await search_page(client, "保健")) == {tips["health"]}
    async with client_for(core) as client:
        await sign_in(client, "zhou")
        assert tip_ids(await search_page(client, "王")) == {elsewhere}


async def _lead_unit(core, tip_id: int) -> str:
    async with core.db.session() as session:
        return (await session.get(Tip, tip_id)).lead_unit


async def test_the_search_is_kept_across_views_filters_and_pages(core):
    tips = await officer_with_tips(core)
    extra = [(await file_tip(core, description=f"保健品推销第{n}场。")).tip_id for n in range(2)]
    async with client_for(core) as client:
        await sign_in(client, "li")
        page = await search_page(client, "保健", view="new", category="care_service")
    assert tip_ids(page) == {tips["health"], *extra}
    assert 'href="/queue?view=overdue&amp;q=%E4%BF%9D%E5%81%A5"' in page  # the views keep the search
    assert 'name="view" value="new"' in page and 'value="保健"' in page  # the filter form sends it along
    officer = await _staff(core, "li")
    first = await unit_queue(core, officer, q="保健", limit=2)
    rest = await unit_queue(core, officer, q="保健", limit=2, after=first.next_cursor)
    assert [i.id for i in first.items + rest.items] == sorted({tips["health"], *extra}, reverse=True)


async def test_a_searched_page_is_the_same_whether_the_window_fills_it_or_not(core, monkeypatch):
    """The unit's walk asks the index tip by tip over a window of the queue, then collects the
    matches when the window falls short (intake.casework.queues._searched_unit_page): same pages either way."""
    from intake.casework import queues
    tips = await officer_with_tips(core)
    extra = [(await file_tip(core, description=f"保健品推销第{n}场。")).tip_id for n in range(4)]
    officer = await _staff(core, "li")
    wanted = sorted({tips["health"], *extra}, reverse=True)

    async def pages(q: str) -> list[int]:
        found, after = [], None
        while True:
            page = await unit_queue(core, officer, q=q, limit=2, after=after)
            found += [item.id for item in page.items]
            if page.next_cursor is None:
                return found
            after = page.next_cursor

    seen = {}
    monkeypatch.setattr(queues, "SEARCH_FREQUENT", 1)  # every word counts as frequent here
    for window in (1, 2, 3, 4, 1000):  # a window short of a page, about a page, more than the queue
        monkeypatch.setattr(queues, "SEARCH_WINDOW", window)
        seen[window] = (await pages("保健"), await pages("王"), await pages("骗子公司"))
    monkeypatch.setattr(queues, "SEARCH_FREQUENT", 5000)  # every word is rare: matches collected at once
    seen["rare"] = (await pages("保健"), await pages("王"), await pages("骗子公司"))
    assert all(found == (wanted, [tips["wang"]], []) for found in seen.values()), seen


async def test_asking_the_index_one_tip_at_a_time_finds_what_collecting_the_matches_finds(core):
    """search.probe (a unit's walk asks about each tip in turn) and search.condition (the matches
    collected from the index) agree, for every kind of one-token search, tip by tip."""
    texts = ["上门推销保健品，王经理说“健康”", TIBETAN_DESCRIPTION, "TV ad: call 0571-8888 6666, a1 B2 Ｘ9",
             "保 健 分开写", "王王王王王", "Tv广告ab，王"]
    filed = [(await file_tip(core, description=one)).tip_id for one in texts]
    asked = ["保健", "王", "健", "健康", "品", "ཚོར", "བཙོང་གི", "tv", "TV", "ａｂ", "a1", "b2", "x9", "8657188886666",
             "0571 88886666", "ad", "卡", "ab", "开写"]
    async with core.db.session() as session:
        for q in asked:
            probe = search.probe(core.db.dialect, q, Tip.id)
            assert probe is not None, q
            by_probe = set((await session.scalars(select(Tip.id).where(probe))).all())
            collected = set((await session.scalars(select(Tip.id).where(search.condition(core.db.dialect, q)))).all())
            assert by_probe == collected, (q, by_probe, collected)
            assert by_probe <= set(filed)


async def _staff(core, username: str):
    from intake.staff.staff import get_staff
    return await get_staff(core, username)


async def test_a_tip_sent_through_the_public_form_is_searchable_at_once(core):
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    async with web_client(core, language="zh_Hans") as web:
        reporter = Reporter(web)
        await reporter.start()
        await reporter.walk({**ANSWERS_FOR_MOTHER, "suspect_person": "王大姐", "description": "上门推销保健枕头，一个八千元。"})
        await reporter.send()
        assert reporter.url == "/report/done"
    async with core.db.session() as session:
        tip_id = (await session.scalars(select(Tip.id))).one()
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert tip_ids(await search_page(client, "保健")) == {tip_id}
        assert tip_ids(await search_page(client, "王")) == {tip_id}
        assert tip_ids(await search_page(client, "枕头")) == {tip_id}


async def test_a_tip_taken_by_phone_is_searchable_at_once(core):
    from tests.test_console_phone_intake import start, walk

    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    async with client_for(core) as client:
        await sign_in(client, "li")
        url = await start(client, "phone", "zh_Hans")
        review = await walk(client, url, {**ANSWERS_FOR_MOTHER, "suspect_person": "王师傅", "description": "电话推销保健酒。"})
        assert (await client.post(f"{url}/submit", data={"csrf": csrf_of(review)})).status_code == 303
        found = tip_ids(await search_page(client, "保健"))
        assert found and found == tip_ids(await search_page(client, "王"))


async def test_a_staff_translation_of_the_reporters_words_is_searchable(core):
    tips = await officer_with_tips(core)
    officer = await _staff(core, "li")
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert tip_ids(await search_page(client, "卖药")) == set()
        await translate_reporter_words(core, officer, tips["tibetan"], "description", "给老人卖药，收了两千元。")
        assert tip_ids(await search_page(client, "卖药")) == {tips["tibetan"]}


async def test_what_the_reporter_adds_later_is_searchable(core):
    from intake.casework.casework import reporter_reply

    tips = await officer_with_tips(core)
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert tip_ids(await search_page(client, "金手镯")) == set()
        await reporter_reply(core, tips["care_home"], "他们后来又让我妈买了一个金手镯。", language="zh_Hans")
        assert tip_ids(await search_page(client, "金手镯")) == {tips["care_home"]}


async def test_the_reporters_name_and_contact_never_reach_the_index(core):
    await file_tip(core)  # the mother's: victim 王秀英 138 0013 8000, reporter 李建国 139-0013-9000
    async with core.db.session() as session:
        stored = repr((await session.execute(text("SELECT * FROM tip_search"))).all())
    assert "福寿" in stored  # the organisation is indexed
    for secret in ("秀英", "王", "建国", "李", "8613800138000", "8613900139000", "13800138000", "wang.son"):
        assert secret not in stored, secret


async def test_tipline_search_reindex_rebuilds_the_index(core, settings, tmp_path):
    tips = await officer_with_tips(core)
    async with core.db.transaction() as session:  # as after the migration: an empty index
        table = search.POSTGRES_TABLE if core.db.dialect == "postgresql" else search.SQLITE_TABLE
        await session.execute(delete(table))
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert tip_ids(await search_page(client, "保健")) == set()
        done = run_tipline("search", "reindex",
                           env={"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": settings.resolved_database_url})
        assert done.returncode == 0, done.stderr
        assert "search index rebuilt: 5 tips" in done.stdout
        assert tip_ids(await search_page(client, "保健")) == {tips["health"]}
        assert tip_ids(await search_page(client, "སྨན")) == {tips["tibetan"]}
        assert tip_ids(await search_page(client, "057188886666")) == {tips["care_home"]}

