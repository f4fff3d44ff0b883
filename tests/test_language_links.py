"""Links that open in a language (issue #18, item 3): `?lang=bo` on any public page sets the
language and comes back to the same page without it; never anywhere else."""
from __future__ import annotations

import httpx
import pytest

from tests.webclient import text_of, web_client


@pytest.mark.parametrize("value,tag", [("bo", "bo"), ("en", "en"), ("zh_Hans", "zh-Hans"), ("zh-CN", "zh-Hans"), ("EN", "en")])
async def test_a_poster_link_opens_the_start_page_in_its_language(core, value, tag):
    async with web_client(core) as client:
        response = await client.get(f"/?lang={value}")
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        page = await client.get("/", headers={"accept-language": "zh-CN" if tag != "zh-Hans" else "en"})
    assert f'<html lang="{tag}"' in page.text


async def test_the_parameter_works_on_any_page_and_keeps_the_other_parameters(core):
    async with web_client(core, language="zh_Hans") as client:
        response = await client.get("/status?code=ABC&lang=bo&x=1")
        assert response.status_code == 303
        assert response.headers["location"] == "/status?code=ABC&x=1"
        assert "tl_lang=bo" in response.headers["set-cookie"]
        assert response.headers["cache-control"] == "no-store"  # the site's headers go on the redirect too
        followed = await client.get("/status?lang=en", follow_redirects=True)
    assert followed.url.path == "/status"
    assert '<html lang="en"' in followed.text


async def test_the_old_switch_links_keep_working(core):
    async with web_client(core) as client:
        response = await client.get("/prefs/lang/bo?next=/status")
        assert (response.status_code, response.headers["location"]) == (303, "/status")
        page = await client.get("/")
    assert '<html lang="bo"' in page.text


@pytest.mark.parametrize("path", [
    "//evil.example/?lang=bo", "///evil.example?lang=bo", "/\\evil.example?lang=bo", "/%2F%2Fevil.example?lang=bo",
    "/%5Cevil.example?lang=en", "/%0d%0aLocation:%20http://evil.example?lang=bo", "/%09/evil.example?lang=bo",
])
async def test_a_language_link_never_leads_to_another_site(core, path):
    async with web_client(core) as client:
        response = await client.get(path)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "\\" not in location and "\r" not in location and "\n" not in location
    assert httpx.URL("http://testserver/page").join(location).host == "testserver"  # what a browser would open


@pytest.mark.parametrize("value", [
    "", "xx", "../../etc", "<script>alert(1)</script>", "bo\r\nSet-Cookie: tl_text=large", "bo;", "fr", "b" * 5000,
    "zh,en", "%00",
])
async def test_a_hostile_or_unknown_language_sets_nothing_and_still_comes_back(core, value):
    async with web_client(core, language="en") as client:
        response = await client.get("/", params={"lang": value})
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        assert "tl_lang" not in response.headers.get("set-cookie", "")
        page = await client.get("/")
    assert '<html lang="en"' in page.text  # the reader's earlier choice stands
    assert "alert(1)" not in page.text


async def test_posted_forms_and_files_ignore_the_parameter(core):
    async with web_client(core, language="en") as client:
        posted = await client.post("/report/start?lang=bo")
        css = await client.get("/static/site.css?lang=bo")
    assert posted.status_code != 303 or "tl_lang" not in posted.headers.get("set-cookie", "")
    assert css.status_code in (200, 404) and "location" not in css.headers


async def test_the_first_page_a_link_opens_reads_in_the_language(core):
    async with web_client(core) as client:
        page = await client.get("/?lang=bo", follow_redirects=True)
    assert '<html lang="bo"' in page.text and "96110" in text_of(page.text)
