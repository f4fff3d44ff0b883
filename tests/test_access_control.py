"""Who may read and act on every console route, generated from one table.

The test walks the console app's own routes (app.routes) and fails when a route has no row in
RULES, so a new route without a rule fails the suite. Each row says, for each role, whether the
route is allowed everywhere ("yes"), only for tips of the person's own unit or region and their
own phone intakes ("own"), or never ("no"). Every role is tried on a tip (and an intake) of its
own scope and of another county; signed-out visitors are sent to sign in. Denied tip routes
answer "not found", exactly like a tip that does not exist, and the attempt is audited.
"""
from __future__ import annotations

from datetime import date

from urllib.parse import quote

import pytest
from sqlalchemy import select

from console.app import create_app
from intake.platform.attachments import store as store_attachment
from intake.casework.duplicates import organisation_key
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Tip
from intake.casework.queues import tip_state
from intake.reporting.phone_intake import start_intake
from intake.casework.duplicates import set_colour
from intake.casework.risk_list import publish
from intake.prevention.warnings import WarningForm, create_warning
from intake.reporting.checks import object_to
from intake.reporting.lookups import Client
from intake.staff.staff import get_staff
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
from tests.factories import a_photo, file_tip
from tests.test_check import determination

OTHER_UNIT = "990122-civil_affairs"  # Xihu county: "another unit" for Donghu's staff
ROLES = ("officer", "unit_lead", "coordinator", "reward_admin", "auditor", "sysadmin")
UNIT_OF = {"officer": LEAD_UNIT, "unit_lead": LEAD_UNIT, "coordinator": "990100-coordination",
           "reward_admin": "990100-coordination", "auditor": "990100-coordination", "sysadmin": None}
PUBLIC = "public"  # the sign-in pages: anyone, signed in or not

Y, N, OWN = "yes", "no", "own"
#: Whose "own" scope is their region: here the whole city, so both counties' tips are theirs.
REGION_ROLES = {"coordinator", "reward_admin", "auditor"}


def rule(officer, unit_lead, coordinator, reward_admin, auditor, sysadmin) -> dict[str, str]:
    return dict(zip(ROLES, (officer, unit_lead, coordinator, reward_admin, auditor, sysadmin), strict=True))


STAFF = rule(Y, Y, Y, Y, Y, Y)  # any signed-in staff member
TIP_WORKERS = rule(OWN, OWN, OWN, N, N, N)  # the units of the tip, the coordinator of its region
TIP_READERS = rule(OWN, OWN, OWN, OWN, OWN, N)
TRANSLATORS = rule(OWN, OWN, OWN, N, N, N)
# The units calling the reporter back. The reward administrator paying reveals only on a reward
# case (test_console_rewards.py::test_a_reward_administrator_reveals_only_where_the_tip_is_a_reward_case),
# which the fresh tips here are not.
REVEAL = rule(OWN, OWN, N, N, N, N)
INTAKE = rule(Y, Y, Y, N, N, N)
INTAKE_OWN = rule(OWN, OWN, OWN, N, N, N)  # a phone intake: only the officer who started it
REWARDS = rule(N, N, N, Y, N, N)
REWARD_TIP = rule(N, N, N, OWN, N, N)
STATISTICS = rule(N, N, Y, N, Y, N)
LEDGER = rule(Y, Y, Y, N, Y, N)
COORDINATOR = rule(N, N, Y, N, N, N)
SUPERVISE = rule(N, N, OWN, N, N, N)
AUDITOR = rule(N, N, N, N, Y, N)
COLOUR = rule(N, OWN, OWN, N, N, N)
WARNING_READERS = rule(Y, Y, Y, N, N, N)  # the warnings of their region; coordinators write and approve
POSTERS = rule(N, Y, Y, N, N, N)  # a unit lead for their own unit (tests/test_posters.py), a coordinator for any

#: (method, path) -> rule. Every console route has a row; a route without one fails the suite.
RULES: dict[tuple[str, str], dict[str, str] | str] = {
    ("GET", "/signin"): PUBLIC,
    ("POST", "/signin"): PUBLIC,
    ("GET", "/signin/totp"): PUBLIC,
    ("POST", "/signin/totp"): PUBLIC,
    ("GET", "/signin/enrol"): PUBLIC,
    ("POST", "/signin/enrol"): PUBLIC,
    ("GET", "/account"): STAFF,
    ("GET", "/account/totp"): STAFF,
    ("POST", "/account/totp"): STAFF,
    ("POST", "/signout"): STAFF,
    ("GET", "/"): STAFF,
    ("GET", "/queue"): STAFF,
    ("GET", "/tips/{tip_id}"): TIP_READERS,
    ("GET", "/tips/{tip_id}/files/{number}"): TIP_READERS,  # the evidence: whoever may read the tip
    ("POST", "/tips/{tip_id}/move"): TIP_WORKERS,
    ("POST", "/tips/{tip_id}/reroute"): TIP_WORKERS,
    ("POST", "/tips/{tip_id}/extend"): TIP_WORKERS,
    ("POST", "/tips/{tip_id}/note"): TIP_WORKERS,
    ("POST", "/tips/{tip_id}/outcome"): TIP_WORKERS,
    ("POST", "/tips/{tip_id}/reveal"): REVEAL,
    ("POST", "/tips/{tip_id}/assign"): TIP_WORKERS,
    ("POST", "/tips/{tip_id}/category"): TIP_WORKERS,
    ("POST", "/tips/{tip_id}/contact"): TIP_WORKERS,
    ("GET", "/tips/{tip_id}/sheet"): TIP_READERS,
    ("POST", "/queue/bulk"): STAFF,  # each selected tip is checked by the core (see the IDOR test)
    ("GET", "/reports"): STAFF,
    ("GET", "/statistics"): STATISTICS,
    ("GET", "/statistics.csv"): STATISTICS,
    ("GET", "/statistics.xlsx"): STATISTICS,
    ("GET", "/ledger"): LEDGER,
    ("GET", "/ledger.xlsx"): LEDGER,
    ("GET", "/ledger.csv"): LEDGER,
    ("GET", "/intake"): INTAKE,
    ("POST", "/intake"): INTAKE,
    ("GET", "/intake/{ref}"): INTAKE_OWN,
    ("GET", "/intake/{ref}/q/{key}"): INTAKE_OWN,
    ("POST", "/intake/{ref}/answer"): INTAKE_OWN,
    ("POST", "/intake/{ref}/back"): INTAKE_OWN,
    ("POST", "/intake/{ref}/change"): INTAKE_OWN,
    ("POST", "/intake/{ref}/submit"): INTAKE_OWN,
    ("POST", "/intake/{ref}/discard"): INTAKE_OWN,
    ("GET", "/translations"): STAFF,
    ("GET", "/tips/{tip_id}/translate"): TRANSLATORS,
    ("POST", "/tips/{tip_id}/translate/message"): TRANSLATORS,
    ("POST", "/tips/{tip_id}/translate/words"): TRANSLATORS,
    ("GET", "/duplicates"): STAFF,
    ("GET", "/duplicates/group"): TIP_READERS,
    ("GET", "/organisations"): STAFF,
    ("GET", "/organisations/one"): TIP_READERS,
    ("POST", "/organisations/colour"): COLOUR,
    ("GET", "/audit"): AUDITOR,
    ("GET", "/overdue"): COORDINATOR,
    ("GET", "/translation-review"): COORDINATOR,
    ("GET", "/warnings"): WARNING_READERS,
    ("GET", "/warnings/{warning_id}"): WARNING_READERS,
    ("POST", "/warnings/{warning_id}/translate"): WARNING_READERS,
    ("GET", "/warnings/new"): COORDINATOR,
    ("POST", "/warnings/new"): COORDINATOR,
    ("GET", "/warnings/{warning_id}/edit"): COORDINATOR,
    ("POST", "/warnings/{warning_id}/edit"): COORDINATOR,
    ("POST", "/warnings/{warning_id}/propose"): COORDINATOR,
    ("POST", "/warnings/{warning_id}/approve"): COORDINATOR,
    ("POST", "/warnings/{warning_id}/reject"): COORDINATOR,
    ("POST", "/warnings/{warning_id}/withdraw"): COORDINATOR,
    ("POST", "/organisations/publish"): COORDINATOR,
    ("POST", "/organisations/withdraw"): COORDINATOR,
    ("GET", "/risk-list/objections"): COORDINATOR,
    ("POST", "/risk-list/objections/{objection_id}/answer"): COORDINATOR,
    ("GET", "/posters"): POSTERS,
    ("GET", "/posters/poster.pdf"): POSTERS,
    ("POST", "/tips/{tip_id}/supervise"): SUPERVISE,
    ("GET", "/rewards"): REWARDS,
    ("POST", "/rewards/come-forward"): REWARDS,
    ("GET", "/rewards/tips/{tip_id}"): REWARD_TIP,
    ("POST", "/rewards/tips/{tip_id}/propose"): REWARD_TIP,
    ("POST", "/rewards/tips/{tip_id}/exclude"): REWARD_TIP,
    ("POST", "/rewards/tips/{tip_id}/reveal"): REWARD_TIP,
    ("POST", "/rewards/tips/{tip_id}/approve"): REWARD_TIP,
    ("POST", "/rewards/tips/{tip_id}/reject"): REWARD_TIP,
    ("POST", "/rewards/tips/{tip_id}/pay"): REWARD_TIP,
    ("POST", "/rewards/tips/{tip_id}/joint"): REWARD_TIP,
    ("POST", "/rewards/tips/{tip_id}/joint/remove"): REWARD_TIP,
    ("GET", "/rewards/ledger"): REWARDS,
    ("GET", "/rewards/ledger.csv"): REWARDS,
    ("GET", "/rewards/ledger.xlsx"): REWARDS,
}

#: Query strings a page needs to show anything at all (the same for every role).
QUERIES = {"/duplicates/group": "?kind=organisation&key={org}", "/organisations/one": "?key={org}",
           "/posters/poster.pdf": f"?unit={LEAD_UNIT}&lang=zh_Hans&paper=A4"}
#: The organisation named by the own tip and by the other county's tip.
ORGANISATIONS = {"own": "金色年华养老院", "other": "福寿康养老院"}
#: Fields that pass each form's own checks, so what decides is who is asking. VERSION is
#: replaced by the tip's current version.
VERSION, OUTCOME_VERSION = "<version>", "<outcome_version>"
FIELDS = {
    "/tips/{tip_id}/move": {"target": "accepted", "version": VERSION},
    "/tips/{tip_id}/reroute": {"unit": "990123-civil_affairs", "reason": "wrong county", "version": VERSION},
    "/tips/{tip_id}/extend": {"days": "5", "reason": "site visit", "public_reason": "We need more time.", "version": VERSION},
    "/tips/{tip_id}/note": {"text": "called the care home", "version": VERSION},
    "/tips/{tip_id}/outcome": {"penalty_decision_no": "x", "version": VERSION, "outcome_version": OUTCOME_VERSION},
    "/tips/{tip_id}/reveal": {"reason": "to call back", "version": VERSION},
    "/tips/{tip_id}/supervise": {"text": "Please accept this tip today."},
    "/tips/{tip_id}/translate/message": {"event": "1", "language": "en", "text": "translated"},
    "/tips/{tip_id}/translate/words": {"part": "description", "text": "translated"},
    "/tips/{tip_id}/assign": {"assignee": "officer", "version": VERSION},
    "/tips/{tip_id}/category": {"category": "care_service", "reason": "checked", "version": VERSION},
    "/tips/{tip_id}/contact": {"kind": "call", "direction": "out", "reached": "yes", "happened_at": "2026-11-26T09:30",
                               "summary": "called back"},
    "/queue/bulk": {"action": "accept", "tip": "987654"},  # the IDOR test tries it on a real tip
    "/intake": {"source": "phone", "language": "zh_Hans"},
    "/intake/{ref}/answer": {"answer": "no"},
    "/organisations/colour": {"key": "{org}", "colour": "red", "note": "many tips"},
    "/rewards/tips/{tip_id}/propose": {"amount": "500", "note": "x"},
    "/organisations/publish": {"key": "{org}"},  # the determination's fields missing: a coordinator is told so
    "/organisations/withdraw": {"key": "{org}", "reason": "decision revoked"},
    "/risk-list/objections/{objection_id}/answer": {"answer": "checked with the office"},
}
MISSING_TIP = 987654
#: Done last, in this order: they end the intake, send the tip elsewhere, end the session.
LAST = [("POST", "/intake/{ref}/discard"), ("POST", "/tips/{tip_id}/category"), ("POST", "/tips/{tip_id}/reroute"),
        ("POST", "/signout")]


def in_order(routes) -> list[tuple[str, str]]:
    return sorted(routes, key=lambda route: (LAST.index(route) if route in LAST else -1, route))


def console_routes(routes) -> set[tuple[str, str]]:
    """(method, path) of every route of the console, looking inside included routers."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if hasattr(route, "original_router"):
            found |= console_routes(route.original_router.routes)
        elif getattr(route, "methods", None):
            found |= {(method, route.path) for method in route.methods if method != "HEAD"}
    return found


def test_every_console_route_has_a_rule_in_the_table(core):
    routes = console_routes(create_app(core).routes)
    missing = sorted(routes - set(RULES))
    assert not missing, f"console routes with no access rule (add a row to RULES): {missing}"
    stale = sorted(set(RULES) - routes)
    assert not stale, f"rules for routes that no longer exist: {stale}"


#: Routes that refuse a role with another status than 403/404 (the same for every tip, audited).
REFUSED_WITH = {("POST", "/tips/{tip_id}/supervise"): 400}  # "only coordinators send supervision notices"


def allowed(outcome: int, location: str, route: tuple[str, str] | None = None) -> bool:
    return outcome not in (403, 404, REFUSED_WITH.get(route)) and not location.startswith("/signin")


async def _setup(core):
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": (), "public_risk_list": True})
    people = {role: await make_staff(core, role, role, UNIT_OF[role]) for role in ROLES}
    other_officer = await make_staff(core, "xihu", "officer", OTHER_UNIT)
    own_tip = (await file_tip(core, suspect_organisation=ORGANISATIONS["own"])).tip_id  # Donghu civil affairs leads
    other_tip = (await file_tip(core, region="990122")).tip_id  # Xihu civil affairs leads
    other_ref = (await start_intake(core, other_officer, source="phone", language="zh_Hans")).ref
    for tip_id in (own_tip, other_tip):  # file 1 of each tip: /tips/{tip_id}/files/1
        assert isinstance(await store_attachment(core, a_photo(), "photo.jpg", tip_id=tip_id), str)
    warning = await create_warning(core, people["coordinator"], WarningForm(  # /warnings/1: a draft in Donghu
        kind="warning", category="care_service", regions=("990121",), visible_until=date(2027, 1, 31),
        texts={"zh_Hans": ("养老院卖高价会员卡", "有人以养老院名义推销会员卡，付钱之前先打 96110。")}))
    assert warning.id == 1
    # The own tip's organisation on the public risk list, with an objection to answer: /risk-list/objections/1.
    key = organisation_key(ORGANISATIONS["own"])
    await set_colour(core, people["coordinator"], key, "red")
    entry = await publish(core, people["coordinator"], key, determination(core.today()))
    assert await object_to(core, Client.address("203.0.113.50"), entry.id, "We were never fined.", "0571-1234 5678",
                           "zh_Hans") is None
    return people, own_tip, other_tip, other_ref


async def _fields(core, path: str, tip_id: int | None, csrf: str) -> dict:
    fields = {"csrf": csrf, **FIELDS.get(path, {})}
    if tip_id is not None and VERSION in fields.values():
        seen = await tip_state(core, await get_staff(core, "coordinator"), tip_id)  # sees every tip
        state = {VERSION: seen.version if seen else "", OUTCOME_VERSION: (seen.outcome_version or "") if seen else ""}
        fields = {name: state.get(value, value) for name, value in fields.items()}
    return fields


async def _try(core, client, method: str, path: str, concrete: str, csrf: str, tip_id: int | None = None,
               scope: str = "own") -> tuple[int, str]:
    org = organisation_key(ORGANISATIONS[scope])
    url = concrete + QUERIES.get(path, "").replace("{org}", quote(org))
    if method == "GET":
        response = await client.get(url)
    else:
        fields = await _fields(core, path, tip_id, csrf)
        response = await client.post(url, data={name: value.replace("{org}", org) for name, value in fields.items()})
    assert response.status_code < 500, (method, url, response.status_code)
    return response.status_code, response.headers.get("location", "")


async def _refusals(core, actor: str, tip_id: int) -> int:
    async with core.db.session() as session:
        return len((await session.scalars(select(AuditEvent).where(
            AuditEvent.actor == actor, AuditEvent.tip_id == tip_id, AuditEvent.action.like("refused:%")))).all())


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_reaches_only_what_its_rule_allows_in_its_own_scope_and_no_other(core, role):
    people, own_tip, other_tip, other_ref = await _setup(core)
    routes = in_order(console_routes(create_app(core).routes) & set(RULES))
    wrong: list[str] = []
    async with client_for(core) as client:
        assert (await sign_in(client, role)).status_code == 303
        own_ref = None
        if RULES[("POST", "/intake")][role] == Y:
            own_ref = (await start_intake(core, people[role], source="phone", language="zh_Hans")).ref
        csrf = csrf_of((await client.get("/account")).text)
        for method, path in routes:
            expected = RULES[(method, path)]
            if expected == PUBLIC:
                await _try(core, client, method, path, path, csrf)  # anything but a server error
                continue
            scoped = "{tip_id}" in path or "{ref}" in path or path in QUERIES or path == "/organisations/colour"
            for scope in ("own", "other") if scoped else ("own",):
                tip_id = (own_tip if scope == "own" else other_tip) if "{tip_id}" in path else None
                concrete = path.replace("{tip_id}", str(tip_id)).replace("{number}", "1").replace("{warning_id}", "1").replace("{objection_id}", "1")
                concrete = concrete.replace("{ref}", (own_ref or other_ref) if scope == "own" else other_ref)
                audited_before = await _refusals(core, role, tip_id) if tip_id else 0
                status, location = await _try(core, client, method, path, concrete, csrf, tip_id, scope)
                region_wide = role in REGION_ROLES and "{ref}" not in path  # a phone intake is its operator's alone
                should = expected[role] == Y or (expected[role] == OWN and (scope == "own" or region_wide))
                if (method, path) == ("POST", "/signout"):
                    should, status, location = True, status, "" if status == 303 else location
                if allowed(status, location, (method, path) if expected[role] == N else None) != should:
                    wrong.append(f"{method} {concrete} ({scope}): {status} {location}, the rule says {expected[role]}")
                if not should and tip_id is not None:
                    # A hidden tip answers exactly like a missing one, and the attempt is audited.
                    missing, _ = await _try(core, client, method, path, path.replace("{tip_id}", str(MISSING_TIP)).replace("{number}", "1"), csrf)
                    if missing != status:
                        wrong.append(f"{method} {concrete}: {status}, but {missing} for a tip that does not exist")
                    if await _refusals(core, role, tip_id) <= audited_before:
                        wrong.append(f"{method} {concrete}: refused but not audited")
    assert not wrong, "\n".join(wrong)


async def test_signed_out_visitors_are_sent_to_sign_in_from_every_staff_route(core):
    _people, own_tip, _other_tip, other_ref = await _setup(core)
    async with client_for(core) as client:
        csrf = csrf_of((await client.get("/signin")).text)
        for method, path in in_order(console_routes(create_app(core).routes) & set(RULES)):
            if RULES[(method, path)] == PUBLIC:
                continue
            concrete = path.replace("{tip_id}", str(own_tip)).replace("{ref}", other_ref).replace("{number}", "1").replace("{warning_id}", "1").replace("{objection_id}", "1")
            status, location = await _try(core, client, method, path, concrete, csrf)
            if path == "/":  # the home page only points at the queue, which asks to sign in
                assert status == 303 and location == "/queue"
                continue
            assert (status == 303 and location.startswith("/signin")) or (method == "POST" and status == 403), \
                (method, concrete, status, location)


async def test_idor_on_tips_attachments_exports_and_rewards_answers_not_found_and_is_audited(core):
    """An officer of Xihu walks Donghu's ids: every answer is the page of a tip that does not
    exist, nothing of the tip is shown, and each attempt is in the audit log."""
    _people, own_tip, other_tip, _ref = await _setup(core)
    async with client_for(core) as client:
        await sign_in(client, "xihu")
        csrf = csrf_of((await client.get("/account")).text)
        nothing = await client.get("/tips/987654")
        probes = [
            await client.get(f"/tips/{own_tip}"),
            await client.get(f"/tips/{own_tip}/translate"),
            await client.post(f"/tips/{own_tip}/reveal", data={"csrf": csrf, "reason": "just looking"}),
            await client.post(f"/tips/{own_tip}/note", data={"csrf": csrf, "text": "x"}),
        ]
        bulk = await client.post("/queue/bulk", data={"csrf": csrf, "action": "accept", "tip": str(own_tip)})
        rewards = await client.get(f"/rewards/tips/{own_tip}")
        ledger = await client.get("/ledger.csv")
    for probe in probes:
        assert probe.status_code == 404, probe.request.url
        assert "金色年华" not in probe.text and "王秀英" not in probe.text
    assert probes[0].text == nothing.text  # nothing tells a hidden tip from a missing one
    assert rewards.status_code in (403, 404) and "金色年华" not in rewards.text
    assert bulk.status_code < 500 and "金色年华" not in bulk.text
    async with core.db.session() as session:
        assert (await session.get(Tip, own_tip)).status == "submitted"  # the bulk accept did not touch it
    assert ledger.status_code == 200 and "金色年华" not in ledger.text  # the unit's own ledger: no other unit's tips
    async with core.db.session() as session:
        refused = (await session.scalars(select(AuditEvent).where(AuditEvent.actor == "xihu",
                                                                   AuditEvent.action.like("refused:%")))).all()
    assert {event.tip_id for event in refused} >= {own_tip, 987654}
    assert len([event for event in refused if event.tip_id == own_tip]) >= len(probes)
