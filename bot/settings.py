"""The bot's settings, apart from aiogram: building aiogram's types takes seconds of CPU, which a
`tipline serve` without a Telegram token (and every command) should not pay to read five strings."""
from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class BotSettings(BaseSettings):
    """The bot's settings, from the environment (prefix TIPLINE_) or .env."""

    model_config = SettingsConfigDict(env_prefix="TIPLINE_", env_file=".env", extra="ignore")

    telegram_token: str = ""
    telegram_api_base: str = ""  # a local Bot API server (or the tests' fake); empty: api.telegram.org
    telegram_webhook_url: str = ""  # empty: long polling
    telegram_webhook_secret: str = ""
    redis_url: str = ""  # empty: conversation state in memory (enough: it only points at the draft)
