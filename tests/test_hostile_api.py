"""Hostile input through the partner JSON API: schemathesis over its own OpenAPI document (valid
and deliberately invalid requests), Hypothesis over every answer (any Unicode, lone surrogates
as JSON escapes, wrong types, 100 KB strings) and raw bodies that are not JSON at all. Each: a 4xx
with a message in the requested language, never a 5xx, one tip or nothing, and the API still up."""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from intake.domain.conversation import SKIP
from intake.platform.models.reporting import Draft
from intake.platform.models.tips import Tip
from intake.reporting.partners import add_partner
from intake.domain.questionnaire import QUESTIONS
from tests.hostile import HOSTILE_SETTINGS, NASTIES, json_values, once_per_core
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import web_client
from web_form.api import openapi_document

ANSWERS = {key: value for key, value in ANSWERS_FOR_MOTHER.items() if value != SKIP}
API_KEYS = [step.key for step in QUESTIONS if not step.needs]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


async def tips_and_drafts(core) -> tuple[int, int]:
    async with core.db.session() as session:
        return (await session.scalar(select(func.count()).select_from(Tip)),
                await session.scalar(select(func.count()).select_from(Draft)))


async def partner_key(core) -> str:
    async def make():
        return (await add_partner(core, "Hostile test app"))[1]
    return await once_per_core("partner key", core, make)


def operations(deployment):
    class _Core:  # the document needs only the deployment's categories and regions
        pass

    core = _Core()
    core.deployment = deployment
    schema = schemathesis.openapi.from_dict(openapi_document(core))
    return {op.label: op for op in (result.ok() for result in schema.get_all_operations())}


@pytest.fixture(scope="module")
def api_operations():
    from intake.domain.deployment import load_deployment
    from intake.platform.settings import Settings

    return operations(load_deployment(Settings().config_dir))


async def send(client, case, key: str | None):
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    headers = {k: v for k, v in dict(kwargs.get("headers") or {}).items()
               if k.lower() not in ("connection", "accept-encoding", "user-agent")}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    body = {}
    if "json" in kwargs:
        body["content"] = json.dumps(kwargs["json"]).encode()
        headers["Content-Type"] = "application/json"
    elif kwargs.get("data") is not None:
        body["content"] = kwargs["data"] if isinstance(kwargs["data"], bytes) else str(kwargs["data"]).encode()
    return await client.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=headers, **body)


@pytest.mark.parametrize("label", ["POST /api/v1/reports", "GET /api/v1/reports/{code}"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@HOSTILE_SETTINGS
@given(data=st.data(), with_key=st.booleans())
async def test_schemathesis_finds_no_server_error_and_every_answer_matches_the_document(
        core, api_operations, label, mode, data, with_key):
    operation = api_operations[label]
    case = data.draw(operation.as_strategy(generation_mode=mode))
    key = await partner_key(core) if with_key else None
    before = await tips_and_drafts(core)
    async with web_client(core) as client:
        response = await send(client, case, key)
        case.validate_response(response, checks=CHECKS)
        if response.status_code >= 400:
            assert response.json()["errors"][0]["message"].strip()
        assert (await client.get("/api/openapi.json")).status_code == 200  # still answering
    tips, drafts = await tips_and_drafts(core)
    assert drafts == before[1] and tips in (before[0], before[0] + (response.status_code == 201))


@HOSTILE_SETTINGS
@given(key=st.sampled_from(API_KEYS), value=json_values, language=st.sampled_from(["bo", "zh_Hans", "en"]))
async def test_any_value_for_any_answer_is_a_201_or_a_422_naming_it_in_the_requested_language(core, key, value, language):
    api_key = await partner_key(core)
    before = await tips_and_drafts(core)
    body = json.dumps({"language": language, "answers": {**ANSWERS, key: value}})  # lone surrogates become \ud800
    async with web_client(core) as client:
        response = await client.post("/api/v1/reports", content=body.encode(),
                                     headers={"authorization": f"Bearer {api_key}", "content-type": "application/json"})
    assert response.status_code in (201, 413, 422), response.text
    after = await tips_and_drafts(core)
    if response.status_code == 201:
        assert after == (before[0] + 1, before[1] + 1)  # the tip and its submitted draft, nothing else
    else:
        assert after == before
        errors = response.json()["errors"]
        assert errors and all(error["message"].strip() for error in errors)
        if response.status_code == 422:
            assert {error["field"] for error in errors} <= {*API_KEYS, ""}, errors


@pytest.mark.parametrize("raw", [
    b"", b"null", b"[]", b'"answers"', b"{", b'{"answers": []}', b'{"answers": {"urgent": "no"}, "language": 7}',
    b'{"answers": {}, "language": "\\ud800"}', b"\xff\xfe\x00{", b'{"answers": {"description": "\\u0000"}}',
    b"[" * 100_000, b'{"answers": {"description": "' + b"x" * 300_000 + b'"}}',
    json.dumps({"answers": {k: NASTIES[5] for k in API_KEYS}}).encode(),
], ids=lambda raw: repr(raw[:20]))
async def test_bodies_that_are_not_a_report_get_a_400_413_or_422_in_the_requested_language(core, raw):
    api_key = await partner_key(core)
    before = await tips_and_drafts(core)
    async with web_client(core) as client:
        response = await client.post("/api/v1/reports?lang=bo", content=raw,
                                     headers={"authorization": f"Bearer {api_key}", "content-type": "application/json"})
        assert response.status_code in (400, 413, 422), (response.status_code, response.text[:300])
        message = response.json()["errors"][0]["message"]
        assert any("\u0f00" <= ch <= "\u0fff" for ch in message), message  # Tibetan words for a Tibetan partner
        assert (await client.get("/api/v1/reports/1234?lang=bo")).status_code == 404  # still answering
    assert await tips_and_drafts(core) == before
