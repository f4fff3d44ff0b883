"""The words every chat channel says around the questionnaire (the terminal chat, the bot, the
WeChat account): catalog msgids declared once here, so that one translation serves them all and
no channel re-declares them. A channel's own words (its buttons, its commands) stay with it."""
from __future__ import annotations

from i18n import N_

CHOOSE_LANGUAGE = N_("Please choose your language.")
WELCOME = N_(
    "Report a scam against older people. It takes about ten minutes, one question at a time. "
    "It is safe, you do not need an account, and you can stay anonymous. "
    "If you were tricked, it is not your fault."
)
PHONES = N_("Police emergency 110 · Anti-fraud line 96110 · Government service hotline 12345")
OPTIONAL = N_("(optional)")
SEVERAL = N_("You can type several numbers, for example 1,3.")
ANSWER_THIS = N_("Please answer this question.")
CHECK_ANSWERS = N_("Check your answers")
READY_TO_CHECK = N_("Your answers are ready to check. Please confirm or change one.")
NOTHING_TO_CANCEL = N_("There is no unfinished report to delete.")
SLOW_DOWN = N_("You are sending messages very fast. Please wait a minute and try again.")

# A report left unfinished.
RESUME_QUESTION = N_("You have a report you have not finished. Would you like to carry on with it?")
RESUME_YES = N_("Yes, carry on")
RESUME_NO = N_("No, delete it and start again")
STARTING_OVER = N_("Starting again from the first question.")

# Files and voice sent in a chat (checked and sealed by intake.platform.attachments).
FILES_HERE = N_("Please send photos or files at the question about evidence. First, please answer this question.")
FILE_TOO_BIG = N_(
    "This file is %(size)s MB; the most we can take is %(max)s MB. "
    "Please send a smaller photo or a part of the document."
)
FILE_NOT_DOWNLOADED = N_("We could not receive this file. Please send it again.")
VOICE_ANSWER = N_("Voice note of %(seconds)s seconds (attached to the report)")
VOICE_TAKEN = N_("Thank you, we keep your voice note with the report.")

# After the report: the answer to a staff question, and more sent in the hour after it
# (intake.reporting.chat_replies).
REPLY_SAVED = N_("Thank you: your information was added to the report.")
PHOTO_REPLY = N_("(a photo or file)")
ADD_QUESTION = N_("Add this to your report?")
NOT_ADDED = N_("This message was not added to your report.")

# The receipt (intake.domain.channel_kit.receipt) and the progress of a code.
SENT = N_("Thank you. Your report has been sent.")
TRACKING_CODE = N_("Your tracking code is:")
REPLY_PIN = N_("Your reply PIN is:")
WRITE_DOWN = N_(
    "Please write both down. With the code you can follow the report at any time; "
    "the PIN is needed to add information. Keep them to yourself: nobody from the government will ever ask you for them."
)
WHAT_NOW = N_("What you can do now")
STATUS_PAGE = N_("Status page: %(url)s")
UNKNOWN_CODE = N_("We could not find a report with that tracking code. Please check the 12 digits and try again.")
STATUS_TITLE = N_("Report %(code)s: %(status)s")
OFFICER_WRITES = N_("The officer writes: %(text)s")
