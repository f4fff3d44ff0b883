"""The conversation's context as every channel builds it: the deployment, today, the channel's
capabilities, and the category suggestion in force (for the reporter who chose "not sure",
conversation.offer_category). The partners' API builds its own, without the suggestion: it asks
nothing back."""
from __future__ import annotations

from intake.domain.category_model import suggest
from intake.domain.conversation import Context
from intake.domain.steps import ChannelCapabilities
from intake.platform.core import Core


def report_context(core: Core, capabilities: ChannelCapabilities) -> Context:
    # core.suggest_model is read at each call: a model installed while the service runs counts at once.
    return Context(core.deployment, core.today(), capabilities,
                   suggest=lambda text, language: suggest(text, language, model=core.suggest_model))
