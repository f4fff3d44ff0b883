"""Warnings for tests: two coordinators of the whole city, a form, and a warning taken through
the two-person rule to the public site."""
from __future__ import annotations

import datetime

from intake.prevention.warnings import WarningForm, approve_warning, create_warning, propose_warning
from tests.factories import staff

CITY_UNIT = "990100-coordination"  # the city: every county is inside it
COUNTY = "990121"
OTHER_COUNTY = "990123"

ZH_TITLE, ZH_BODY = "冒充养老院收取“床位费”", "有人冒充养老院工作人员，以预订床位为名要求老人先交费。交钱前请先打96110核实。"
BO_TITLE, BO_BODY = "རྒན་གསོ་ཁང་གི་མིང་ཐོག་ནས་ཁྲི་གདན་གྱི་གླ་བ་བསྡུ་བ།", "ཁྲི་གདན་སྔོན་འགོག་ཟེར་ནས་རྒན་པོ་ལ་སྔོན་ལ་དངུལ་སྤྲོད་དགོས་ཟེར། དངུལ་མ་སྤྲོད་གོང་96110 ལ་ཁ་པར་གཏོང་རོགས།"
EN_TITLE, EN_BODY = "Fake care home 'bed fees'", "People pretending to be care home staff ask for a fee to book a bed. Call 96110 before paying."


async def coordinators(core, *names: str):
    return [await staff(core, name, "coordinator", CITY_UNIT, language="en") for name in names]


def a_form(*, texts: dict | None = None, regions=(COUNTY,), category="care_service", kind="warning",
           until: datetime.date | None = None, do_not_call=("138 0013 8000",), do_not_open=("https://yanglao-bed.example/pay",),
           today: datetime.date = datetime.date(2026, 11, 27), organisation: str = "") -> WarningForm:
    return WarningForm(
        kind=kind, category=category, regions=tuple(regions), visible_until=until or today + datetime.timedelta(days=30),
        texts=texts if texts is not None else {"zh_Hans": (ZH_TITLE, ZH_BODY)},
        do_not_call=tuple(do_not_call), do_not_open=tuple(do_not_open), organisation=organisation)


async def a_published_warning(core, *, form: WarningForm | None = None, writer: str = "zhou", approver: str = "qian"):
    wrote, approves = await coordinators(core, writer, approver)
    warning = await create_warning(core, wrote, form or a_form(today=core.today()))
    await propose_warning(core, wrote, warning.id)
    return await approve_warning(core, approves, warning.id, nothing_identifies=True)
