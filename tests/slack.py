"""Drive the real Bolt app with signed requests and read what reached the local Slack."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import Engine

from bot.alerts.outbox import Relay, SlackSender, relay_client
from bot.console.local_slack import LocalSlack
from bot.console.session import TrackingExecutor
from bot.services import Services
from handlers.context import HandlerContext
from tests import payloads
from tests.handlers.lazy import wait_for

ADMIN = "U0ADMIN"  # a workspace admin (from users.info)
CREDITS_ADMIN = "U0CREDIT"  # listed in CREDITS_ADMINS
MEMBER = "U0MEMBER"
GERMAN = "U0GERMAN"  # a member whose Slack locale is de-DE


@dataclass
class BoltHarness:
    app: App
    slack: LocalSlack
    engine: Engine
    services: Services
    context: HandlerContext  # what the app's handlers get (rights, directory)
    lazy: TrackingExecutor = field(default_factory=TrackingExecutor)

    def __post_init__(self) -> None:
        # Bolt's lazy listeners run on this pool, so a test can wait for them to finish.
        self.app.listener_runner.lazy_listener_runner.executor = self.lazy  # type: ignore

    def dispatch(self, body: str, *, content_type: str = "application/x-www-form-urlencoded",
                 headers: dict[str, str] | None = None, wait: bool = True) -> BoltResponse:
        """Send a signed request; with `wait`, also wait for the lazy listeners it started."""
        signed = payloads.signed_headers(body, content_type=content_type)
        signed.update(headers or {})
        response = self.app.dispatch(BoltRequest(body=body, headers=signed))
        if wait:
            self.lazy.wait_idle(timeout=60)
        return response

    def command(self, text: str, *, user: str = ADMIN, **kwargs: Any) -> BoltResponse:
        kwargs.setdefault("response_url", self.slack.response_url())
        return self.dispatch(payloads.slash_command(text, user_id=user, **kwargs))

    def command_text(self, text: str, *, user: str = ADMIN, **kwargs: Any) -> str:
        """The text Slack would show for a command's ack (fails on a non-200)."""
        response = self.command(text, user=user, **kwargs)
        assert response.status == 200, (response.status, response.body)
        return str(json.loads(response.body)["text"])

    def command_answer(self, text: str, *, user: str = ADMIN, **kwargs: Any) -> str:
        """The text answered after the ack, through this command's own response URL (slow
        subcommands: deposits, license changes); fails if the ack is not a 200."""
        url = self.slack.response_url()
        response = self.command(text, user=user, response_url=url, **kwargs)
        assert response.status == 200, (response.status, response.body)
        return self.answer_to(url)

    def answer_to(self, response_url: str, *, count: int = 1) -> str:
        """The `count`-th text sent to one response URL (waits for the lazy listener)."""
        path = urlparse(response_url).path
        calls = wait_for(self.slack, "respond", count=count, where=lambda c: c.path == path)
        return str(calls[count - 1].params.get("text"))

    def event(self, event: dict[str, Any], *, event_id: str | None = None,
              headers: dict[str, str] | None = None) -> BoltResponse:
        # Events' lazy listeners (imports) are waited for by the tests that need them.
        return self.dispatch(payloads.event_callback(event, event_id=event_id),
                             content_type="application/json", headers=headers, wait=False)

    def deliver_alerts(self) -> None:
        """Run the alert relay once, as the scheduler does (with no CREDITS_ADMINS of its own),
        against the local Slack."""
        Relay(self.engine, self.services.clock, SlackSender(relay_client(self.app.client))).run()

    def click(self, action_id: str, value: str, *, user: str = ADMIN,
              **kwargs: Any) -> BoltResponse:
        kwargs.setdefault("response_url", self.slack.response_url())
        return self.dispatch(payloads.block_actions(action_id, value, user_id=user, **kwargs))
