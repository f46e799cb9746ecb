"""The Microsoft 365 connection as the composition root builds it from the Settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from bot.clock import Clock
from bot.config import Settings
from bot.graph.client import GraphClient
from bot.graph.http import MsalHttp, make_http_client
from bot.graph.licenses import TenantLicenses
from bot.graph.sync import AlertWriter, UsageSync
from bot.graph.token import TokenSource
from bot.ledger import PostingHook


@dataclass
class GraphConnection:
    """The Graph client, the usage sync and the tenant's licenses, on one HTTP client."""

    client: GraphClient
    sync: UsageSync
    licenses: TenantLicenses

    def close(self) -> None:
        self.client.http.close()


def connect(settings: Settings, *, engine: Engine, clock: Clock,
            hooks: Sequence[PostingHook] = (),
            write_alert: AlertWriter | None = None) -> GraphConnection | None:
    """The connection, or None without the MS_* settings (then everything runs from files).

    Nothing is requested here: the token is fetched on the first Graph call."""
    if not settings.graph_enabled:
        return None
    http = make_http_client(settings)
    client = GraphClient(http, TokenSource(settings, MsalHttp(http)),
                         base_url=settings.ms_graph_url)
    sync = UsageSync(engine, clock, client,
                     lookback=timedelta(days=settings.credits_graph_lookback_days),
                     overlap=timedelta(hours=settings.credits_graph_overlap_hours),
                     hooks=hooks, write_alert=write_alert)
    return GraphConnection(client=client, sync=sync, licenses=TenantLicenses(client))
