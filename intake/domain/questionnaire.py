"""The report questionnaire: every question, its order, choices, skip rules and validation.

Defined once, as data (the building blocks are in `steps`); the terminal chat, the web form and
the bot all walk this definition.
Question texts are catalog msgids (English source strings marked with N_); choices that are
deployment data (categories, regions) come from the Deployment.
"""
from __future__ import annotations

from i18n import N_
from intake.domain.steps import Kind, Offered, Option, Step, Unless, When, yes_no


#: The answer a reporter gives when they do not know; valid wherever a step allows it.
DONT_KNOW = "dont_know"
#: Money step: no money was lost.
NO_MONEY = "none"
#: The category a reporter chooses when not sure ("Something else, or not sure").
UNSURE_CATEGORY = "other"
#: What the conversation keeps in the answers when it suggests a category to a reporter who was not
#: sure (conversation.offer_category): the suggested category, the next two, the confidence and
#: the model version. Not a question: the "category_check" step asks about it.
CATEGORY_OFFER = "category_offer"
CATEGORY_CHECK = "category_check"
#: The answer to the check: still not sure (any other answer is a category code).
STILL_UNSURE = "still_unsure"
YES_THAT_IS_RIGHT = N_("Yes, that is right")
STILL_NOT_SURE = N_("Still not sure")

URGENT_NOTICE = N_(
    "Act now: if money is being paid or about to be paid, call the police on 110 at once. "
    "Do not transfer any money. For advice, call the anti-fraud line 96110. "
    "Then carry on with this report when you are safe."
)
#: The same warning once the report is sent: nothing is left to carry on with.
URGENT_AFTER_SENDING = N_(
    "If money is still being paid or is about to be paid, call the police on 110 now. "
    "Do not transfer any money. For advice, call the anti-fraud line 96110."
)

QUESTIONS: tuple[Step, ...] = (
    Step(
        "urgent",
        Kind.CHOICE,
        N_("Is money being paid to the suspected scammer right now, or is someone about to pay today?"),
        hint=N_("We ask this first so we can tell you at once what to do."),
        options=(
            Option("yes", N_("Yes, money is being paid or is about to be paid")),
            Option("no", N_("No, not now")),
            Option(DONT_KNOW, N_("I don't know")),
        ),
        notice_when=((When("urgent", "yes"), URGENT_NOTICE),),
        summary_label=N_("Money being paid right now"),
    ),
    Step(
        "reporting_for",
        Kind.CHOICE,
        N_("Who are you reporting for?"),
        options=(
            Option("self", N_("Myself")),
            Option("family", N_("A family member")),
            Option("other", N_("Someone else (a neighbour, a resident I look after, a client)")),
        ),
        summary_label=N_("Reporting for"),
    ),
    Step(
        "relationship",
        Kind.CHOICE,
        N_("How do you know the person who was targeted?"),
        skip_if=When("reporting_for", "self"),
        options=(
            Option("child", N_("I am their son or daughter")),
            Option("spouse", N_("I am their husband or wife")),
            Option("relative", N_("Another relative")),
            Option("neighbour", N_("Neighbour or friend")),
            Option("grid_worker", N_("Community or grid worker")),
            Option("care_staff", N_("Care-home or care staff")),
            Option("other", N_("Other")),
        ),
        summary_label=N_("Your relationship"),
    ),
    Step(
        "category",
        Kind.CATEGORY,
        N_("What was it about?"),
        hint=N_("Choose the closest one. If you are not sure, choose “Something else, or not sure”."),
        summary_label=N_("What it was about"),
    ),
    Step(
        "description",
        Kind.TEXT,
        N_("What happened? Please tell us in your own words."),
        hint=N_(
            "What happened is not your fault: scammers are skilled at fooling people. "
            "Tell us what was said or promised, who was involved and what happened next."
        ),
        min_chars=5,
        max_chars=5000,
        summary_label=N_("What happened"),
    ),
    Step(
        CATEGORY_CHECK,
        Kind.CHOICE,
        N_("It sounds like “%(category)s”. Is that right?"),
        hint=N_("We suggest this from what you wrote. Staff will check it too."),
        skip_if=Unless(Offered(CATEGORY_OFFER, after="description", when=When("category", UNSURE_CATEGORY))),
        choices_from=CATEGORY_OFFER,
        summary_label=N_("What it sounds like"),
    ),
    Step(
        "suspect_known",
        Kind.YES_NO,
        N_("Do you know anything about who did this, such as a company name, a person, a phone number or an address?"),
        options=yes_no(N_("Yes, I know"), N_("No, I don't know")),
        summary_label=N_("Know who did it"),
    ),
    Step(
        "suspect_organisation",
        Kind.TEXT,
        N_("What is the name of the company, shop or care home?"),
        required=False,
        skip_if=Unless(When("suspect_known", "yes")),
        max_chars=200,
        summary_label=N_("Company or organisation"),
    ),
    Step(
        "suspect_person",
        Kind.TEXT,
        N_("What is the name of the person, or what did they call themselves?"),
        required=False,
        skip_if=Unless(When("suspect_known", "yes")),
        max_chars=200,
        summary_label=N_("Name of the person who did it"),
    ),
    Step(
        "suspect_phone",
        Kind.PHONE,
        N_("What phone number did they use?"),
        required=False,
        skip_if=Unless(When("suspect_known", "yes")),
        summary_label=N_("Phone number of the person who did it"),
    ),
    Step(
        "suspect_address",
        Kind.TEXT,
        N_("What is their address, or where did you meet them?"),
        required=False,
        skip_if=Unless(When("suspect_known", "yes")),
        max_chars=300,
        summary_label=N_("Address of the person who did it"),
    ),
    Step(
        "suspect_online",
        Kind.TEXT,
        N_("Did they use a website, an app or a WeChat account? Write its name or ID."),
        required=False,
        skip_if=Unless(When("suspect_known", "yes")),
        max_chars=300,
        summary_label=N_("Website, app or WeChat"),
    ),
    Step(
        "region",
        Kind.REGION,
        N_("Where did this happen?"),
        hint=N_("Choose where the company, shop, care home or lecture hall is."),
        hint_when=(
            (When("category", "online_telecom"), N_("For a phone or online scam, choose where the person who was targeted lives.")),
        ),
        dont_know=True,
        summary_label=N_("Where"),
    ),
    Step(
        "place",
        Kind.TEXT,
        N_("Can you describe the place more exactly?"),
        hint=N_("For example a street, a housing estate or the name of the building."),
        required=False,
        max_chars=300,
        summary_label=N_("Place"),
    ),
    Step(
        "when",
        Kind.DATE,
        N_("When did it happen?"),
        hint=N_("A date such as 2026-11-03, or only a month such as 2026-10. It is fine if you do not know."),
        dont_know=True,
        summary_label=N_("When"),
    ),
    Step(
        "ongoing",
        Kind.YES_NO,
        N_("Is it still going on? For example, are they still calling, still selling or still asking for money?"),
        options=yes_no(N_("Yes, it is still going on"), N_("No, it has stopped")),
        dont_know=True,
        summary_label=N_("Still going on"),
    ),
    Step(
        "money_lost",
        Kind.MONEY,
        N_("How much money was lost or paid?"),
        hint=N_("Write the amount in yuan, for example 30000 or 3万."),
        options=(Option(NO_MONEY, N_("No money was lost")),),
        dont_know=True,
        summary_label=N_("Money lost"),
    ),
    Step(
        "payment_method",
        Kind.MULTI_CHOICE,
        N_("How was the money paid?"),
        hint=N_("Choose all that apply."),
        required=False,
        skip_if=When("money_lost", NO_MONEY),
        options=(
            Option("cash", N_("Cash")),
            Option("bank_transfer", N_("Bank transfer")),
            Option("mobile_payment", N_("WeChat Pay or Alipay")),
            Option("card", N_("Bank card")),
            Option("other", N_("Other")),
        ),
        dont_know=True,
        summary_label=N_("How it was paid"),
    ),
    Step(
        "victim_age",
        Kind.CHOICE,
        N_("How old is the person who was targeted?"),
        options=(
            Option("under_60", N_("Under 60")),
            Option("60_69", N_("60 to 69")),
            Option("70_79", N_("70 to 79")),
            Option("80_plus", N_("80 or older")),
        ),
        dont_know=True,
        summary_label=N_("Age"),
    ),
    Step(
        "victim_name",
        Kind.TEXT,
        N_("What is the name of the person who was targeted?"),
        hint=N_("Only staff handling the report can see it."),
        required=False,
        skip_if=When("reporting_for", "self"),
        personal=True,
        max_chars=100,
        summary_label=N_("Name of the person targeted"),
    ),
    Step(
        "victim_phone",
        Kind.PHONE,
        N_("What is their phone number?"),
        hint=N_("Only staff handling the report can see it."),
        required=False,
        skip_if=When("reporting_for", "self"),
        personal=True,
        summary_label=N_("Phone number of the person targeted"),
    ),
    Step(
        "victim_region",
        Kind.REGION,
        N_("Where does the person who was targeted live?"),
        required=False,
        skip_if=When("reporting_for", "self"),
        dont_know=True,
        summary_label=N_("Where the person targeted lives"),
    ),
    Step(
        "evidence",
        Kind.FILES,
        N_("Do you have photos or files, such as receipts, contracts, leaflets or chat screenshots?"),
        hint=N_("You can add up to 10 files. Photos are stored without their location data."),
        required=False,
        needs="files",
        summary_label=N_("Evidence"),
    ),
    Step(
        "contact_mode",
        Kind.CHOICE,
        N_("Would you like to give your name?"),
        hint=N_(
            "You can stay anonymous. If you give your name and phone number, staff can call you back, "
            "and a confirmed report can earn a reward. Your name is only shown to the staff handling the report."
        ),
        options=(
            Option("anonymous", N_("No, I want to stay anonymous")),
            Option("named", N_("Yes, I will give my name and phone number")),
        ),
        summary_label=N_("Name given"),
    ),
    Step(
        "reporter_name",
        Kind.TEXT,
        N_("What is your name?"),
        skip_if=Unless(When("contact_mode", "named")),
        personal=True,
        max_chars=100,
        summary_label=N_("Your name"),
    ),
    Step(
        "reporter_phone",
        Kind.PHONE,
        N_("What is your phone number?"),
        hint=N_("If you stay anonymous, we use it only to send you progress notices."),
        hint_when=((When("contact_mode", "named"), N_("Staff handling the report may call you on this number.")),),
        required=When("contact_mode", "named"),
        personal=True,
        summary_label=N_("Your phone number"),
    ),
    Step(
        "reporter_email",
        Kind.EMAIL,
        N_("What is your e-mail address?"),
        hint=N_("Only if you would like progress notices by e-mail."),
        required=False,
        personal=True,
        summary_label=N_("Your e-mail"),
    ),
    Step(
        "notify",
        Kind.YES_NO,
        N_("Would you like us to tell you about progress on your report?"),
        hint=N_("You can also look it up at any time with the tracking code you get at the end."),
        options=yes_no(N_("Yes, please tell me"), N_("No, thank you")),
        summary_label=N_("Progress notices"),
    ),
    Step(
        "consent",
        Kind.YES_NO,
        N_("Do you agree that we pass this report to the government offices that check it?"),
        hint=N_(
            "We use your report only to check and stop this scam. Your name and phone number are stored "
            "encrypted and shown only to the staff who handle it. We never ask you for money, bank card "
            "numbers, passwords or verification codes."
        ),
        options=yes_no(N_("Yes, I agree"), N_("No, I do not agree")),
        summary_label=N_("Agreed to pass on the report"),
    ),
)

STEP_BY_KEY: dict[str, Step] = {step.key: step for step in QUESTIONS}
PERSONAL_KEYS: frozenset[str] = frozenset(step.key for step in QUESTIONS if step.personal)


def checked_category(answers: dict) -> str | None:
    """The category a reporter who was not sure took from the suggestion (the offered one or one
    of the next two), or None: routing follows it; staff still confirm."""
    value = answers.get(CATEGORY_CHECK)
    return value if isinstance(value, str) and value != STILL_UNSURE else None
