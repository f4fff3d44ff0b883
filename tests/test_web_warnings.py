"""Published warnings on the public site (issue #18, item 1): the list with its filters, one
warning in the reader's language (or in Chinese, saying so), numbers and addresses that no phone
turns into links, the Atom feed per language, and withdrawal gone from page and feed at once."""
from __future__ import annotations

import datetime
from xml.etree import ElementTree

from intake.prevention.warnings import translate_warning, approve_warning, withdraw_warning
from tests.factories import staff
from tests.warning_support import (
    BO_BODY, BO_TITLE, OTHER_COUNTY, ZH_TITLE, a_form, a_published_warning, coordinators,
)
from tests.webclient import text_of, web_client

ATOM = "{http://www.w3.org/2005/Atom}"


async def with_tibetan(core, warning):
    li = await staff(core, "li", "officer", "990121-civil_affairs")
    await translate_warning(core, li, warning.id, "bo", BO_TITLE, BO_BODY)
    [checker] = await coordinators(core, "checker")
    await approve_warning(core, checker, warning.id, nothing_identifies=True)


async def test_a_reader_finds_a_published_warning_and_what_not_to_call(core):
    warning = await a_published_warning(core)
    async with web_client(core, language="en") as client:
        listing = await client.get("/warnings")
        page = await client.get(f"/warnings/{warning.id}")
    assert listing.status_code == 200 and f'href="/warnings/{warning.id}"' in listing.text
    assert f'<a href="/warnings/{warning.id}" lang="zh-Hans">{ZH_TITLE}</a>' in listing.text
    words = text_of(page.text)
    assert ZH_TITLE in words
    assert "has not been translated into your language yet: it is shown in Chinese" in words
    assert "Do not call these numbers" in words and "138\u20110013\u20118000" in words
    assert "yanglao-bed[.]example/pay" in words
    assert "tel:138" not in page.text and "13800138000" not in page.text and "yanglao-bed.example" not in page.text
    assert 'name="format-detection" content="telephone=no' in page.text
    assert "<script" not in page.text.replace('<script src="/static/readaloud.js" defer></script>', "")


async def test_a_translated_warning_reads_in_tibetan(core):
    warning = await a_published_warning(core)
    await with_tibetan(core, warning)
    async with web_client(core, language="bo") as client:
        page = await client.get(f"/warnings/{warning.id}")
    assert f'<h1 lang="bo">{BO_TITLE}</h1>' in page.text
    assert "shown in Chinese" not in text_of(page.text) and ZH_TITLE not in page.text


async def test_the_list_filters_by_region_and_kind_of_scam(core):
    here = await a_published_warning(core)
    there = await a_published_warning(core, form=a_form(today=core.today(), regions=(OTHER_COUNTY,), category="medical"),
                                      writer="b1", approver="b2")
    async with web_client(core, language="zh_Hans") as client:
        county = (await client.get("/warnings", params={"region": "990121"})).text
        medical = (await client.get("/warnings", params={"category": "medical"})).text
        hostile = await client.get("/warnings", params={"region": "<script>", "category": "x" * 5000})
    assert f"/warnings/{here.id}" in county and f"/warnings/{there.id}" not in county
    assert f"/warnings/{there.id}" in medical and f"/warnings/{here.id}" not in medical
    assert hostile.status_code == 200 and "<script>" not in hostile.text  # an unknown choice filters nothing, echoed nowhere


async def test_unknown_withdrawn_and_ended_warnings_are_not_found(core, clock):
    warning = await a_published_warning(core, form=a_form(today=core.today(), until=core.today() + datetime.timedelta(days=1)))
    async with web_client(core, language="en") as client:
        assert (await client.get(f"/warnings/{warning.id}")).status_code == 200
        for address in ("/warnings/999", "/warnings/abc", "/warnings/-1", "/warnings/" + "9" * 40):
            missing = await client.get(address)
            assert missing.status_code == 404 and "This warning is not shown any more" in missing.text
        clock.advance(days=2)
        assert (await client.get(f"/warnings/{warning.id}")).status_code == 404


async def test_withdrawing_takes_the_warning_off_the_page_and_the_feed_at_once(core):
    warning = await a_published_warning(core)
    [zhou] = await coordinators(core, "boss")
    async with web_client(core) as client:
        assert f"/warnings/{warning.id}" in (await client.get("/warnings.atom")).text
        await withdraw_warning(core, zhou, warning.id, reason="写错了县")
        assert (await client.get(f"/warnings/{warning.id}")).status_code == 404
        assert f"/warnings/{warning.id}" not in (await client.get("/warnings")).text
        assert f"/warnings/{warning.id}" not in (await client.get("/warnings.atom")).text


async def test_the_atom_feed_is_in_the_language_asked_for(core):
    warning = await a_published_warning(core)
    await with_tibetan(core, warning)
    untranslated = await a_published_warning(core, writer="c1", approver="c2")
    async with web_client(core, language="en") as client:
        response = await client.get("/warnings.atom?lang=bo")  # no redirect: a feed reader keeps no cookie
        english = await client.get("/warnings.atom", params={"lang": "en"})
        hostile = await client.get("/warnings.atom", params={"lang": "<x>" * 100})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "bo"
    entries = {entry.find(f"{ATOM}id").text.rsplit("/", 1)[1]: entry for entry in feed.findall(f"{ATOM}entry")}
    assert entries[str(warning.id)].find(f"{ATOM}title").text == BO_TITLE
    content = entries[str(warning.id)].find(f"{ATOM}content").text
    assert BO_BODY in content and "138\u20110013\u20118000" in content and "yanglao-bed[.]example/pay" in content
    assert entries[str(untranslated.id)].get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"
    english_entries = ElementTree.fromstring(english.content).findall(f"{ATOM}entry")
    assert any("shown in Chinese" in e.find(f"{ATOM}content").text for e in english_entries)
    assert hostile.status_code == 200 and ElementTree.fromstring(hostile.content).get(
        "{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hans"


async def test_a_language_link_opens_the_warnings_in_that_language(core):
    await a_published_warning(core)
    async with web_client(core) as client:
        page = await client.get("/warnings?lang=bo&region=990121", follow_redirects=True)
    assert page.url.path == "/warnings" and page.url.params.get("region") == "990121"
    assert '<html lang="bo"' in page.text
