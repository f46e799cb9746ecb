"""The Microsoft 365 connection as the composition root builds it from the Settings.

Without the MS_* settings there is no connection: `NotConnected` stands in for it (then
everything runs from files), so callers ask `connected` instead of checking for None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import Engine

from bot.alerts.sink import AlertSink
from bot.clock import Clock
from bot.config import Settings
from bot.graph.client import GraphClient
from bot.graph.http import MsalHttp, make_http_client
from bot.graph.licenses import TenantLicenses
from bot.graph.sync import UsageSync
from bot.graph.token import TokenSource
from bot.usage.importer import UsageImporter


@dataclass(frozen=True)
class GraphConnection:
    """The Graph client, the usage sync and the tenant's licenses, on one HTTP client."""

    client: GraphClient
    sync: UsageSync
    licenses: TenantLicenses
    connected: Literal[True] = True

    def close(self) -> None:
        self.client.http.close()


@dataclass(frozen=True)
class NotConnected:
    """No Microsoft 365 connection (no MS_* settings): nothing to sync, no tenant to ask."""

    connected: Literal[False] = False

    def close(self) -> None:
        pass


Microsoft365 = GraphConnection | NotConnected


def connect(settings: Settings, *, engine: Engine, clock: Clock, importer: UsageImporter,
            alerts: AlertSink) -> Microsoft365:
    """The connection, or NotConnected without the MS_* settings.

    Nothing is requested here: the token is fetched on the first Graph call."""
    if not settings.graph_enabled:
        return NotConnected()
    http = make_http_client(settings)
    client = GraphClient(http, TokenSource(settings, MsalHttp(http)),
                         base_url=settings.ms_graph_url)
    sync = UsageSync(engine, clock, client, importer=importer, alerts=alerts,
                     lookback=timedelta(days=settings.credits_graph_lookback_days),
                     overlap=timedelta(hours=settings.credits_graph_overlap_hours))
    return GraphConnection(client=client, sync=sync, licenses=TenantLicenses(client))
