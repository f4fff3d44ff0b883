"""The page where a person allows one subscription notice (订阅通知): what a service account may
send after the 48 hours in which customer-service messages go (wechat/notifier.py). WeChat asks
for the consent itself, in its open tag `wx-open-subscribe`, which only its JS-SDK draws, on a page
of the account's registered JS domain: so this page is the one place of the public site with
script, and only as an addition. With JavaScript off, or outside WeChat, the page still says what
the notices are, that nothing needs allowing, and where every step can be read (the status page,
`查进度` with the code). Each consent allows one notice; WeChat keeps count (a notice without one
is refused with 43101, and then passed on to the reporter's next channel).

The JS-SDK configuration is signed with the account's jsapi_ticket (wechat/api.py, shared and
renewed like the access token): sha1 of "jsapi_ticket=…&noncestr=…&timestamp=…&url=…", the
page's public address without its fragment.
"""
from __future__ import annotations

import hashlib
import html
import json
import logging
import secrets

from starlette.requests import Request
from starlette.responses import HTMLResponse

from i18n import LANGUAGE_TAGS, LANGUAGES, N_, Translator
from intake.platform.core import Core
from wechat import texts
from wechat.api import ApiError, WeChatApi

log = logging.getLogger(__name__)

CONSENT_PATH = "/wechat/notices"
JS_SDK = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"

TITLE = N_("Progress notices in WeChat")
EXPLAIN = N_(
    "For 48 hours after your last message, the account can tell you each step of the check. After that, "
    "it may send you a notice only if you allow it: each time you allow, one notice can come."
)
ALLOW = N_("Allow one notice")
ALLOWED = N_("Thank you: the next step of the check can come as a notice.")
NOTHING_NEEDED = N_(
    "You do not have to allow anything: you can always read each step on the status page with your "
    "tracking code, or send “%(command)s” and the code in the chat."
)
STATUS_LINK = N_("Open the status page")


def js_signature(ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """WeChat's JS-SDK signature of a page (its documentation's appendix 1)."""
    plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url.split('#')[0]}"
    return hashlib.sha1(plain.encode("utf-8")).hexdigest()


def can_ask_consent(core: Core) -> bool:
    """A service account with subscription templates, and the API's keys: consent can be asked."""
    s = core.settings
    return s.wechat_account == "service" and bool(s.wechat_templates) and bool(s.wechat_appid and s.wechat_secret)


async def consent_page(core: Core, request: Request) -> HTMLResponse:
    language = request.query_params.get("lang", "")
    language = language if language in LANGUAGES else core.settings.default_language
    _ = Translator(language)
    base = core.settings.public_base_url.rstrip("/")
    url = (base + CONSENT_PATH + (f"?{request.url.query}" if request.url.query else "")) if base else str(request.url)
    script_nonce = secrets.token_urlsafe(16)
    ask = ""
    if can_ask_consent(core):
        try:
            ticket = await WeChatApi(core).jsapi_ticket()
        except ApiError as error:
            log.warning("wechat: no JS-SDK ticket for the consent page (%s): the page is shown without the button", error)
        else:
            timestamp, nonce = int(core.clock.now().timestamp()), secrets.token_hex(8)
            config = {"debug": False, "appId": core.settings.wechat_appid, "timestamp": timestamp, "nonceStr": nonce,
                      "signature": js_signature(ticket, nonce, timestamp, url), "jsApiList": ["checkJsApi"],
                      "openTagList": ["wx-open-subscribe"]}
            templates = ",".join(sorted({t.id for t in core.settings.wechat_templates.values()}))
            config_json = json.dumps(config).replace("<", "\\u003c")
            ask = (f'<wx-open-subscribe template="{html.escape(templates)}" id="allow">'
                   f'<script type="text/wxtag-template"><button type="button" style="font-size:20px;padding:12px 20px">'
                   f'{html.escape(_(ALLOW))}</button></script></wx-open-subscribe>\n'
                   f'<p id="allowed" role="status" hidden>{html.escape(_(ALLOWED))}</p>\n'
                   f'<script id="wx-config" type="application/json">{config_json}</script>\n'
                   f'<script src="{JS_SDK}" nonce="{script_nonce}"></script>\n'
                   f'<script nonce="{script_nonce}">'
                   'wx.config(JSON.parse(document.getElementById("wx-config").textContent));'
                   'document.getElementById("allow").addEventListener("success",function(){'
                   'document.getElementById("allowed").hidden=false;});</script>\n')
    status = (base or "") + "/status?lang=" + language
    page = (f'<!doctype html>\n<html lang="{LANGUAGE_TAGS[language]}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{html.escape(_(TITLE))}</title>\n<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">\n'
            f'<link rel="stylesheet" href="/static/site.css">\n</head>\n'
            f'<body>\n<main>\n<h1>{html.escape(_(TITLE))}</h1>\n<p>{html.escape(_(EXPLAIN))}</p>\n{ask}'
            f'<p>{html.escape(_(NOTHING_NEEDED, command=_(texts.PROGRESS_WORD)))}</p>\n'
            f'<p><a href="{html.escape(status)}">{html.escape(_(STATUS_LINK))}</a></p>\n</main>\n</body>\n</html>\n')
    policy = "; ".join((
        "default-src 'none'",
        f"script-src 'nonce-{script_nonce}' https://res.wx.qq.com",  # WeChat's JS-SDK, and our one inline line
        "connect-src https://*.weixin.qq.com",
        "style-src 'self' 'unsafe-inline'",  # the open tag's button is styled inline, inside WeChat's own frame
        "img-src 'self'",
        "font-src 'self'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ))
    return HTMLResponse(page, headers={"content-security-policy": policy, "x-content-type-options": "nosniff",
                                       "referrer-policy": "no-referrer", "cache-control": "no-store"})
