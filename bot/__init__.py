"""The Telegram bot (aiogram 3): the report as a conversation, and the notifier that delivers
progress notices to chats. A channel: it talks to the rest only through the core (intake).
"""
