"""Routing: which unit leads a tip, which assist, how urgent it is, and why.

`route()` is a pure function of the tip's answers and the deployment (taxonomy, routing
table, directory). Every decision carries reasons staff can read in their language.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from i18n import N_, Translator
from intake.domain import joins
from intake.domain.deployment import Deployment
from intake.domain.questionnaire import DONT_KNOW


@dataclass(frozen=True)
class Reason:
    """A sentence for staff: a catalog msgid and its parameters. Parameters named category,
    kind, unit or region hold codes, shown as names in the reader's language."""

    message: str
    params: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"message": self.message, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: dict) -> Reason:
        return cls(data["message"], dict(data.get("params", {})))


@dataclass(frozen=True)
class RoutingDecision:
    lead: str | None  # unit code; None only when the directory has a hole (config check finds it)
    assisting: tuple[str, ...]
    priority: str  # "urgent", "high" or "normal"
    region: str  # the region the tip belongs to
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict:
        return {
            "lead": self.lead,
            "assisting": list(self.assisting),
            "priority": self.priority,
            "region": self.region,
            "reasons": [r.to_dict() for r in self.reasons],
        }


PRIORITIES = ("urgent", "high", "normal")


def tip_region(answers: dict, deployment: Deployment) -> tuple[str, Reason]:
    """The region a tip belongs to: where the suspect operates, or for phone and online
    scams where the victim lives; the whole deployment when the reporter does not know."""
    rule = deployment.rule_by_category.get(str(answers.get("category") or "other"))
    place, victim_home = _known_region(answers.get("region"), deployment), _known_region(answers.get("victim_region"), deployment)
    if rule is not None and rule.region == "victim_home":
        region = victim_home or place
        if region:
            return region, Reason(N_("Region %(region)s: where the person who was targeted lives (phone or online scam)."), {"region": region})
    elif place:
        return place, Reason(N_("Region %(region)s: where the suspect operates."), {"region": place})
    root = deployment.root_region().code
    return root, Reason(N_("Region unknown: the whole of %(region)s."), {"region": root})


def _known_region(value: object, deployment: Deployment) -> str | None:
    return str(value) if value and value != DONT_KNOW and str(value) in deployment.region_by_code else None


def find_unit(kind: str, region: str, deployment: Deployment) -> tuple[str | None, Reason | None]:
    """The unit of `kind` covering `region`, most specific first (county > city > province);
    failing that, the coordinating office of the nearest region."""
    path = deployment.region_path(region)
    for place in path:
        units = deployment.units_of(kind, place.code)
        if units:
            return units[0].code, None
    coordinating = deployment.routing.coordinating_kind
    for place in path:
        units = deployment.units_of(coordinating, place.code)
        if units:
            return units[0].code, Reason(
                N_("No %(kind)s covers %(region)s, so the campaign office %(unit)s takes its part."),
                {"kind": kind, "region": region, "unit": units[0].code},
            )
    return None, Reason(N_("No unit at all covers %(region)s for %(kind)s: tell the administrator."), {"kind": kind, "region": region})


def route(answers: dict, deployment: Deployment) -> RoutingDecision:
    category = str(answers.get("category") or "other")
    rule = deployment.rule_by_category.get(category) or deployment.rule_by_category["other"]
    region, region_reason = tip_region(answers, deployment)
    reasons = [region_reason]
    lead_kind = rule.lead
    assisting_kinds = list(rule.assisting)
    reasons.append(Reason(N_("Lead: %(kind)s, because the category is %(category)s."), {"kind": lead_kind, "category": category}))
    if assisting_kinds:
        reasons.append(Reason(N_("Assisting: %(kinds)s, by the routing table for %(category)s."), {"kinds": ",".join(assisting_kinds), "category": category}))

    police, online = deployment.routing.police_kind, deployment.routing.online_kind
    money_lost = isinstance(answers.get("money_lost"), int) and int(answers["money_lost"]) > 0
    paying_now = answers.get("urgent") == "yes"
    still_going = answers.get("ongoing") == "yes"
    escalate = paying_now or (money_lost and still_going)
    if escalate:
        if lead_kind != police:
            assisting_kinds.insert(0, lead_kind)
            lead_kind = police
        message = (
            N_("Police lead because the person targeted is being pressed to pay right now; the reporter was told to call 110.")
            if paying_now
            else N_("Police lead because money was lost and the scam is still going on; the reporter was told to call 110.")
        )
        reasons.append(Reason(message, {"kind": police}))
    if str(answers.get("suspect_online") or "").strip() and online not in (lead_kind, *assisting_kinds):
        assisting_kinds.append(online)
        reasons.append(Reason(N_("%(kind)s added because the suspect operates online."), {"kind": online}))

    lead, fallback = find_unit(lead_kind, region, deployment)
    if fallback:
        reasons.append(fallback)
    assisting: list[str] = []
    for kind in assisting_kinds:
        if kind == lead_kind:
            continue
        unit, fallback = find_unit(kind, region, deployment)
        if fallback:
            reasons.append(fallback)
        if unit and unit != lead and unit not in assisting:
            assisting.append(unit)

    if escalate:
        priority = "urgent"
    elif money_lost or answers.get("victim_age") == "80_plus":
        priority = "high"
    else:
        priority = "normal"
    return RoutingDecision(lead, tuple(assisting), priority, region, tuple(reasons))


def render_reason(reason: Reason, language: str, deployment: Deployment) -> str:
    params: dict[str, str] = {}
    for key, value in reason.params.items():
        if key == "category" and value in deployment.category_by_code:
            params[key] = deployment.category_by_code[value].label.get(language)
        elif key == "kind" and value in deployment.kind_by_code:
            params[key] = deployment.kind_by_code[value].name.get(language)
        elif key == "kinds":
            params[key] = joins.listed((deployment.kind_by_code[k].name.get(language) for k in value.split(",") if k in deployment.kind_by_code), language)
        elif key == "unit":
            params[key] = deployment.unit_name(value, language)
        elif key == "region" and value in deployment.region_by_code:
            params[key] = deployment.region_by_code[value].name.get(language)
        else:
            params[key] = value
    return Translator(language)(reason.message, **params)


def holes(deployment: Deployment) -> list[str]:
    """Every (category, region) for which routing would find no lead unit."""
    found = []
    for category in deployment.active_categories():
        rule = deployment.rule_by_category.get(category.code)
        if rule is None:
            found.append(f"category {category.code} has no routing rule")
            continue
        for region in deployment.regions:
            if region.retired:
                continue
            unit, _ = find_unit(rule.lead, region.code, deployment)
            if unit is None:
                found.append(f"category {category.code} in region {region.code} ({region.name.zh_Hans}) routes to no unit of kind {rule.lead} and no coordinating office")
    return found
