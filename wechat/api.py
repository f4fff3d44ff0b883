"""WeChat's server API (api.weixin.qq.com, or TIPLINE_WECHAT_API_BASE), through httpx.

Every call carries the account's access token. Fetching a token (cgi-bin/token) invalidates the
one before it for every process, so it is fetched once and shared: sealed in the `api_tokens`
row every worker reads, fetched again some minutes before it expires, and at once when the API
answers that the token is invalid or expired (errcode 40001, 42001, 40014): then the call is made
once more with the new token, never more. A worker that finds a newer token in the row than the
one that was refused takes that one instead of fetching yet another. With Redis configured
(TIPLINE_REDIS_URL) the token is read from Redis first, the row staying the fallback.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from intake.domain import purposes
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.reporting import ApiToken

log = logging.getLogger(__name__)

WECHAT_API = "https://api.weixin.qq.com"
TIMEOUT_SECONDS = 10
REDIS_TIMEOUT_SECONDS = 2
REFRESH_BEFORE = timedelta(minutes=5)  # a token is fetched again this long before it expires
#: The API's answers that the access token is not (or no longer) good.
TOKEN_REFUSED = frozenset({40001, 42001, 40014})
#: Errors worth trying again later: the system is busy, a rate limit, the API's own trouble.
BUSY = frozenset({-1, 45009})


class ApiError(Exception):
    """The API refused a call (`errcode`, never personal data), or could not be reached (`errcode`
    None: a timeout, a connection error, an HTTP 5xx)."""

    def __init__(self, path: str, errcode: int | None, detail: str = "") -> None:
        super().__init__(f"wechat {path}: " + (f"errcode {errcode}" if errcode is not None else detail))
        self.path, self.errcode = path, errcode

    @property
    def retry(self) -> bool:
        return self.errcode is None or self.errcode in BUSY


class MediaTooLarge(Exception):
    """A media file larger than the caller takes (its size so far, or as announced)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


@dataclass
class WeChatApi:
    core: Core
    timeout: float = TIMEOUT_SECONDS

    @property
    def base(self) -> str:
        return (self.core.settings.wechat_api_base or WECHAT_API).rstrip("/")

    @property
    def _row_name(self) -> str:
        return f"wechat:{self.core.settings.wechat_appid}"

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` as JSON to `path` (e.g. "cgi-bin/message/custom/send"); the answer, when
        its errcode is 0. A refused token is replaced once and the call made once more."""
        token = await self.token()
        try:
            return await self._post(path, token, body)
        except ApiError as error:
            if error.errcode not in TOKEN_REFUSED:
                raise
            log.warning("wechat: the access token was refused (errcode %s); fetching a new one", error.errcode)
        return await self._post(path, await self.token(refused=token), body)

    async def media(self, media_id: str, *, limit: int) -> bytes:
        """A voice or image message's file (cgi-bin/media/get: WeChat keeps it three days), at
        most `limit` bytes (MediaTooLarge beyond, read no further). A refused token is replaced
        once, as in `call`."""
        token = await self.token()
        try:
            return await self._get_media(token, media_id, limit)
        except ApiError as error:
            if error.errcode not in TOKEN_REFUSED:
                raise
            log.warning("wechat: the access token was refused (errcode %s); fetching a new one", error.errcode)
        return await self._get_media(await self.token(refused=token), media_id, limit)

    async def _get_media(self, token: str, media_id: str, limit: int) -> bytes:
        path = "cgi-bin/media/get"
        chunks: list[bytes] = []
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                async with client.stream("GET", f"{self.base}/{path}", params={"access_token": token, "media_id": media_id}) as response:
                    if response.status_code != 200:
                        raise ApiError(path, None, f"HTTP {response.status_code}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise MediaTooLarge(int(declared))
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise MediaTooLarge(size)
                        chunks.append(chunk)
        except httpx.TimeoutException:
            raise ApiError(path, None, "timed out") from None
        except httpx.HTTPError as error:
            raise ApiError(path, None, type(error).__name__) from None
        data = b"".join(chunks)
        if data[:1] == b"{":  # an error comes as JSON (a file never starts so)
            try:
                answer = json.loads(data)
            except ValueError:
                answer = {}
            if isinstance(answer, dict) and answer.get("errcode"):
                raise ApiError(path, int(answer["errcode"]))
        return data

    async def token(self, *, refused: str | None = None) -> str:
        """The shared access token: the stored one while it is good for more than REFRESH_BEFORE
        (and is not `refused`), else a new one, fetched and stored. The fetch is made outside any
        transaction (SQLite's one writer is not held over HTTP); two workers fetching at once is
        harmless: WeChat keeps the older token good for five minutes, and a worker whose token
        is then refused reads the newer one from the store."""
        return await self._shared(self._row_name, self._fetch_token, refused=refused)

    async def jsapi_ticket(self) -> str:
        """The JS-SDK ticket a page signs its wx.config with (the consent page: wechat/consent.py),
        shared and renewed like the access token (WeChat limits how often it is fetched)."""
        return await self._shared(f"{self._row_name}:jsapi", self._fetch_ticket)

    async def _shared(self, name: str, fetch, *, refused: str | None = None) -> str:  # noqa: ANN001 - async () -> (str, int)
        now = self.core.clock.now()
        stored = await self._load(name)
        if stored is not None and stored[1] - REFRESH_BEFORE > now:
            value = self.core.keys.open_text(stored[0], purpose=purposes.API_TOKEN)
            if value != refused:
                return value
        value, lifetime = await fetch()
        await self._store(name, self.core.keys.seal(value, purpose=purposes.API_TOKEN), self.core.clock.now() + timedelta(seconds=lifetime))
        return value

    async def _fetch_ticket(self) -> tuple[str, int]:
        answer = await self.call_get("cgi-bin/ticket/getticket", {"type": "jsapi"})
        if not answer.get("ticket"):
            raise ApiError("cgi-bin/ticket/getticket", int(answer.get("errcode") or -1))
        return str(answer["ticket"]), int(answer.get("expires_in") or 7200)

    async def call_get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """GET `path` with the access token, as `call` POSTs (a refused token replaced once)."""
        token = await self.token()
        for attempt in (1, 2):
            answer = await self._request("GET", path, params={**params, "access_token": token})
            errcode = int(answer.get("errcode") or 0)
            if errcode in TOKEN_REFUSED and attempt == 1:
                token = await self.token(refused=token)
                continue
            if errcode:
                raise ApiError(path, errcode)
            return answer
        raise AssertionError("unreachable")

    async def _load(self, name: str) -> tuple[bytes, datetime] | None:
        """The sealed token and its expiry: from Redis when configured (and answering), else the row."""
        if self.core.settings.redis_url:
            try:
                async with Redis.from_url(self.core.settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS) as redis:
                    found = await redis.hmget(self._redis_key(name), "sealed", "expires")
                if found[0] is not None and found[1] is not None:
                    return found[0], datetime.fromtimestamp(float(found[1]), timezone.utc)
            except RedisError as error:
                log.warning("wechat: Redis did not answer (%s); the token is read from the database", type(error).__name__)
        async with self.core.db.session() as session:
            row = await session.get(ApiToken, name)
        return (row.sealed_token, aware(row.expires_at)) if row is not None else None

    async def _store(self, name: str, sealed: bytes, expires: datetime) -> None:
        """Kept in Redis when configured (until it expires), and in the row (the fallback)."""
        if self.core.settings.redis_url:
            try:
                async with Redis.from_url(self.core.settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS) as redis:
                    await redis.hset(self._redis_key(name), mapping={"sealed": sealed, "expires": str(expires.timestamp())})
                    await redis.expire(self._redis_key(name), int((expires - self.core.clock.now()).total_seconds()) + 60)
            except RedisError as error:
                log.warning("wechat: Redis did not answer (%s); the token is kept in the database", type(error).__name__)
        async with self.core.db.transaction() as session:
            row = await session.get(ApiToken, name, with_for_update=True)
            if row is None:
                session.add(ApiToken(name=name, sealed_token=sealed, expires_at=expires))
            else:
                row.sealed_token, row.expires_at = sealed, expires

    @staticmethod
    def _redis_key(name: str) -> str:
        return f"tipline:api-token:{name}"

    async def _fetch_token(self) -> tuple[str, int]:
        s = self.core.settings
        params = {"grant_type": "client_credential", "appid": s.wechat_appid, "secret": s.wechat_secret}
        answer = await self._request("GET", "cgi-bin/token", params=params)
        if not answer.get("access_token"):
            raise ApiError("cgi-bin/token", int(answer.get("errcode") or -1))
        return str(answer["access_token"]), int(answer.get("expires_in") or 7200)

    async def _post(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self._request("POST", path, params={"access_token": token}, json=body)
        errcode = int(answer.get("errcode") or 0)
        if errcode:
            raise ApiError(path, errcode)
        return answer

    async def _request(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.request(method, f"{self.base}/{path}", **options)
        except httpx.TimeoutException:
            raise ApiError(path, None, "timed out") from None
        except httpx.HTTPError as error:
            raise ApiError(path, None, type(error).__name__) from None
        if response.status_code != 200:
            raise ApiError(path, None if response.status_code >= 500 or response.status_code == 429 else response.status_code,
                           f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise ApiError(path, None, "an answer that is not JSON") from None
