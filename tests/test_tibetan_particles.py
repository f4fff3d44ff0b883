"""A Tibetan case particle after a name agrees with the name's last letter (i18n/tibetan.py), in
the code's messages (Translator) and in the public site's pages (the Jinja environment)."""
from __future__ import annotations

import pytest

from i18n import Translator
from i18n.tibetan import with_particle
from web_form.rendering import make_environment

# name, genitive, agentive: the rules of the grammar (suffix ག ང; ད བ ས; ན མ ར ལ; open or འ).
FORMS = [
    ("ལྷ་ས", "ལྷ་སའི", "ལྷ་སས"),  # ས is the root letter here: no suffix
    ("ཏུང་ཧུའུ་རྫོང", "ཏུང་ཧུའུ་རྫོང་གི", "ཏུང་ཧུའུ་རྫོང་གིས"),
    ("ཞི་ཧུའུ་རྫོང་", "ཞི་ཧུའུ་རྫོང་གི", "ཞི་ཧུའུ་རྫོང་གིས"),  # a trailing tsheg is not doubled
    ("ཞིང", "ཞིང་གི", "ཞིང་གིས"),
    ("བོད", "བོད་ཀྱི", "བོད་ཀྱིས"),
    ("ཁམས", "ཁམས་ཀྱི", "ཁམས་ཀྱིས"),
    ("ཚོགས", "ཚོགས་ཀྱི", "ཚོགས་ཀྱིས"),  # the second suffix ས decides
    ("ཡུལ", "ཡུལ་གྱི", "ཡུལ་གྱིས"),
    ("ཁྲོམ", "ཁྲོམ་གྱི", "ཁྲོམ་གྱིས"),
    ("བསམ", "བསམ་གྱི", "བསམ་གྱིས"),  # a prefix, the root, a suffix
    ("སྒོ", "སྒོའི", "སྒོས"),
    ("དགའ", "དགའི", "དགའ་ཡིས"),
]


@pytest.mark.parametrize("name, genitive, agentive", FORMS)
def test_the_particle_follows_the_last_letter_of_the_name(name, genitive, agentive):
    for written in ("ཀྱི", "གི", "གྱི", "ཡི"):
        assert with_particle(name, written) == genitive
    for written in ("ཀྱིས", "གིས", "ཡིས"):
        assert with_particle(name, written) == agentive


def test_a_number_or_a_latin_name_keeps_the_particle_the_translator_wrote():
    assert with_particle("12", "ཡི") == "12 ཡི"
    assert with_particle("Lhasa", "ཀྱི") == "Lhasa ཀྱི"


def test_a_tibetan_message_names_a_county_with_the_right_particle():
    text = Translator("bo")("A new warning about scams in %(region)s, which you asked to hear about:", region="ཏུང་ཧུའུ་རྫོང")
    assert "ཏུང་ཧུའུ་རྫོང་གི་མགོ་སྐོར" in text and "རྫོང ཀྱི" not in text
    assert "ལྷ་སའི་མགོ་སྐོར" in Translator("bo")(
        "A new warning about scams in %(region)s, which you asked to hear about:", region="ལྷ་ས")


def test_a_tibetan_page_names_a_county_with_the_right_particle_and_still_escapes_it():
    template = make_environment("bo").from_string(
        '{{ _("Press the button to stop the e-mails about new warnings in %(region)s.", region=region) }}')
    page = template.render(region="ཏུང་ཧུའུ་རྫོང")
    assert "ཏུང་ཧུའུ་རྫོང་གི" in page and "རྫོང ཀྱི" not in page
    assert "&lt;b&gt;ལྷ་སའི" in template.render(region="<b>ལྷ་ས")
    english = make_environment("en").from_string(
        '{{ _("Press the button to stop the e-mails about new warnings in %(region)s.", region=region) }}')
    assert "Lhasa" in english.render(region="Lhasa")
