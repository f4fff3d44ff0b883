"""Check before you pay finds published warnings (issue 18): by a number under "do not call", a web
address under "do not open" or the organisation a warning is linked to, however it is typed; never
a draft, a proposed or a withdrawn warning, and never by the free text. A warning's link to an
organisation of the duplicates feature shows on its page; the look-up of that organisation finds it."""
from __future__ import annotations

import re

import pytest

from intake.casework.duplicates import organisation_key, set_colour
from intake.prevention.warnings import FormErrors, create_warning, propose_warning, withdraw_warning
from tests.bot_harness import fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.factories import file_tip
from tests.warning_support import ZH_TITLE, a_form, a_published_warning, coordinators
from tests.webclient import Reporter, text_of, web_client

ORGANISATION = "福寿康养老服务有限公司"


async def look_up(client, text: str) -> str:
    reporter = Reporter(client)
    await reporter.get("/check")
    await reporter.post("/check", {"q": text})
    return reporter.page


def result_of(page: str) -> str:
    return text_of(re.search(r'<section class="check-result".*?</section>', page, re.S).group(0))


async def an_organisation(core, coordinator, name: str = ORGANISATION) -> str:
    await file_tip(core, suspect_organisation=name)
    key = organisation_key(name)
    await set_colour(core, coordinator, key, "orange")
    return key


@pytest.mark.parametrize("typed", [
    "138 0013 8000", "+86 138-0013-8000", "１３８００１３８０００", "(+86)13800138000",
    "yanglao-bed.example", "https://YANGLAO-BED.example/pay", "www.yanglao-bed.example/pay/step-2", "ｙａｎｇｌａｏ-ｂｅｄ．ｅｘａｍｐｌｅ",
])
async def test_a_published_warning_is_found_by_what_it_says_not_to_call_or_open(core, typed):
    warning = await a_published_warning(core)
    async with web_client(core, language="en") as client:
        page = await look_up(client, typed)
    result = result_of(page)
    assert "Warnings that name it" in result and ZH_TITLE in result
    assert f'href="/warnings/{warning.id}"' in page
    assert "138\u20110013\u20118000" in result and "yanglao-bed[.]example/pay" in result  # shown, never as links
    assert "Nothing has been published" not in result


@pytest.mark.parametrize("typed", ["139 0013 8000", "yanglao-bed.example.net", "yanglao-bed.example/other", "床位费"])
async def test_a_warning_is_not_found_by_other_numbers_addresses_or_its_free_text(core, typed):
    await a_published_warning(core)
    async with web_client(core, language="en") as client:
        result = result_of(await look_up(client, typed))
    assert ZH_TITLE not in result and "Nothing has been published about what you typed." in result


async def test_a_service_number_is_found_written_with_spaces(core):
    await a_published_warning(core, form=a_form(today=core.today(), do_not_call=("95 188",), do_not_open=()))
    async with web_client(core, language="en") as client:
        result = result_of(await look_up(client, "95188"))
    assert ZH_TITLE in result


async def test_drafts_and_proposed_warnings_are_never_found_and_withdrawing_takes_effect_at_once(core):
    writer, other = await coordinators(core, "zhou", "qian")
    draft = await create_warning(core, writer, a_form(today=core.today(), do_not_call=("139 1111 2222",), do_not_open=()))
    proposed = await create_warning(core, writer, a_form(today=core.today(), do_not_call=("139 3333 4444",), do_not_open=()))
    await propose_warning(core, writer, proposed.id)
    published = await a_published_warning(core, writer="wu", approver="zheng")
    async with web_client(core, language="en") as client:
        assert ZH_TITLE not in result_of(await look_up(client, "13911112222"))
        assert ZH_TITLE not in result_of(await look_up(client, "13933334444"))
        assert ZH_TITLE in result_of(await look_up(client, "13800138000"))
        await withdraw_warning(core, other, published.id, reason="已核实为误报")
        after = result_of(await look_up(client, "13800138000"))
    assert ZH_TITLE not in after and "Nothing has been published about what you typed." in after
    assert draft.status == "draft"


async def test_a_warning_about_an_organisation_names_it_and_its_look_up_finds_the_warning(core):
    [colours] = await coordinators(core, "wang")
    await an_organisation(core, colours)
    core.settings.public_risk_list = False  # the organisation itself is not on the public list: the warning is
    warning = await a_published_warning(core, form=a_form(today=core.today(), organisation="福寿康 养老服务",
                                                          do_not_call=(), do_not_open=()), writer="zhou", approver="qian")
    async with web_client(core, language="en") as client:
        page = text_of((await client.get(f"/warnings/{warning.id}")).text)
        found = result_of(await look_up(client, "福寿康养老服务有限公司"))
        other = result_of(await look_up(client, "长青旅行社"))
    assert f"About the organisation: {ORGANISATION}" in page
    assert ZH_TITLE in found and "Warnings that name it" in found
    assert ZH_TITLE not in other


async def test_an_organisation_not_on_the_organisations_page_is_refused_with_the_other_fields(core):
    writer, = await coordinators(core, "zhou")
    with pytest.raises(FormErrors) as refused:
        await create_warning(core, writer, a_form(today=core.today(), organisation="从未有人举报的公司", regions=()))
    assert set(refused.value.errors) == {"organisation", "regions"}
    assert "organisations page" in refused.value.errors["organisation"].message


async def test_the_bot_check_lists_the_warnings_naming_it(core, fake_telegram, running_bot):
    warning = await a_published_warning(core)
    core.settings.public_base_url = "https://tipline.example"
    await running_bot()
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    found = "\n".join(m.text for m in await user.send("/check 138-0013-8000"))
    assert "Warnings published about it:" in found and ZH_TITLE in found and "138\u20110013\u20118000" in found
    assert f"https://tipline.example/warnings/{warning.id}?lang=en" in found and "96110" in found
    nothing = "\n".join(m.text for m in await user.send("/check 139 0013 8000"))
    assert ZH_TITLE not in nothing and "Nothing has been published about what you typed." in nothing


async def test_a_look_up_without_the_prevention_layer_wired_fails_rather_than_saying_nothing_is_published(core, monkeypatch):
    from intake.reporting import checks
    from intake.reporting.lookups import Client

    monkeypatch.setattr(checks, "_warnings_finder", [])
    with pytest.raises(RuntimeError, match="wire_layers"):
        await checks.check(core, Client.address("203.0.113.9"), "138 0013 8000", "en")
