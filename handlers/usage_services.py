"""The rate deck and usage report services the usage handlers call, built once per app.

They are kept in `Services.extras` (built on first use from the engine, clock and settings the
app was composed with), so that the handlers need no change to the composition root.
"""

from __future__ import annotations

import threading

from bot.rates import Rates
from bot.services import Services
from bot.usage.reports import UsageReports

_lock = threading.Lock()


def rates_of(services: Services) -> Rates:
    """The rate deck service (CREDITS_RATES_FILE or the bundled sample on an empty deck)."""
    with _lock:
        found = services.extras.get("rates")
        if not isinstance(found, Rates):
            found = Rates(services.engine, services.clock,
                          rates_file=services.settings.credits_rates_file)
            services.extras["rates"] = found
        return found


def reports_of(services: Services) -> UsageReports:
    """Usage summaries, exports and reports of the accounts."""
    with _lock:
        found = services.extras.get("usage_reports")
        if not isinstance(found, UsageReports):
            found = UsageReports(services.engine, services.clock)
            services.extras["usage_reports"] = found
        return found
