"""Usage imports in tests that import to test something else (forecasts, summaries, reports,
the console's demo), done as the app does them: through the composed services' `UsageImporter`,
whose ledger runs the alert and auto-recharge hooks in each batch's transaction.

The importer's own tests call its engine, `import_usage`, with the ledger they mean: a
`Ledger(engine, clock)` without hooks when they test what is charged, stored and rejected.
"""

from __future__ import annotations

from sqlalchemy import Engine

from bot.app import build_services
from bot.clock import Clock
from bot.usage.importer import UsageImporter
from tests.conftest import make_settings


def app_importer(engine: Engine, clock: Clock, **settings: object) -> UsageImporter:
    """The importer as bot.app.build_services composes it on `engine` and `clock` (settings as
    tests.conftest.make_settings, the card simulation as the payment gateway)."""
    return build_services(make_settings(**settings), engine=engine, clock=clock).usage_importer
