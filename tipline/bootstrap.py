"""Build the core from settings: keys, database (migrated), the deployment in force, clock; and
wire what a lower layer of the core uses from a higher one (renderers of notices and alerts, the
reward administrator's reveal rule, the finder of the warnings "check before you pay" shows) and
who handles the domain events casework raises (the notify layer's handlers), as the delivery
channels are wired by `tipline serve`."""
from __future__ import annotations

import logging

from intake.platform.clock import Clock, SystemClock
from intake.admin import suggest_models
from intake.admin.config_store import load_active
from intake.platform.core import Core
from intake.platform.keyring_file import load_or_create
from intake.platform.db import Database
from intake.domain import events
from intake.domain.deployment import CONFIG_DIR, read_config
from intake.platform.migrate import migrate
from intake.platform.private_files import protect
from intake.casework import casefile
from intake.reporting import checks, lookups
from intake.prevention import naming
from intake.notify import event_handlers, outbox, staff_alerts, unit_alerts
from intake.prevention import subscriptions
from intake.rewards import eligibility, notices, scheme
from intake.platform.settings import Settings
from intake.platform.unit_of_work import check_handled, register_handler
from intake.staff.staff import Role

log = logging.getLogger(__name__)


def wire_layers() -> None:
    """Register the upper layers' renderers and rules with the lower layers that call them, and
    the handlers of the domain events (run in the transaction that raised them, before it commits)."""
    outbox.register_renderer(outbox.UNIT_ALERT, unit_alerts.render_unit_alert)
    outbox.register_renderer(outbox.STAFF_ALERT, staff_alerts.render_staff_alert)
    outbox.register_text(notices.REWARD_KIND, notices.render_reward_notice)
    outbox.register_renderer(outbox.WARNING_NOTICE, subscriptions.render_warning_notice)
    outbox.register_renderer(outbox.SUBSCRIPTION_CONFIRMATION, subscriptions.render_confirmation)
    unit_alerts.register_alert(unit_alerts.LOOKUP_BUDGET, lookups.render_budget_alert)
    casefile.allow_reveal(Role.REWARD_ADMIN, eligibility.is_reward_case)
    checks.register_warnings_finder(naming.warnings_naming)
    register_handler(events.PublicStepWritten, event_handlers.tell_reporter)
    register_handler(events.PublicStepTranslated, event_handlers.tell_reporter_again)
    register_handler(events.TipPassedToUnits, event_handlers.alert_new_units)
    register_handler(events.SupervisionIssued, event_handlers.alert_supervised_unit)
    register_handler(events.WarningPublished, subscriptions.tell_subscribers)
    check_handled(events.declared())  # a forgotten handler stops the start-up, not a colleague's action


async def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Core:
    wire_layers()
    settings = settings or Settings()
    clock = clock or SystemClock()
    db = Database(settings.resolved_database_url)
    protect(settings.var_dir, db.sqlite_path, production=settings.production)  # before anything is written there
    keys = load_or_create(settings.resolved_keys_dir, production=settings.production)
    await migrate(db)
    deployment, files_differ = await load_active(db, read_config(settings.config_dir or CONFIG_DIR), clock.now())
    if files_differ:
        log.info("the configuration files differ from the version in force: see `tipline config apply`")
    core = Core(db=db, keys=keys, deployment=deployment, settings=settings, clock=clock,
                suggest_model=await suggest_models.in_force(db))
    await scheme.versions(core)  # a changed rewards.toml is in force from the day it is first served
    return core
