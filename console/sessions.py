"""Console sessions: a small HMAC-signed cookie with idle and absolute expiry measured on the
core's clock, and the CSRF token bound to it.

The cookie holds no secret in the clear: the TOTP secret being enrolled travels sealed. Once
signed in, it carries the id of the session's row on the server (intake/staff/staff_sessions.py),
which signing out, a change of role, a password reset, a new second factor or a disabled
account delete: a copy of the cookie then opens nothing.

A second cookie, sent to the sign-in pages only, marks a browser where someone completed a
sign-in: their attempts from it are judged apart from a stranger's (intake/staff/sign_in_backoff.py).
"""
from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from intake.platform.core import Core
from intake.staff.staff_sessions import LIFETIME

COOKIE = "console_session"
PURPOSE = "console-session"
IDLE = timedelta(minutes=30)
ABSOLUTE = LIFETIME
#: A password accepted but the second factor not yet given: a short window.
HALFWAY = timedelta(minutes=5)
BROWSER_COOKIE = "console_browser"
BROWSER_PURPOSE = "console-browser"
#: How long a browser stays someone's own after they last completed a sign-in in it.
BROWSER_REMEMBERED = timedelta(days=30)
SIGNATURE_CHARS = 64  # a whole HMAC-SHA256, in hex


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    stage: str = "anonymous"  # anonymous, totp, enrol, in
    user_id: int | None = None
    sid: str = ""  # the server-side session's id (intake/staff/staff_sessions.py), once signed in
    issued: float = 0.0  # epoch seconds of the core clock
    seen: float = 0.0
    pending: str = ""  # sealed TOTP secret being enrolled, base64
    lang: str = ""  # chosen on the sign-in page

    @property
    def signed_in(self) -> bool:
        return self.stage == "in" and self.user_id is not None and bool(self.sid)


def new_session(core: Core, **values: object) -> Session:
    now = core.clock.now().timestamp()
    return Session(issued=now, seen=now, **values)  # type: ignore[arg-type]


def encode(core: Core, session: Session) -> str:
    body = base64.urlsafe_b64encode(json.dumps(asdict(session), separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{body}.{core.keys.keyed_hash(body, purpose=PURPOSE)}"


def decode(core: Core, cookie: str | None) -> Session | None:
    """The session in the cookie, or None when it is missing, forged or expired."""
    if not cookie or "." not in cookie:
        return None
    body, signature = cookie.rsplit(".", 1)
    if len(signature) != SIGNATURE_CHARS or not core.keys.keyed_hash_matches(signature, body, purpose=PURPOSE):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        session = Session(**data)
    except (ValueError, TypeError):
        return None
    now = core.clock.now().timestamp()
    limit = HALFWAY if session.stage in ("totp", "enrol") else IDLE
    if now - session.seen > limit.total_seconds() or now - session.issued > ABSOLUTE.total_seconds():
        return None
    return session


def touch(core: Core, session: Session) -> None:
    session.seen = core.clock.now().timestamp()


def csrf_ok(session: Session | None, token: str | None) -> bool:
    return bool(session and token) and hmac.compare_digest(session.csrf, token or "")


def encode_browser(core: Core, user_id: int, browser_id: str) -> str:
    """The mark of a browser where `user_id` just completed a sign-in (no secret in it)."""
    body = f"{user_id}.{browser_id}.{int(core.clock.now().timestamp())}"
    return f"{body}.{core.keys.keyed_hash(body, purpose=BROWSER_PURPOSE)}"


def decode_browser(core: Core, cookie: str | None) -> tuple[int, str] | None:
    """(user id, browser id) of a genuine mark younger than BROWSER_REMEMBERED, else None."""
    if not cookie or cookie.count(".") != 3:
        return None
    body, signature = cookie.rsplit(".", 1)
    if len(signature) != SIGNATURE_CHARS or not core.keys.keyed_hash_matches(signature, body, purpose=BROWSER_PURPOSE):
        return None
    user, browser_id, issued = body.split(".")
    try:
        user_id, issued_at = int(user), int(issued)
    except ValueError:
        return None
    if core.clock.now().timestamp() - issued_at > BROWSER_REMEMBERED.total_seconds():
        return None
    return user_id, browser_id
