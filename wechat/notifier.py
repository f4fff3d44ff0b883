"""The WeChat channel of the core's outbox: a progress notice to the person a tip came from,
by what the account may send (TIPLINE_WECHAT_ACCOUNT, README "What each account type allows").

- `unverified`: passive replies only; every notice is passed on (intake.notify.outbox.PassOn) to
  the reporter's next channel (e-mail, SMS), or, with none, waits on the status page.
- `service`: within 48 hours of the person's last message or action, a customer-service message
  (客服消息), the notice's text cut into WeChat messages at line or sentence ends; after that, a
  subscription notice (订阅通知): one of the templates chosen in the account's console, with our
  parameters (TIPLINE_WECHAT_TEMPLATES), never free text; when the person gave no consent for one
  (errcode 43101) or no template is configured, the notice is passed on.

Failures map onto the outbox's rules: the API's busy answers, timeouts and 5xx are retried with
the outbox's backoff; a refused token is replaced once (wechat/api.py). A retry after a failure in
the middle of a long notice's messages sends its first messages again: the one repeat the outbox
allows, as on Telegram.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from intake.notify.outbox import DeliveryError, Notice, PassOn
from intake.platform.core import Core
from wechat.api import ApiError, WeChatApi
from wechat.split import joins_previous, split
from wechat.users import last_heard

log = logging.getLogger(__name__)

#: WeChat's window for customer-service messages, less a margin for the time a send takes.
WINDOW = timedelta(hours=48) - timedelta(minutes=5)
CUSTOM_SEND = "cgi-bin/message/custom/send"
SUBSCRIBE_SEND = "cgi-bin/message/subscribe/bizsend"
#: Customer-service messages cannot go now: the window closed after all (45015), or the account
#: sent as many as WeChat allows in one window (45047): a subscription notice instead.
WINDOW_CLOSED = frozenset({45015, 45047})
NOT_FOLLOWING = 43004  # the person no longer follows the account
NO_CONSENT = 43101  # the person did not accept (or already used) a subscription notice
#: A subscription notice's field holds at most this many characters, by the field's kind.
FIELD_LIMITS = {"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "time": 32, "date": 32}


class WeChatChannel:
    """intake.notify.outbox.Channel for WeChat: `send(notice)` to the openid `notice.address`."""

    name = "wechat"

    def __init__(self, core: Core, api: WeChatApi | None = None) -> None:
        self.core = core
        self.api = api or WeChatApi(core)

    async def send(self, notice: Notice) -> None:
        s = self.core.settings
        if s.wechat_account != "service":
            raise PassOn("wechat: an unverified account sends passive replies only")
        if not (s.wechat_appid and s.wechat_secret):
            log.warning("wechat: a service account needs TIPLINE_WECHAT_APPID and TIPLINE_WECHAT_SECRET to send notices")
            raise PassOn("wechat: no AppID and AppSecret set for the API")
        heard, unfollowed = await last_heard(self.core, notice.address)
        if unfollowed:
            raise PassOn("wechat: the person no longer follows the account")
        if heard is not None and self.core.clock.now() - heard < WINDOW:
            try:
                await self._customer_service(notice)
                return
            except ApiError as error:
                if error.errcode == NOT_FOLLOWING:
                    raise PassOn("wechat: the person no longer follows the account") from None
                if error.errcode not in WINDOW_CLOSED:
                    raise DeliveryError(str(error), retry=error.retry) from None
        await self._subscription(notice)

    async def _customer_service(self, notice: Notice) -> None:
        for part in split(notice.body):
            await self.api.call(CUSTOM_SEND, {"touser": notice.address, "msgtype": "text", "text": {"content": part}})

    async def _subscription(self, notice: Notice) -> None:
        template = self.core.settings.wechat_templates.get(notice.template)
        if template is None:
            raise PassOn(f"wechat: outside the 48-hour window, and no subscription template for {notice.template!r}")
        data = {field: {"value": _fits(field, str(notice.params.get(ours, "")))} for field, ours in template.fields.items()}
        body = {"touser": notice.address, "template_id": template.id, "data": data}
        if self.core.settings.public_base_url:  # tapping the notice opens the status page
            body["page"] = self.core.settings.public_base_url.rstrip("/") + "/status"
        try:
            await self.api.call(SUBSCRIBE_SEND, body)
        except ApiError as error:
            if error.errcode in (NO_CONSENT, NOT_FOLLOWING):
                raise PassOn(f"wechat: outside the 48-hour window, and no subscription notice allowed (errcode {error.errcode})") from None
            raise DeliveryError(str(error), retry=error.retry) from None


def _fits(field: str, value: str) -> str:
    """`value` within the length WeChat allows the field's kind ("thing1": 20 characters)."""
    kind = field.rstrip("0123456789")
    limit = FIELD_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    end = limit - 1
    while end > 0 and joins_previous(value[end]):  # never inside a Tibetan stack
        end -= 1
    return value[:end].rstrip("་ ") + "…"
