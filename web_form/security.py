"""The site's defences: the visitor cookie, form tokens (CSRF), security headers, the honeypot.

A form token is signed with the core's keyed hash and tied to the visitor's cookie, so
another site cannot post forms in the visitor's name. It expires after a few hours; an
expired token never loses anything: the page is shown again with what was typed.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from intake.platform.core import Core

OWNER_COOKIE = "tl_owner"
CSRF_FIELD = "csrf"
HONEYPOT_FIELD = "website_url"  # a name that invites bots; people never see the field
CSRF_MAX_AGE_SECONDS = 4 * 3600
_OWNER_CHARS = 43  # secrets.token_urlsafe(32)

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",  # only our own files: no inline script, no third parties
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def new_owner() -> str:
    return secrets.token_urlsafe(32)


def valid_owner(value: str | None) -> bool:
    return bool(value) and len(value) == _OWNER_CHARS and all(c.isalnum() or c in "-_" for c in value)


SIGNATURE_CHARS = 32


def _signature(core: Core, owner: str, issued: int) -> str:
    return core.keys.keyed_hash(f"{owner}:{issued}", purpose="web-csrf")[:SIGNATURE_CHARS]


def csrf_token(core: Core, owner: str) -> str:
    issued = int(core.clock.now().timestamp())
    return f"{issued}.{_signature(core, owner, issued)}"


def check_csrf(core: Core, owner: str, token: str | None, now: datetime | None = None) -> str:
    """"ok", "expired" (a real token that is too old) or "bad" (missing, forged, someone else's)."""
    if not token or "." not in token:
        return "bad"
    issued_text, signature = token.split(".", 1)
    if not (issued_text.isascii() and issued_text.isdigit()) or len(issued_text) > 12:  # "²".isdigit(), but int("²") fails
        return "bad"
    issued = int(issued_text)
    if len(signature) != SIGNATURE_CHARS or not core.keys.keyed_hash_matches(signature, f"{owner}:{issued}", purpose="web-csrf"):
        return "bad"
    age = (now or core.clock.now()).timestamp() - issued
    if age > CSRF_MAX_AGE_SECONDS or age < -300:
        return "expired"
    return "ok"
