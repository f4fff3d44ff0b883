"""The WeChat channel's own words (catalog msgids). Where the bot's words fit they are the same
msgids, so they share its translations; the questions come from the questionnaire."""
from __future__ import annotations

from i18n import N_

# The words a person sends to act (also accepted in the other two languages; see commands.py).
REPORT_WORD = N_("report")
PROGRESS_WORD = N_("progress")
LANGUAGE_WORD = N_("language")
HELP_WORD = N_("help")
CANCEL_WORD = N_("cancel")
BACK_WORD = N_("back")
SKIP_WORD = N_("skip")
MORE_WORD = N_("more")

# The account's menu (wechat/menu.py): at most 16 bytes each in the bar (5 Chinese characters).
MENU_REPORT = N_("Report")
MENU_PROGRESS = N_("Progress")
MENU_ABOUT = N_("About")
MENU_LANGUAGE = N_("Language")

# Shared with the bot and the terminal chat.
CHOOSE_LANGUAGE = N_("Please choose your language.")
WELCOME = N_(
    "Report a scam against older people. It takes about ten minutes, one question at a time. "
    "It is safe, you do not need an account, and you can stay anonymous. "
    "If you were tricked, it is not your fault."
)
PHONES = N_("Police emergency 110 · Anti-fraud line 96110 · Government service hotline 12345")
OPTIONAL = N_("(optional)")
SEVERAL = N_("You can type several numbers, for example 1,3.")
CHECK_ANSWERS = N_("Check your answers")
READY_TO_CHECK = N_("Your answers are ready to check. Please confirm or change one.")
ANSWER_THIS = N_("Please answer this question.")
NOTHING_TO_CANCEL = N_("There is no unfinished report to delete.")
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
SLOW_DOWN = N_("You are sending messages very fast. Please wait a minute and try again.")

# This channel's own: a chat with no buttons, answered by numbers and words.
READ_ON = N_("(%(page)s/%(pages)s) Send “%(more)s” to read on.")
LANGUAGE_SET = N_("Language: %(language)s. To change it, send “%(command)s”.")
REPLY_NUMBER = N_("Reply with the number of your answer.")
SEND_TO_SKIP = N_("Send “%(skip)s” to leave it out.")
HOW_TO_MOVE = N_("Send “%(back)s” to go back, “%(help)s” for help.")
SEND_OR_CHANGE = N_("Reply 0 to send the report, or the number of an answer to change it.")
STATUS_HINT = N_("To see the progress at any time, send: %(command)s %(code)s")
STATUS_USAGE = N_("Please send the tracking code after “%(command)s”, for example: %(command)s 4821 0937 5562")
TEXT_ONLY = N_("For now we can read only text messages here. Please answer with words.")
IDLE = N_("To report a scam, send “%(report)s”. To see a report's progress, send “%(progress)s” and its tracking code.")
CANCELLED = N_("Your unfinished report was deleted. Send “%(report)s” to begin a new one.")
HELP = N_(
    "Answer each question with a message: the number of an answer, or your own words. "
    "Send “%(back)s” to go to the question before, “%(cancel)s” to delete this report, "
    "“%(language)s” to change the language, and “%(progress)s” with a tracking code to see a report's progress."
)
