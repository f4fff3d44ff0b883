"""The core of the tip-line: questionnaire, drafts, tips, tracking codes, storage.

It knows nothing of the bot, the web or the terminal: channels call it.
"""
