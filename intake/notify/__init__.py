"""Messages out: the outbox and its renderers, the dispatcher that delivers them, alerts to units and to staff."""
