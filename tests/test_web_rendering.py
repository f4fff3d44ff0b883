"""The public site's per-language template environments (web_form/rendering.py): templates have
their constant `_()` texts translated once, at compile time, and every page must come out byte
for byte as the plain environment (gettext called on every page) renders it."""
from __future__ import annotations

import pytest

from i18n import LANGUAGE_TAGS, LANGUAGES, translations
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import Reporter, web_client
from web_form import rendering


def _plain_render(env, template: str, language: str, **context) -> str:
    token = rendering._catalog.set(translations(language))
    try:
        return env.get_template(template).render(**context)
    finally:
        rendering._catalog.reset(token)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_wizard_page_is_what_the_plain_environment_renders(core, monkeypatch, language):
    plain = rendering.make_environment()
    compared: list[str] = []
    page = rendering.Renderer.page

    def both(self, request, template, *, status_code=200, **context):  # noqa: ANN001, ANN202
        response = page(self, request, template, status_code=status_code, **context)
        visitor = request.state.visitor
        expected = _plain_render(
            plain, template, visitor.language, request=request, visitor=visitor, lang=visitor.language,
            html_lang=LANGUAGE_TAGS[visitor.language], csrf_token=request.state.csrf_token,
            here=rendering._here(request), translation_check_phone=self.translation_check_phone.get(visitor.language),
            **context)
        assert response.body == expected.encode(), template
        compared.append(template)
        return response

    monkeypatch.setattr(rendering.Renderer, "page", both)
    async with web_client(core, language=language) as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk(ANSWERS_FOR_MOTHER, stop_at="description")
        await reporter.answer("")  # a required answer left empty: the page again, with its error
        await reporter.walk(ANSWERS_FOR_MOTHER)
        await reporter.send()
        await reporter.get("/status")
    assert {"start.html", "question.html", "review.html", "confirmation.html", "status_form.html"} <= set(compared)


@pytest.mark.parametrize("language", LANGUAGES)
def test_constant_texts_are_folded_with_the_same_escaping_and_formatting(language):
    source = (
        '{{ _("Continue") }}|{{ _("You can add at most %(max)s files.", max="<b>") }}|'
        '{{ _(message) }}|{% if _("Back") %}{{ _("Back")|length }}{% endif %}|{{ _("Back") ~ "<i>" }}'
    )
    context = {"n": 3, "message": "Back"}
    token = rendering._catalog.set(translations(language))
    try:
        got = rendering.make_environment(language).from_string(source).render(**context)
        want = rendering.make_environment().from_string(source).render(**context)
    finally:
        rendering._catalog.reset(token)
    assert got == want
    assert "&lt;b&gt;" in got and "&lt;i&gt;" in got  # values and concatenations are still escaped


def test_a_constant_text_is_translated_when_the_template_is_compiled():
    folded = rendering.make_environment("zh_Hans").compile('{{ _("Continue") }}', raw=True)
    plain = rendering.make_environment().compile('{{ _("Continue") }}', raw=True)
    assert "resolve('_')" in plain and "resolve('_')" not in folded
    assert "yield '继续'" in folded
