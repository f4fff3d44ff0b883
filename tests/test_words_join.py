"""Issue 17, item 2: the punctuation the code adds between words reads right in each language.
A label and its answer, a list of answers and a place's name are joined through
`intake.domain.joins` on the bot's check screen, the web form's check page and the status page:
Chinese "付款方式：现金、微信支付或支付宝", Tibetan with no "།:" and names joined with a tsheg,
English "How it was paid: Cash, WeChat Pay or Alipay"."""
from __future__ import annotations

import pytest

from i18n import N_
from intake.casework.casework import move_tip
from intake.domain import joins
from intake.domain.routing import Reason, render_reason
from tests.bot_harness import Choose, Multi, answer_until, fake_telegram, new_user, running_bot  # noqa: F401
from tests.factories import file_tip, staff
from tests.test_terminal_chat import SELF_ANONYMOUS, make_chat
from tests.walk import ANSWERS_ANONYMOUS_SELF
from tests.webclient import Reporter, text_of, web_client

LANGUAGE_BUTTONS = {"zh_Hans": "中文", "bo": "བོད་ཡིག", "en": "English"}

#: What a reader sees for "paid in cash and by WeChat Pay", "in Donghu county" and "still going on".
SEEN = {
    "zh_Hans": {"paid": "现金、微信支付或支付宝", "where": "青山市东湖县",
                "lines": ["付款方式：现金、微信支付或支付宝", "地点：青山市东湖县", "是否仍在继续：还在继续"]},
    "bo": {"paid": "དངུལ་དངོས། ཝེ་ཤིན་དངུལ་སྤྲོད་དམ་ཀྲི་ཧྥུ་པའོ།", "where": "ཆིང་ཧྲན་གྲོང་ཁྱེར་ཏུང་ཧུའུ་རྫོང",
           "lines": ["དངུལ་སྤྲོད་སྟངས། དངུལ་དངོས། ཝེ་ཤིན་དངུལ་སྤྲོད་དམ་ཀྲི་ཧྥུ་པའོ།",
                     "ས་གནས། ཆིང་ཧྲན་གྲོང་ཁྱེར་ཏུང་ཧུའུ་རྫོང",
                     "ད་དུང་མུ་མཐུད་བཞིན་ཡོད་མེད། ད་དུང་མུ་མཐུད་བཞིན་ཡོད།"]},
    "en": {"paid": "Cash, WeChat Pay or Alipay", "where": "Donghu County, Qingshan City",
           "lines": ["How it was paid: Cash, WeChat Pay or Alipay", "Where: Donghu County, Qingshan City",
                     "Still going on: Yes, it is still going on"]},
}
UNIT_NAMES = {"zh_Hans": "东湖县民政局", "bo": "ཏུང་ཧུའུ་རྫོང་དམངས་སྲིད་ཅུས", "en": "Donghu County Civil Affairs Bureau"}


# --- the joiners ---------------------------------------------------------------------------------

def test_a_label_and_its_answer_are_joined_as_each_language_writes_them():
    assert joins.labelled("是否仍在继续", "还在继续", "zh_Hans") == "是否仍在继续：还在继续"
    assert joins.labelled("Still going on", "No", "en") == "Still going on: No"
    # Tibetan has no colon: the label is a phrase closed by its shad, the answer follows after a space.
    assert joins.labelled("ད་དུང་མུ་མཐུད་བཞིན་ཡོད་མེད།", "མེད།", "bo") == "ད་དུང་མུ་མཐུད་བཞིན་ཡོད་མེད། མེད།"
    assert joins.labelled("སུས་བྱས་པ་ཤེས་མིན", "ཡོད།", "bo") == "སུས་བྱས་པ་ཤེས་མིན། ཡོད།"  # a shad added where missing


@pytest.mark.parametrize("phrase,closed", [
    ("ཡོད", "ཡོད།"), ("ཡོད།", "ཡོད།"), ("ཁ་པར་", "ཁ་པར།"),
    ("མིང་", "མིང་།"), ("མིང", "མིང་།"),  # after ང a tsheg comes before the shad
    ("ཁྱིམ་མི་ཞིག", "ཁྱིམ་མི་ཞིག"), ("ཐོབ་ཐང་ཡོད་པ་བཀག", "ཐོབ་ཐང་ཡོད་པ་བཀག"),  # none after a final ག or ཀ
    ("+8613800138000", "+8613800138000"),  # not Tibetan: left as it is
])
def test_a_tibetan_phrase_is_closed_by_the_rules_of_translating_md(phrase, closed):
    assert joins.with_shad(phrase) == closed


def test_answers_in_a_row_and_names_from_parts_follow_each_language():
    assert joins.listed(["现金", "微信支付或支付宝"], "zh_Hans") == "现金、微信支付或支付宝"
    assert joins.listed(["Cash", "WeChat Pay or Alipay"], "en") == "Cash, WeChat Pay or Alipay"
    assert joins.listed(["དངུལ་དངོས།", "དངུལ་ཁང་གི་ཁཱ་ཌ"], "bo") == "དངུལ་དངོས། དངུལ་ཁང་གི་ཁཱ་ཌ།"
    assert joins.place(["东湖县", "青山市"], "zh_Hans") == "青山市东湖县"
    assert joins.place(["ཏུང་ཧུའུ་རྫོང", "ཆིང་ཧྲན་གྲོང་ཁྱེར"], "bo") == "ཆིང་ཧྲན་གྲོང་ཁྱེར་ཏུང་ཧུའུ་རྫོང"
    assert joins.place(["Donghu County", "Qingshan City"], "en") == "Donghu County, Qingshan City"
    assert joins.compound(["ཏུང་ཧུའུ་རྫོང་", "དམངས་སྲིད་ཅུས།"], "bo") == "ཏུང་ཧུའུ་རྫོང་དམངས་སྲིད་ཅུས"  # one tsheg, no shad inside


def test_a_units_name_is_its_region_and_kind_joined_in_each_language(deployment):
    for language, name in UNIT_NAMES.items():
        assert deployment.unit_name("990121-civil_affairs", language) == name


# --- the bot's check screen ----------------------------------------------------------------------

BOT_ANSWERS = {
    "urgent": Choose("no"),
    "reporting_for": Choose("self"),
    "category": Choose("care_product"),
    "description": "Free lectures every week and then pills for 2000 yuan a box.",
    "suspect_known": Choose("no"),
    "region": Choose("990121"),
    "when": "2026-10",
    "ongoing": Choose("yes"),
    "money_lost": "2000",
    "payment_method": Multi(("cash", "mobile_payment")),
    "victim_age": Choose("80_plus"),
    "contact_mode": Choose("anonymous"),
    "notify": Choose("no"),
    "consent": Choose("yes"),
}


@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
async def test_the_bots_check_screen_joins_labels_and_answers_in_the_readers_language(core, fake_telegram, running_bot, language):
    await running_bot()
    user = new_user(fake_telegram, language_code=None)
    await user.send("/start")
    await user.press(LANGUAGE_BUTTONS[language])
    assert await answer_until(user, core, language, BOT_ANSWERS) == "__review__"
    screen = user.last_with_buttons().text
    lines = screen.splitlines()
    for line in SEEN[language]["lines"]:
        assert line in lines, screen
    if language == "bo":
        assert "།:" not in screen and ": " not in screen
    if language == "zh_Hans":
        assert ": " not in screen and ", " not in screen


async def test_the_tibetan_phone_numbers_line_has_a_tsheg_before_each_number(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram, language_code=None)
    await user.send("/start")
    shown = await user.press(LANGUAGE_BUTTONS["bo"])
    phones = next(m.text for m in shown if "96110" in m.text)
    assert "ཛ་དྲག་ 110" in phones and "འགོག་པའི་ཁ་པར་ 96110" in phones and "ཁ་པར་ 12345" in phones


# --- the web form's check page -------------------------------------------------------------------

@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
async def test_the_web_check_page_lists_answers_and_names_places_in_the_readers_language(core, language):
    answers = {**ANSWERS_ANONYMOUS_SELF, "region": "990121", "ongoing": "yes", "payment_method": ["cash", "mobile_payment"]}
    async with web_client(core, language=language) as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk(answers, stop_at="region")
        assert SEEN[language]["where"] in text_of(reporter.page)  # the choice's own label
        await reporter.walk(answers)
        assert reporter.url == "/report/review"
        page = text_of(reporter.page)
    assert SEEN[language]["paid"] in page and SEEN[language]["where"] in page
    if language == "bo":
        assert "ཆིང་ཧྲན་གྲོང་ཁྱེར ཏུང" not in page


# --- the status page -----------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
async def test_the_status_page_names_the_unit_as_its_language_writes_it(core, language):
    receipt = await file_tip(core, language=language)
    officer = await staff(core, f"officer-{language.lower()}", "officer", "990121-civil_affairs")
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    async with web_client(core, language=language) as client:
        reporter = Reporter(client)
        await reporter.get("/status")
        await reporter.post("/status", {"code": receipt.code})
        page = text_of(reporter.page)
    assert UNIT_NAMES[language] in page
    if language == "bo":
        assert "ཏུང་ཧུའུ་རྫོང དམངས" not in page


def test_a_routing_reason_lists_the_assisting_offices_as_each_language_writes_a_list(deployment):
    reason = Reason(N_("Assisting: %(kinds)s, by the routing table for %(category)s."),
                    {"kinds": "civil_affairs,police", "category": "care_service"})
    assert "民政局、公安局" in render_reason(reason, "zh_Hans", deployment)
    assert "Civil Affairs Bureau, Public Security Bureau (police)" in render_reason(reason, "en", deployment)
    assert "དམངས་སྲིད་ཅུས། སྤྱི་བདེ་ཅུས (ཉེན་རྟོག་པ)" in render_reason(reason, "bo", deployment)


# --- the terminal chat's check -------------------------------------------------------------------

TERMINAL_SEEN = {
    "zh_Hans": ("否", "不需要", ["付款方式：现金、微信支付或支付宝", "是否知道对方：不知道", "进展通知：不需要"]),
    "bo": ("མིན", "མི་དགོས", ["དངུལ་སྤྲོད་སྟངས། དངུལ་དངོས། ཝེ་ཤིན་དངུལ་སྤྲོད་དམ་ཀྲི་ཧྥུ་པའོ།", "སུས་བྱས་པ་ཤེས་མིན། མེད།",
                               "གནས་བབ་ཀྱི་བརྡ་ཐོ། མི་དགོས།"]),
    "en": ("no", "No, thank you", ["How it was paid: Cash, WeChat Pay or Alipay", "Know who did it: No, I don't know",
                                    "Progress notices: No, thank you"]),
}


@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
async def test_the_terminal_chats_check_joins_and_answers_yes_no_in_the_readers_language(core, language):
    plain_no, no_thanks, lines = TERMINAL_SEEN[language]
    typed = list(SELF_ANONYMOUS)
    typed[4], typed[10], typed[15] = plain_no, "1,3", no_thanks  # know the suspect; paid in cash and by WeChat; notices
    chat, console = make_chat(core, typed)
    assert await chat.run(language) is not None
    output = console.export_text()
    for line in lines:
        assert line in output, output[-3000:]
