"""The WeChat channel's own words (catalog msgids); the words every chat channel says come from
the channel kit (intake/domain/channel_kit/texts.py), the questions from the questionnaire."""
from __future__ import annotations

from i18n import N_
from intake.domain.channel_kit.texts import (  # noqa: F401 - the chat channels' shared words
    ADD_QUESTION, ANSWER_THIS, CHECK_ANSWERS, CHOOSE_LANGUAGE, FILES_HERE, FILE_NOT_DOWNLOADED, FILE_TOO_BIG,
    NOT_ADDED, NOTHING_TO_CANCEL, OFFICER_WRITES, OPTIONAL, PHONES, PHOTO_REPLY, READY_TO_CHECK, REPLY_PIN, REPLY_SAVED,
    SENT, SEVERAL, SLOW_DOWN, STATUS_PAGE, STATUS_TITLE, TRACKING_CODE, UNKNOWN_CODE, VOICE_ANSWER, VOICE_TAKEN, WELCOME,
    WHAT_NOW, WRITE_DOWN,
)

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

# This channel's own: a chat with no buttons, answered by numbers and words.
READ_ON = N_("(%(page)s/%(pages)s) Send “%(more)s” to read on.")
LANGUAGE_SET = N_("Language: %(language)s. To change it, send “%(command)s”.")
REPLY_NUMBER = N_("Reply with the number of your answer.")
SEND_TO_SKIP = N_("Send “%(skip)s” to leave it out.")
HOW_TO_MOVE = N_("Send “%(back)s” to go back, “%(help)s” for help.")
SEND_OR_CHANGE = N_("Reply 0 to send the report, or the number of an answer to change it.")
STATUS_HINT = N_("To see the progress at any time, send: %(command)s %(code)s")
STATUS_USAGE = N_("Please send the tracking code after “%(command)s”, for example: %(command)s 4821 0937 5562")
TEXT_ONLY = N_("We can read text, photos and voice messages here, not this kind of message. Please answer with words.")
FILES_HOW = N_("Send photos or voice messages, one in each message. When you have sent them all, or if you have none, reply %(done)s.")
FILE_ADDED = N_("Thank you, it was added (%(count)s of %(max)s). Send more, or reply %(done)s to continue.")
FILES_ONLY = N_("Please send photos or voice messages here, or reply %(done)s to continue.")
ALLOW_NOTICES = N_("To be told of each step also after 48 hours without a message, allow a notice here: %(url)s")
ADD_HOW = N_("Reply %(yes)s to add it, or %(no)s if not.")
VOICE_TOO_LONG = N_(
    "This voice message lasts %(seconds)s seconds; the most we can take is %(max)s seconds. "
    "Please send it again in shorter parts."
)
NOT_KEPT = N_("Photos and voice messages are kept only as part of a report.")
IDLE = N_("To report a scam, send “%(report)s”. To see a report's progress, send “%(progress)s” and its tracking code.")
CANCELLED = N_("Your unfinished report was deleted. Send “%(report)s” to begin a new one.")
HELP = N_(
    "Answer each question with a message: the number of an answer, or your own words. "
    "Send “%(back)s” to go to the question before, “%(cancel)s” to delete this report, "
    "“%(language)s” to change the language, and “%(progress)s” with a tracking code to see a report's progress."
)
