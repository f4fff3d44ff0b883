"""The page where a person allows one subscription notice: WeChat's open tag, drawn by its JS-SDK,
configured with a signature of WeChat's documented kind (tested against the documentation's
example), on a page that says everything with JavaScript off and runs no script but its own
nonce'd line and WeChat's SDK; only a service account with templates asks; the chat's receipt
offers the page."""
from __future__ import annotations

import json
import re

import httpx
import pytest

from i18n import Translator
from tests.fake_wechat_api import APPID, SECRET, fake_api  # noqa: F401 - fake_api is a fixture
from tests.test_wechat_callback import script
from tests.wechat_harness import TOKEN, FakeWeChat
from wechat.app import CALLBACK_PATH, Account, callback_app
from wechat.consent import ALLOW, CONSENT_PATH, EXPLAIN, JS_SDK, js_signature
from intake.platform.settings import WeChatTemplate

BASE = "https://tipline.example.gov.cn"


@pytest.fixture
async def client(core, fake_api):
    s = core.settings
    s.wechat_token, s.wechat_appid, s.wechat_secret, s.wechat_api_base = TOKEN, APPID, SECRET, fake_api.base_url
    s.wechat_account, s.public_base_url = "service", BASE
    s.wechat_templates = {"status_update": WeChatTemplate(id="TPL-progress-1", fields={"thing1": "status"})}
    app = callback_app(core, Account(TOKEN))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tipline.test") as http:
        yield http


def test_the_page_signature_is_wechats_own_documented_example():
    # WeChat JS-SDK documentation, appendix 1 (JS-SDK使用权限签名算法).
    ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    assert js_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value#top") == \
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


async def test_a_service_account_asks_for_one_notice_in_the_persons_language(core, client, fake_api):
    page = await client.get(CONSENT_PATH, params={"lang": "bo"})
    again = await client.get(CONSENT_PATH, params={"lang": "bo"})
    assert page.status_code == 200 and '<html lang="bo">' in page.text
    bo = Translator("bo")
    assert bo(EXPLAIN) in page.text and bo(ALLOW) in page.text
    assert '<wx-open-subscribe template="TPL-progress-1" id="allow">' in page.text
    config = json.loads(re.search(r'<script id="wx-config" type="application/json">(.*?)</script>', page.text).group(1))
    assert config["appId"] == APPID and config["openTagList"] == ["wx-open-subscribe"]
    assert config["signature"] == js_signature("JSAPI_TICKET_1", config["nonceStr"], config["timestamp"], f"{BASE}{CONSENT_PATH}?lang=bo")
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert all(f'nonce="{nonce}"' in attrs or 'type="' in attrs for attrs in scripts) and f'src="{JS_SDK}"' in page.text
    assert "script-src 'nonce-" in page.headers["content-security-policy"] and "unsafe-eval" not in page.headers["content-security-policy"]
    assert fake_api.tickets_issued == 1 and again.status_code == 200  # the ticket is kept and shared, like the token


async def test_without_javascript_or_a_service_account_the_page_still_says_where_the_steps_are(core, client, fake_api):
    core.settings.wechat_account = "unverified"
    page = await client.get(CONSENT_PATH, params={"lang": "zh_Hans"})
    zh = Translator("zh_Hans")
    assert page.status_code == 200 and '<html lang="zh-Hans">' in page.text and "<script" not in page.text
    assert zh(EXPLAIN) in page.text and "查进度" in page.text
    assert f'<a href="{BASE}/status?lang=zh_Hans">' in page.text
    assert not fake_api.calls


async def test_the_receipt_in_the_chat_offers_the_page_when_notices_were_asked_for(core, client):
    wechat = FakeWeChat(client, CALLBACK_PATH, lambda: core.clock.now().timestamp())
    await wechat.event("o-grandson", "subscribe")
    await wechat.say("o-grandson", "3")
    lines = script("Free lectures, then pills for 2000 yuan a box.")
    assert lines[-3] == "2"
    lines[-3] = "1"  # notices: yes
    receipt = ""
    for line in lines:
        receipt = "\n".join(await wechat.read("o-grandson", line))
    assert f"allow a notice here: {BASE}{CONSENT_PATH}?lang=en" in receipt
