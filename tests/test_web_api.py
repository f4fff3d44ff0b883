"""The partner JSON API: a partner key (stored only as a keyed hash, revocable, audited), every
answer through the questionnaire's checks with messages in the requested language, one tip or
nothing, the public status by code (unknown codes told apart by nothing), rate limits and the
OpenAPI document."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select, text

from i18n import Translator
from intake.casework.casework import move_tip
from intake.domain.conversation import SKIP
from intake.platform.models.reporting import Draft, Partner
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Tip
from intake.reporting.partners import PartnerError, add_partner, list_partners, revoke_partner, verify_partner
from intake.platform.ratelimit import Limit
from intake.domain.tracking import damm_check_digit
from intake.domain.workflow import STATUS_LABELS, Status
from tests.factories import staff
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import web_client

CONSENT_REFUSED = "We can only pass on your report if you agree. If you prefer, you can call 12345 or 96110 instead."
ANSWERS = {key: value for key, value in ANSWERS_FOR_MOTHER.items() if value != SKIP}


async def count(core, model) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


@pytest.fixture
async def key(core):
    _partner, key = await add_partner(core, "Sunset community app")
    return key


def auth(key: str) -> dict:
    return {"authorization": f"Bearer {key}"}


async def test_a_partner_key_is_shown_once_kept_only_as_a_keyed_hash_and_can_be_revoked(core):
    partner, key = await add_partner(core, "Sunset community app")
    assert key.startswith("tlp_") and len(key) > 40
    assert (await verify_partner(core, key)).name == "Sunset community app"
    assert await verify_partner(core, key + "x") is None
    with pytest.raises(PartnerError):
        await add_partner(core, "Sunset  community app")
    async with core.db.session() as session:
        row = await session.scalar(select(Partner))
        dump = " ".join(str(v) for v in (await session.execute(text("SELECT * FROM partners"))).one())
    assert key not in dump and row.key_hash != key and row.key_prefix == key[:12]
    await revoke_partner(core, "Sunset community app")
    assert await verify_partner(core, key) is None
    assert [p.active for p in await list_partners(core)] == [False]
    async with core.db.session() as session:
        actions = (await session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("partner.%")).order_by(AuditEvent.id))).all()
    assert actions == ["partner.added", "partner.revoked"]
    async with web_client(core) as client:
        response = await client.post("/api/v1/reports?lang=en", json={"answers": ANSWERS}, headers=auth(key))
    assert response.status_code == 401
    assert await count(core, Tip) == 0


async def test_a_partner_sends_a_report_and_reads_its_status_in_the_reporters_language(core, key):
    async with web_client(core) as client:
        response = await client.post("/api/v1/reports", json={"language": "en", "answers": ANSWERS}, headers=auth(key))
        assert response.status_code == 201, response.text
        sent = response.json()
        assert sent["status"] == "submitted" and sent["label"] == "Received" and len(sent["pin"]) == 4
        assert response.headers["cache-control"] == "no-store" and "set-cookie" not in response.headers

        officer = await staff(core, "officer", "officer", "990121-civil_affairs")
        async with core.db.session() as session:
            tip = await session.scalar(select(Tip))
        await move_tip(core, tip.id, "accepted", staff=officer)

        status = await client.get(f"/api/v1/reports/{sent['code'].replace(' ', '-')}?lang=en")
        assert status.status_code == 200
        body = status.json()
        assert body["code"] == sent["code"] and body["status"] == "accepted" and body["label"] == "Accepted for checking"
        assert [item["label"] for item in body["timeline"]] == ["Received", "Accepted for checking"]
        assert "We have received your report" in body["timeline"][0]["message"]
        chinese = (await client.get(f"/api/v1/reports/{sent['code']}", headers={"accept-language": "zh-CN"})).json()
        assert chinese["label"] == Translator("zh_Hans")(STATUS_LABELS[Status.ACCEPTED]) != "Accepted for checking"
    assert tip.channel == "api" and tip.language == "en" and tip.category == "care_service"
    assert tip.answers["money_lost"] == 3_000_000 and "reporter_name" not in tip.answers  # personal data sealed apart
    async with core.db.session() as session:
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "tip.partner_submitted"))
    assert audit.tip_id == tip.id and audit.actor == "partner:Sunset community app"


async def test_bad_answers_are_all_listed_in_the_requested_language_and_nothing_is_stored(core, key):
    bad = {**ANSWERS, "money_lost": "a lot", "when": "2099-01-01", "category": "lottery", "favourite_colour": "red",
           "evidence": ["x"], "description": {"text": "nested"}}
    async with web_client(core) as client:
        response = await client.post("/api/v1/reports?lang=en", json={"answers": bad}, headers=auth(key))
        assert response.status_code == 422
        errors = response.json()["errors"]
        fields = [e["field"] for e in errors]
        assert set(fields) == {"favourite_colour", "category", "description", "when", "money_lost", "evidence"}
        by_field = {e["field"]: e["message"] for e in errors}
        assert by_field["category"] == "Please choose one of the answers."
        assert by_field["description"] == "Please send this answer as text."
        assert by_field["favourite_colour"] == "There is no question with this name."
        assert "future" in by_field["when"]

        # The same mistakes in Chinese, and the consent refusal story 9 asks for.
        chinese = await client.post("/api/v1/reports", json={"language": "zh_Hans", "answers": {**ANSWERS, "consent": "no"}},
                                    headers=auth(key))
        assert chinese.status_code == 422
        [consent] = chinese.json()["errors"]
        assert consent["field"] == "consent" and consent["message"] == Translator("zh_Hans")(CONSENT_REFUSED)
        assert "12345" in consent["message"] and "agree" not in consent["message"]

        for body in (b"not json", b"[1, 2]", b'{"answers": "yes"}'):
            response = await client.post("/api/v1/reports?lang=en", content=body, headers=auth(key))
            assert response.status_code == 400 and "JSON object" in response.json()["errors"][0]["message"]
        response = await client.post("/api/v1/reports?lang=en", json={"language": "fr", "answers": ANSWERS}, headers=auth(key))
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "language"
    assert await count(core, Tip) == 0 and await count(core, Draft) == 0


async def test_without_a_key_nothing_is_sent_and_wrong_keys_are_rate_limited(core, monkeypatch):
    from web_form import api

    monkeypatch.setattr(api, "API_BAD_KEYS", Limit("api-bad-key-test", 2, 3600))
    async with web_client(core) as client:
        first = await client.post("/api/v1/reports?lang=en", json={"answers": ANSWERS})
        assert first.status_code == 401
        assert first.json() == {"errors": [{"field": "authorization", "message": "A valid partner API key is needed to send reports."}]}
        second = await client.post("/api/v1/reports", json={"answers": ANSWERS}, headers={"authorization": "Bearer tlp_guess", "accept-language": "bo"})
        assert second.status_code == 401
        third = await client.post("/api/v1/reports?lang=en", json={"answers": ANSWERS}, headers={"x-api-key": "tlp_guess"})
        assert third.status_code == 429
    assert await count(core, Tip) == 0


async def test_a_retried_request_with_the_same_idempotency_key_makes_one_tip(core, key):
    headers = {**auth(key), "idempotency-key": "order-7781"}
    async with web_client(core) as client:
        first = await client.post("/api/v1/reports", json={"language": "en", "answers": ANSWERS}, headers=headers)
        again = await client.post("/api/v1/reports", json={"language": "en", "answers": ANSWERS}, headers=headers)
        other = await client.post("/api/v1/reports", json={"language": "en", "answers": ANSWERS}, headers=auth(key))
    assert first.status_code == 201 and again.status_code == 200 and again.json()["repeated"] is True
    assert again.json()["code"] == first.json()["code"] and other.json()["code"] != first.json()["code"]
    assert await count(core, Tip) == 2


async def test_an_idempotency_key_replayed_with_another_body_is_refused_and_not_answered_with_the_first_receipt(core, key):
    """The IETF draft on the Idempotency-Key header: a key reused with a different payload gets 422."""
    headers = {**auth(key), "idempotency-key": "order-7782"}
    body = {"language": "en", "answers": ANSWERS}
    changed = {"language": "en", "answers": {**ANSWERS, "urgent": "yes"}}
    async with web_client(core) as client:
        first = await client.post("/api/v1/reports", json=body, headers=headers)
        other = await client.post("/api/v1/reports?lang=en", json=changed, headers=headers)
        in_tibetan = await client.post("/api/v1/reports", json={"language": "bo", "answers": ANSWERS}, headers=headers)
        # The same request again, its JSON written another way (keys reordered, spaces): the first receipt.
        rewritten = json.dumps({"answers": dict(reversed(list(ANSWERS.items()))), "language": "en"}, indent=2)
        again = await client.post("/api/v1/reports", content=rewritten,
                                  headers={**headers, "content-type": "application/json"})
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json() == {"errors": [{"field": "idempotency-key", "message": (
        "This Idempotency-Key was already used for a different report. Send a new key for a new report, "
        "or the same report again to get its receipt.")}]}
    assert first.json()["code"] not in other.text and first.json()["pin"] not in other.text
    assert in_tibetan.status_code == 422 and in_tibetan.json()["errors"][0]["message"] != other.json()["errors"][0]["message"]
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"] and again.json()["repeated"] is True
    assert await count(core, Tip) == 1


async def test_urgent_reports_get_the_call_110_advice_at_once(core, key):
    async with web_client(core) as client:
        response = await client.post("/api/v1/reports?lang=en", json={"language": "en", "answers": {**ANSWERS, "urgent": "yes"}},
                                     headers=auth(key))
    body = response.json()
    assert body["urgent"] is True and "110" in body["advice"][0]


async def test_an_unknown_code_answers_like_a_mistyped_one_in_the_same_time_and_look_ups_are_limited(core, monkeypatch):
    unknown = "10000000000" + damm_check_digit("10000000000")
    async with web_client(core, lookup_floor_seconds=0.2) as client:
        answers = []
        for code in (unknown, "1234-5678-9012", "abc"):
            started = time.monotonic()
            response = await client.get(f"/api/v1/reports/{code}?lang=en")
            answers.append((response.status_code, response.json(), time.monotonic() - started >= 0.2))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 404 and "We could not find a report" in answers[0][1]["errors"][0]["message"]

    from intake.reporting import lookups

    monkeypatch.setattr(lookups, "LOOKUPS", Limit("api-status-test", 2, 600))
    async with web_client(core) as client:
        codes = [(await client.get(f"/api/v1/reports/{unknown}")).status_code for _ in range(3)]
    assert codes == [404, 404, 429]


async def test_the_openapi_document_describes_only_the_api_with_the_questionnaires_keys(core):
    async with web_client(core) as client:
        response = await client.get("/api/openapi.json")
        assert (await client.get("/openapi.json")).status_code == 404
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/api/v1/reports", "/api/v1/reports/{code}"}
    assert document["paths"]["/api/v1/reports"]["post"]["security"] == [{"partnerKey": []}]
    answers = document["components"]["schemas"]["ReportRequest"]["properties"]["answers"]["properties"]
    assert "evidence" not in answers and "category" in answers and "care_service" in answers["category"]["enum"]
    assert answers["urgent"]["enum"] == ["yes", "no", "dont_know"]
    assert "ReportCreated" in document["components"]["schemas"] and "Errors" in document["components"]["schemas"]
