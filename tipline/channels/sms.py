"""Notices by SMS. Chinese SMS gateways send only pre-approved templates, so an SMS carries a
template code and its parameters, never free text.

`LogSmsChannel` is the demo's stand-in for a gateway (one JSON line per SMS in a file);
`GatewaySmsChannel` posts to an HTTP gateway.
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path

import httpx

from intake.notify.outbox import DeliveryError, Notice
from intake.platform.private_files import open_private, private_dir
from intake.platform.settings import Settings

GATEWAY_TIMEOUT_SECONDS = 15
RETRY_STATUSES = {408, 425, 429}


class LogSmsChannel:
    """Appends each SMS as a JSON line {at, to, template, params, language} to `path` (demo only)."""

    name = "sms"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = asyncio.Lock()

    async def send(self, notice: Notice) -> None:
        line = json.dumps(
            {
                "at": datetime.now(timezone.utc).isoformat(),
                "to": notice.address,
                "template": notice.template,
                "params": notice.params,
                "language": notice.language,
            },
            ensure_ascii=False,
        )
        async with self._lock:
            try:
                await asyncio.to_thread(self._append, line)
            except OSError as exc:
                raise DeliveryError(f"sms log: {type(exc).__name__}", retry=True) from None

    def _append(self, line: str) -> None:
        private_dir(self.path.parent)
        with open_private(self.path, "a") as handle:  # phone numbers: the owner's only
            handle.write(line + "\n")


class GatewaySmsChannel:
    """POSTs `{"to", "template_code", "params", "sign"?}` as JSON to `settings.sms_gateway_url`
    with `Authorization: Bearer <sms_gateway_key>`. The template code is the gateway's approved
    code for our template id (`settings.sms_templates`)."""

    name = "sms"

    def __init__(self, settings: Settings, *, timeout: float = GATEWAY_TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self.timeout = timeout

    def request_body(self, notice: Notice) -> dict:
        code = self.settings.sms_templates.get(notice.template)
        if not code:
            raise DeliveryError(f"sms: no gateway template code for {notice.template!r} (set sms_templates)", retry=False)
        body: dict = {"to": notice.address, "template_code": code, "params": {k: str(v) for k, v in notice.params.items()}}
        sign = getattr(self.settings, "sms_sign", "")  # the approved signature, where a gateway needs one
        if sign:
            body["sign"] = sign
        return body

    async def send(self, notice: Notice) -> None:
        body = self.request_body(notice)
        headers = {"Authorization": f"Bearer {self.settings.sms_gateway_key}"}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.settings.sms_gateway_url, json=body, headers=headers)
        except httpx.TimeoutException:
            raise DeliveryError("sms gateway: timed out", retry=True) from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"sms gateway: {type(exc).__name__}", retry=True) from None
        status = response.status_code
        if 200 <= status < 300:
            return
        retry = status >= 500 or status in RETRY_STATUSES
        raise DeliveryError(f"sms gateway: HTTP {status}", retry=retry)
