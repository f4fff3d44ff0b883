"""Notices by e-mail: a plain-text UTF-8 message over SMTP (aiosmtplib), in the reporter's language."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone

import aiosmtplib

from i18n import LANGUAGE_TAGS
from intake.notify.outbox import DeliveryError, Notice
from intake.platform.settings import Settings

SMTP_TIMEOUT_SECONDS = 30


class EmailChannel:
    """Sends each notice as one message. Failure reasons carry SMTP codes, never addresses
    or the server's own words (which often quote the address)."""

    name = "email"

    def __init__(self, settings: Settings, *, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self.timeout = timeout

    def message(self, notice: Notice) -> EmailMessage:
        sender = self.settings.smtp_sender
        message = EmailMessage()
        message["Subject"] = notice.subject
        message["From"] = sender
        message["To"] = notice.address
        message["Date"] = format_datetime(datetime.now(timezone.utc))
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a notice
        if notice.unsubscribe:  # a subscriber's warning: the mail client's own one-click opt-out (RFC 2369, RFC 8058)
            message["List-Unsubscribe"] = f"<{notice.unsubscribe}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        cte = None if notice.body.isascii() else "base64"  # 7bit or quoted-printable for ASCII
        message.set_content(notice.body, subtype="plain", charset="utf-8", cte=cte)
        # After set_content, which replaces every Content-* header.
        message["Content-Language"] = LANGUAGE_TAGS.get(notice.language, notice.language)
        return message

    async def send(self, notice: Notice) -> None:
        settings = self.settings
        try:
            await aiosmtplib.send(
                self.message(notice),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                use_tls=settings.smtp_port == 465,
                start_tls=True if settings.smtp_starttls else False,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = sorted({refused.code for refused in exc.recipients}) or [0]
            permanent = all(500 <= code < 600 for code in codes)
            raise DeliveryError(f"smtp {'/'.join(map(str, codes))}: recipient refused", retry=not permanent) from None
        except aiosmtplib.SMTPDataError as exc:
            raise DeliveryError(f"smtp {exc.code}: message refused", retry=not 500 <= exc.code < 600) from None
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"smtp {exc.code}: login refused (check smtp_username/smtp_password)", retry=True) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"smtp {exc.code}: {type(exc).__name__}", retry=True) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__} talking to the mail server", retry=True) from None
