"""Published warnings and typical cases on the public site: the list (filtered by region and
kind of scam), one warning, and an Atom feed per language. Plain pages, no JavaScript; what is
withdrawn or past its last day is gone from all three at once (they read the core each time)."""
from __future__ import annotations

from xml.etree import ElementTree

from fastapi import APIRouter, Request
from fastapi.responses import Response

from i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGE_TAGS, LANGUAGES, N_, Translator, negotiate
from intake.domain.ids import parse_id
from intake.domain.warnings import KINDS, address_not_to_open, number_not_to_call
from intake.prevention.public import PublicWarning, count_view, published_warning, published_warnings
from intake.prevention.subscriptions import EmailForm, counties
from web_form.common import core_of, render, visitor_of

router = APIRouter()

#: The feed takes ?lang= as its own (a feed reader keeps no cookie): see language_links.
FEED_PATH = "/warnings.atom"
NOT_TRANSLATED = N_("This warning has not been translated into your language yet: it is shown in Chinese.")
FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"


def _choices(request: Request) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    deployment = core_of(request).deployment
    language = visitor_of(request).language
    regions = [(r.code, r.name.get(language)) for r in deployment.regions if not r.retired]
    categories = [(c.code, c.label.get(language)) for c in deployment.active_categories()]
    return regions, categories


def shown_warning(request: Request, warning: PublicWarning) -> dict:
    """What a template needs of one warning, in the reader's language."""
    deployment = core_of(request).deployment
    language = visitor_of(request).language
    return {
        "id": warning.id, "title": warning.title, "body": warning.body, "kind": KINDS[warning.kind],
        "text_lang": LANGUAGE_TAGS[warning.language], "translated": warning.translated,
        "category": deployment.category_label(warning.category, language),
        "regions": [deployment.region_name(code, language) for code in warning.regions],
        "do_not_call": [number_not_to_call(n) for n in warning.do_not_call],
        "do_not_open": [address_not_to_open(a) for a in warning.do_not_open],
        "published": warning.published_at, "until": warning.visible_until, "organisation": warning.organisation,
    }


async def list_context(request: Request, region: str = "", category: str = "") -> dict:
    """The list page's warnings, filters and subscription form (subscribe_pages shows it again with the form's errors)."""
    core = core_of(request)
    language = visitor_of(request).language
    regions, categories = _choices(request)
    region = region if region in dict(regions) else ""  # an unknown choice filters nothing
    category = category if category in dict(categories) else ""
    found = await published_warnings(core, language, region=region or None, category=category or None)
    return {"warnings": [shown_warning(request, w) for w in found], "regions": regions, "categories": categories, "region": region,
            "category": category, "feed": f"{FEED_PATH}?lang={language}",
            "counties": [(r.code, r.name.get(language)) for r in counties(core.deployment)],
            "languages": [(code, LANGUAGE_NAMES[code], LANGUAGE_TAGS[code]) for code in LANGUAGES],
            "subscribing": EmailForm(email="", region=region if region in {r.code for r in counties(core.deployment)} else "",
                                     language=language), "sub_errors": {}}


@router.get("/warnings")
async def list_page(request: Request, region: str = "", category: str = "") -> Response:
    return render(request, "warnings.html", **await list_context(request, region, category))


@router.get("/warnings/{warning_id}")
async def one_page(request: Request, warning_id: str) -> Response:
    number = parse_id(warning_id)
    warning = await published_warning(core_of(request), number, visitor_of(request).language) if number else None
    if warning is None:
        return render(request, "problem.html", status_code=404, problem_title=N_("This warning is not shown any more"),
                      problem_text=N_("There is no published warning at this address: it may have ended or been withdrawn. "
                                      "The list shows every warning in force."), problem_link=("/warnings", N_("All warnings")))
    await count_view(core_of(request), warning.id)
    return render(request, "warning.html", warning=shown_warning(request, warning), back="/warnings")


@router.get(FEED_PATH)
async def feed(request: Request, lang: str = "") -> Response:
    """An Atom feed of the warnings in force, in one language (`?lang=bo`; Chinese by default)."""
    core = core_of(request)
    language = negotiate(lang[:20]) or DEFAULT_LANGUAGE
    _ = Translator(language)
    base = (core.settings.public_base_url or str(request.base_url)).rstrip("/")
    found = await published_warnings(core, language, limit=FEED_ENTRIES)
    root = ElementTree.Element("feed", {"xmlns": ATOM, "xml:lang": LANGUAGE_TAGS[language]})
    _add(root, "title", _("Warnings about scams") + " – " + _("Elder-fraud tip-line"))
    _add(root, "id", f"{base}{FEED_PATH}?lang={language}")
    ElementTree.SubElement(root, "link", {"rel": "self", "href": f"{base}{FEED_PATH}?lang={language}"})
    ElementTree.SubElement(root, "link", {"rel": "alternate", "type": "text/html", "href": f"{base}/warnings?lang={language}"})
    latest = max((w.updated_at for w in found), default=core.clock.now())
    _add(root, "updated", latest.isoformat())
    _add(_add(root, "author"), "name", _("Elder-fraud tip-line"))
    for warning in found:
        entry = ElementTree.SubElement(root, "entry", {"xml:lang": LANGUAGE_TAGS[warning.language]})
        _add(entry, "title", warning.title)
        _add(entry, "id", f"{base}/warnings/{warning.id}")
        ElementTree.SubElement(entry, "link", {"rel": "alternate", "type": "text/html",
                                               "href": f"{base}/warnings/{warning.id}?lang={language}"})
        _add(entry, "published", warning.published_at.isoformat())
        _add(entry, "updated", warning.updated_at.isoformat())
        _add(entry, "category", None).set("term", warning.category)
        _add(entry, "content", _feed_text(warning, language, core.deployment.category_label(warning.category, language))
             ).set("type", "text")
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _add(parent: ElementTree.Element, tag: str, text: str | None = None) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag)
    element.text = text
    return element


def _feed_text(warning: PublicWarning, language: str, category: str) -> str:
    """The entry as plain text, the scam's numbers and addresses written so no reader links them."""
    _ = Translator(language)
    lines = [_(KINDS[warning.kind]) + " · " + category, ""]
    if not warning.translated:
        lines += [_(NOT_TRANSLATED), ""]
    lines.append(warning.body)
    if warning.do_not_call:
        lines += ["", _("Do not call:") + " " + ", ".join(number_not_to_call(n) for n in warning.do_not_call)]
    if warning.do_not_open:
        lines += ["", _("Do not open:") + " " + ", ".join(address_not_to_open(a) for a in warning.do_not_open)]
    lines += ["", _("Before you pay, call 96110. In danger, call 110.")]
    return "\n".join(lines)

