"""Delivery channels for the outbox (intake.notify.outbox.Channel), wired by the composition root.

E-mail is there when an SMTP server is configured; SMS goes through the configured gateway, or
in development to a log file standing in for one. A channel that is not configured is simply
absent: its notices wait in the outbox until it is.
"""
from __future__ import annotations

import logging
from pathlib import Path

from intake.notify.outbox import Channel
from intake.platform.settings import Settings
from tipline.channels.email import EmailChannel
from tipline.channels.sms import GatewaySmsChannel, LogSmsChannel

logger = logging.getLogger(__name__)

SMS_LOG_NAME = "sms.jsonl"

__all__ = ["EmailChannel", "GatewaySmsChannel", "LogSmsChannel", "configured_channels"]


def configured_channels(settings: Settings, var_dir: Path) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if settings.smtp_host:
        channels["email"] = EmailChannel(settings)
    if settings.sms_backend == "gateway":
        if settings.sms_gateway_url:
            channels["sms"] = GatewaySmsChannel(settings)
        else:
            logger.warning("sms_backend is 'gateway' but sms_gateway_url is empty: SMS notices wait")
    elif settings.production:
        # The log stand-in would write phone numbers to a plain file: not in production.
        logger.warning("sms_backend 'log' is for demos: in production SMS notices wait for a gateway")
    else:
        channels["sms"] = LogSmsChannel(Path(var_dir) / SMS_LOG_NAME)
    return channels
