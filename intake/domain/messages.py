"""Public messages: what the reporter reads on a step of their tip's timeline.

Stored as a reply-template id with parameters, or as an officer's free text with its language
and optional translations, so each reporter reads it in their own language. Free text is
checked so that no notice ever carries a link or asks for money, cards, passwords or codes:
scammers imitate official notices, and ours must never look like theirs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from i18n import N_, Translator
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.domain.deployment import Deployment
from intake.domain.workflow import SYSTEM_MESSAGES

MAX_PUBLIC_CHARS = 2000
ALWAYS_ALLOWED_NUMBERS = {"110", "96110", "12345", "12315", "120", "119"}

_LINK = re.compile(r"(https?://|www\.|t\.me/|\b[\w-]+\.(com|cn|net|org|top|xyz|app)\b)", re.IGNORECASE)
_NUMBER = re.compile(r"\d[\d\s-]{2,}\d")
# A request for something a scammer wants: "please give/send/tell/transfer … card/password/code/money".
_REQUESTS = (
    re.compile(r"(请|麻烦|需要|要求|务必).{0,8}(提供|告知|发送|告诉|输入|转账|汇款|付款|缴纳|交纳|支付).{0,8}(银行卡|卡号|密码|验证码|钱|款|费|账户)"),
    re.compile(r"(请|需要|务必).{0,4}(转账|汇款|付款|缴费|交费)"),
    re.compile(r"\b(send|give|tell|provide|enter|transfer|pay|wire)\b.{0,30}\b(money|card number|bank card|password|pin|verification code|fee|deposit|account)\b", re.IGNORECASE),
)


@dataclass(frozen=True)
class PublicMessage:
    template: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    text: str | None = None
    language: str | None = None
    translations: dict[str, str] = field(default_factory=dict)

    def unreadable_in(self, language: str) -> bool:
        """Free text the reader of `language` cannot read yet (see `awaits_translation`)."""
        return awaits_translation(self.to_dict(), language)

    def to_dict(self) -> dict:
        words = {"text": self.text, "language": self.language, "translations": dict(self.translations)}
        if self.template:
            # A template may carry the officer's own words too (the extension's reason): they wait
            # for a translation, and are translated, as any free text is.
            return {"template": self.template, "params": dict(self.params), **(words if self.text else {})}
        return words


#: What staff are told before their own words go to a reporter who reads another language.
UNTRANSLATED_WARNING = N_(
    "The reporter reads %(language)s, and your message has no translation into it. A reply template "
    "reads right in every language; or add a translation. If you send your words as they are, the "
    "reporter is told that a translation will follow, and the message waits in the translations "
    "queue until a colleague translates it."
)
#: What the reporter reads under an officer's words that are not yet in their language.
TRANSLATION_TO_FOLLOW = N_(
    "This message is not in your language yet: a translation will follow. "
    "If you would like to talk to someone now, call %(phone)s or 12345."
)


#: The template parameter that a template message's own words (PublicMessage.text) fill.
WORDS_PARAM = "reason"


def awaits_translation(message: dict | None, language: str) -> bool:
    """An officer's free text written in another language than `language`, with no translation
    into it: its reader is told a translation will follow, and it waits in the translations queue."""
    if not message or "text" not in message:
        return False
    return message.get("language") != language and not (message.get("translations") or {}).get(language)


def check_free_text(text: str, deployment: Deployment) -> str | Invalid:
    """Clean an officer's public text, refusing links and requests for money or secrets."""
    cleaned = clean_text(text, max_chars=MAX_PUBLIC_CHARS, min_chars=1)
    if isinstance(cleaned, Invalid):
        return cleaned
    if find_link(cleaned):
        return Invalid(N_("A message to the reporter cannot contain links: reporters are told that real notices never have one."))
    number = find_unofficial_number(cleaned, deployment)
    if number:
        return Invalid(
            N_("A message to the reporter can only give the phone numbers 110, 96110, 12345 or a unit's published number (found %(number)s)."),
            {"number": number},
        )
    for pattern in _REQUESTS:
        if pattern.search(cleaned):
            return Invalid(N_("A message to the reporter must never ask for money, card numbers, passwords or codes."))
    return cleaned


def find_link(text: str) -> str | None:
    """The first web address in `text` (public texts carry none: real notices never have one)."""
    match = _LINK.search(text)
    return match.group() if match else None


def official_numbers(deployment: Deployment) -> set[str]:
    """The numbers a public text may give, as digits: the hotlines and the units' published numbers."""
    return ALWAYS_ALLOWED_NUMBERS | {re.sub(r"\D", "", u.phone) for u in deployment.units if u.phone}


def find_unofficial_number(text: str, deployment: Deployment) -> str | None:
    """The first phone-like number in `text` that is neither a hotline nor a unit's own, as written."""
    allowed = official_numbers(deployment)
    for match in _NUMBER.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if digits not in allowed and len(digits) >= 5:
            return match.group()
    return None


def render(message: dict | None, language: str, deployment: Deployment) -> str | None:
    """A stored public message in the reader's language."""
    if not message:
        return None
    if "template" in message:
        params = _resolve(message.get("params", {}), language, deployment)
        if message.get("text"):  # the officer's words fill the template's %(reason)s
            params[WORDS_PARAM] = (message.get("translations") or {}).get(language) or message["text"]
        template = deployment.template_by_id.get(message["template"])
        if template is not None:
            return _format(template.text.get(language), params)
        system = SYSTEM_MESSAGES.get(message["template"])
        return Translator(language)(system, **params) if system else None
    translations = message.get("translations") or {}
    return translations.get(language) or message.get("text")


def _resolve(params: dict, language: str, deployment: Deployment) -> dict:
    resolved = dict(params)
    if "unit" in resolved:
        resolved["unit"] = deployment.unit_name(str(resolved["unit"]), language)
    return resolved


def _format(text: str, params: dict) -> str:
    try:
        return text % params if params else text.replace("%%", "%")
    except (KeyError, ValueError, TypeError):
        return text  # a deployment template with a typo still reads, rather than failing a notice
