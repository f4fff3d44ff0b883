"""The bot's own words (catalog msgids, English source strings marked with N_).

The questions themselves come from the questionnaire (intake); these are only what a chat
needs around them: buttons, commands, kind refusals.
"""
from __future__ import annotations

from i18n import N_
from intake.domain.channel_kit.texts import (  # noqa: F401 - the chat channels' shared words
    ADD_QUESTION, ANSWER_THIS, CHECK_ANSWERS, CHOOSE_LANGUAGE, FILES_HERE, FILE_NOT_DOWNLOADED, FILE_TOO_BIG,
    NOT_ADDED, NOTHING_TO_CANCEL, OFFICER_WRITES, OPTIONAL, PHONES, PHOTO_REPLY, READY_TO_CHECK, REPLY_PIN, REPLY_SAVED,
    RESUME_NO, RESUME_QUESTION, RESUME_YES, SENT, SLOW_DOWN, STARTING_OVER, STATUS_PAGE, STATUS_TITLE, TRACKING_CODE,
    UNKNOWN_CODE, VOICE_ANSWER, VOICE_TAKEN, WELCOME, WHAT_NOW, WRITE_DOWN,
)

LANGUAGE_SET = N_("Language: %(language)s. You can change it at any time with /language.")
NO_WARNINGS = N_("There is no warning in force just now. That does not mean there is no scam: before you pay, call 96110.")
WARNINGS_HEADING = N_("Warnings about scams going on now (the newest %(count)s). Before you pay, call 96110.")
SUBSCRIBE_ASK = N_("Do you want to hear of new warnings in your county here? Choose the county; press it again to stop.")
SUBSCRIBED_TO = N_("You hear of new warnings in: %(regions)s.")
SUBSCRIBE_DONE = N_("Done: you will hear of new warnings in %(region)s here. To stop, press the button under any of them or send /warnings.")
UNSUBSCRIBE_DONE = N_("Done: no more warnings about %(region)s.")
UNSUBSCRIBE_BUTTON = N_("Stop the warnings about %(region)s")
SUBSCRIBED_MARK = N_("%(region)s (on: press to stop)")
HELP = N_(
    "Answer each question with the buttons, or type your answer. "
    "Back goes to the question before; Start over begins the report again. "
    "Commands: /language to change the language, /cancel to delete this report, "
    "/mytips to see your reports, /status followed by a tracking code to see a report's progress, "
    "/check followed by a name, phone number or web address to check before you pay."
)
HELP_WARNINGS = N_("/warnings shows the warnings about scams going on now; there you can also ask to hear of new ones in your county.")
# The channel kit's count of questions left (Prompt.left): it only goes down as the reporter answers.
TYPE_OR_PRESS = N_("Type your answer, or press a button.")
PRESS_OR_TYPE_NUMBER = N_("Press a button, or type its number.")
CHOOSE_SEVERAL = N_("Choose all that apply, then press Done.")

BACK = N_("⬅ Back")
START_OVER = N_("Start over")
HELP_BUTTON = N_("Help")
SKIP = N_("Leave it out")
DONE = N_("Done")
SHOW_EXAMPLES = N_("Show examples")
FILES_DONE = N_("No more files, continue")
FILES_NONE = N_("I have no files, continue")
NO_FILES = N_("No files")

START_OVER_QUESTION = N_("Start again from the first question? The answers you gave will be deleted.")
START_OVER_YES = N_("Yes, start again")
START_OVER_NO = N_("No, carry on")
CANCELLED = N_("Your unfinished report was deleted. Send /start to begin a new one.")
EXPIRED_BUTTON = N_("This button has expired. Please use the buttons of the latest question.")

TEXT_EXPECTED = N_("We cannot read this kind of message here. Please answer with words, or press a button.")
FILE_RECEIVED = N_("Thank you, the file was added (%(count)s of %(max)s). Send more, or press the button to continue.")
FILES_ONLY_HERE = N_("Please send photos, documents or voice notes here, or press the button to continue.")

SEND_REPORT = N_("Send the report")
CHANGE = N_("Change: %(label)s")
CHECK_HINT = N_("If everything is right, press “Send the report”. To correct an answer, press its button.")

STATUS_HINT = N_("To see the progress at any time, send: /status %(code)s")
NOTICES_HERE = N_("We will send you every step of the check in this chat.")

IDLE = N_("To report a scam, send /start. To see your reports, send /mytips.")
NO_TIPS = N_("You have not sent a report from this chat yet. Send /start to report a scam.")
MY_TIPS = N_("Your reports:")
MY_TIP_LINE = N_("%(date)s · %(category)s · %(status)s")
MY_TIP_CODE = N_("Tracking code: %(code)s")
STATUS_USAGE = N_("Please send the tracking code after the command, for example: /status 4821 0937 5562")

ADD_YES = N_("Yes, add it")
ADD_NO = N_("No")

LINKED = N_("This chat will now receive the progress notices of your report.")
LINK_UNKNOWN = N_("This link has expired or was already used. You can still follow your report with its tracking code.")

RATE_QUESTION = N_("Are you satisfied with how your report was handled?")
RATE_THANKS = N_("Thank you for telling us.")
EDIT_TAKEN = N_("Thank you: your answer was corrected.")
EDIT_KEPT = N_("Your earlier answer is kept.")
EDIT_TOO_LATE = N_(
    "Changing a message you already sent does not change your report. To change an earlier answer, "
    "press “%(back)s” under the question, or the answer's button on the “%(check)s” page before you send the report."
)
EDIT_NOT_READ = N_("Changing a message you already sent does not change anything here. Please send the correction as a new message.")
PRIVATE_CHAT_ONLY = N_("Please write to me in a private chat, so that nobody else reads your report.")
RATE_WHAT_WENT_WRONG = N_("We are sorry. What went wrong? If you like, write it in one message. The people in charge "
                          "read it without your name.")
LEAVE_OUT = N_("Leave it out")
SORRY_TRY_AGAIN = N_(
    "Sorry, we could not take your last message just now because of a problem on our side. "
    "What you sent before is kept. Please send it again in a minute."
)
ANSWER_KEPT = N_(
    "Your answer is saved. Because of a problem on our side we cannot show the next question just now: "
    "please send /help in a minute to see it."
)

# /check: check before you pay (intake/reporting/checks.py); the same words as the web's /check.
CHECK_USAGE = N_("Send the name of a company or care home, a phone number or a web address after the command, for example: /check 福寿康养老院")
CHECK_FOUND = N_("What the offices have published")
CHECK_NOTHING = N_("Nothing has been published about what you typed.")
CHECK_ENTRY = N_("%(name)s: %(colour)s. Decided by %(unit)s (%(reference)s, %(date)s); shown until %(expires)s.")
CHECK_WARNINGS = N_("Warnings published about it:")
CHECK_RED = N_("Red: serious risk")
CHECK_ORANGE = N_("Orange: risk")
CHECK_PHONE = N_("Phone")
CHECK_WEBSITE = N_("Website")
CHECK_BEFORE_PAYING = N_("Before you pay")
CHECK_NOT_SAFE = N_("No warning here does not mean it is safe: only a few organisations are published, and only after an office has decided.")
CHECK_CIVIL_AFFAIRS = N_("Before you pay a care home, ask the civil affairs office (民政局) of your county whether it is registered.")
CHECK_CALL = N_("Before you pay anyone you are not sure of, call the anti-fraud line 96110.")
CHECK_REPORT = N_("If something seems wrong, report it here: send /start.")
