"""A reporter driving the public site over HTTP (httpx against the ASGI app, in the test's own
event loop, so the core's database is shared): fetch a page, post its form with its token."""
from __future__ import annotations

import html
import re

import httpx

from intake.domain.conversation import SKIP
from intake.domain.questionnaire import DONT_KNOW, NO_MONEY, STEP_BY_KEY
from intake.domain.steps import Kind
from web_form.app import create_app

_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')
TYPED = (Kind.TEXT, Kind.PHONE, Kind.EMAIL, Kind.DATE, Kind.MONEY)


def token_of(page: str) -> str:
    match = _TOKEN.search(page)
    assert match, "the page has no form token"
    return match.group(1)


def text_of(page: str) -> str:
    """The visible words of a page, tags removed, entities decoded."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def form_for(key: str, value: object) -> dict:
    """The fields a person fills in on question `key` to give `value`."""
    step = STEP_BY_KEY[key]
    if value is SKIP or value == SKIP or value is None:
        return {}
    if step.kind in TYPED and value in (DONT_KNOW, NO_MONEY):
        return {"choice": value}
    if step.kind is Kind.MULTI_CHOICE:
        return {"answer": value if isinstance(value, list) else [value]}
    return {"answer": value}


class Reporter:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.page = ""
        self.url = "/"

    async def get(self, url: str, **kwargs) -> httpx.Response:
        response = await self.client.get(url, follow_redirects=True, **kwargs)
        self.page, self.url = response.text, str(response.url.path)
        return response

    async def post(self, url: str, data: dict | None = None, *, files=None, token: str | None = None) -> httpx.Response:
        fields = {"csrf": token_of(self.page) if token is None else token, **(data or {})}
        response = await self.client.post(url, data=fields, files=files, follow_redirects=True)
        self.page, self.url = response.text, str(response.url.path)
        return response

    async def start(self) -> None:
        await self.get("/")
        await self.post("/report/start")

    @property
    def current_key(self) -> str | None:
        match = re.match(r"^/report/q/(\w+)$", self.url)
        return match.group(1) if match else None

    async def answer(self, value: object, *, files=None) -> httpx.Response:
        key = self.current_key
        assert key, f"not on a question page: {self.url}"
        data = form_for(key, value)
        if 'name="from" value="review"' in self.page:  # the hidden field of a Change page
            data["from"] = "review"
        return await self.post(f"/report/q/{key}", data, files=files)

    async def walk(self, answers: dict, *, stop_at: str | None = None) -> None:
        for _ in range(60):
            if self.url.startswith("/report/notice/"):
                await self.get("/report")
                continue
            key = self.current_key
            if key is None or key == stop_at:
                return
            before = self.url
            await self.answer(answers.get(key, SKIP))
            assert self.url != before or "error-summary" not in self.page, (key, text_of(self.page)[-600:])
        raise AssertionError("the wizard does not end")

    async def send(self) -> httpx.Response:
        assert self.url == "/report/review", self.url
        draft_id = re.search(r'name="draft_id" value="([^"]+)"', self.page).group(1)
        return await self.post("/report/submit", {"draft_id": draft_id})


def web_client(core, *, language: str | None = None, **options) -> httpx.AsyncClient:
    app = create_app(core, lookup_floor_seconds=options.pop("lookup_floor_seconds", 0.0), **options)
    cookies = {"tl_lang": language} if language else None
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", cookies=cookies)
