"""The console's per-language template environments (console/web.py): templates have their
constant `_()` texts translated once, when compiled, and every page must come out byte for byte
as a plain environment (the translator called on every page) renders it."""
from __future__ import annotations

import pytest
from jinja2 import Environment

from console import web
from console.i18n import CONSOLE_LANGUAGES, ConsoleTranslator
from intake.casework.casework import move_tip
from intake.staff.staff import get_staff
from tests.console_support import LEAD_UNIT, client_for, make_staff, sign_in
from tests.factories import file_tip


def _plain(folded: Environment) -> Environment:
    """An environment like `folded` that folds nothing."""
    plain = Environment(loader=folded.loader, autoescape=folded.autoescape, trim_blocks=True, lstrip_blocks=True)
    plain.filters.update(folded.filters)
    plain.globals.update(folded.globals)
    return plain


@pytest.mark.parametrize("language", CONSOLE_LANGUAGES)
async def test_every_console_page_is_what_the_plain_environment_renders(core, monkeypatch, language):
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})
    await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language=language)
    await make_staff(core, "wang", "officer", LEAD_UNIT, language=language)
    await make_staff(core, "chen", "coordinator", "990100-coordination", language=language)
    fresh = (await file_tip(core)).tip_id
    checked = (await file_tip(core)).tip_id
    await move_tip(core, checked, "accepted", staff=await get_staff(core, "zhao"))
    await move_tip(core, checked, "verifying", staff=await get_staff(core, "zhao"))
    compared: list[str] = []
    render = web.Console.render

    def both(self, viewer, template, *, status_code=200, **context):  # noqa: ANN001, ANN202
        response = render(self, viewer, template, status_code=status_code, **context)
        folded = self.envs[viewer._.language]
        staff = viewer.staff
        expected = _plain(folded).get_template(template).render(
            _=viewer._, core_=viewer.core_, language=viewer.language, lang_tag=web.LANGUAGE_TAGS[viewer.language],
            language_names=web.LANGUAGE_NAMES, language_tags=web.LANGUAGE_TAGS, console_languages=CONSOLE_LANGUAGES,
            staff=staff, csrf=viewer.session.csrf,
            role_label=viewer.core_(web.ROLE_LABELS[web.Role(staff.role)]) if staff else "", **context)
        assert response.body == expected.encode(), template
        compared.append(template)
        return response

    monkeypatch.setattr(web.Console, "render", both)
    for username in ("zhao", "wang", "chen"):
        async with client_for(core) as client:
            await client.get("/signin")
            await sign_in(client, username)
            for path in ("/queue", "/queue?q=王&view=new", "/queue?from=2026-13-01", f"/tips/{fresh}", f"/tips/{checked}",
                         f"/tips/{checked}/sheet", "/account", "/translations", "/duplicates", "/tips/999999"):
                assert (await client.get(path)).status_code in (200, 400, 404), path
    assert {"signin.html", "queue.html", "tip.html", "sheet.html", "account.html", "message.html"} <= set(compared)


@pytest.mark.parametrize("language", CONSOLE_LANGUAGES)
def test_constant_texts_are_folded_with_the_same_escaping_and_formatting(core, language):
    source = ('{{ _("Queue") }}|{{ _("Tip %(id)s", id="<b>") }}|{{ _(message) }}|{{ _("100%% sure") }}|'
              '{% if _("Queue") %}{{ _("Queue")|length }}{% endif %}|{{ _("Queue") ~ "<i>" }}|<a title="{{ _("A “quoted” & <odd> text") }}">')
    folded = web.Console(core).envs[language]
    context = {"_": ConsoleTranslator(language), "message": "Queue"}
    got = folded.from_string(source).render(**context)
    assert got == _plain(folded).from_string(source).render(**context)
    assert "&lt;b&gt;" in got and "&lt;i&gt;" in got and "100%% sure" in got and "&amp; &lt;odd&gt;" in got


def test_a_constant_text_is_translated_when_the_template_is_compiled(core):
    folded = web.Console(core).envs["zh_Hans"]
    compiled = folded.compile('{{ _("Queue") }}', raw=True)
    assert "resolve('_')" not in compiled and ConsoleTranslator("zh_Hans")("Queue") in compiled
    assert "resolve('_')" in _plain(folded).compile('{{ _("Queue") }}', raw=True)
