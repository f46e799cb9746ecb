"""Drive the real Bolt app with signed requests and read what reached the local Slack."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import Engine

from bot.local_slack import LocalSlack
from bot.services import Services
from tests import payloads

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

    def dispatch(self, body: str, *, content_type: str = "application/x-www-form-urlencoded",
                 headers: dict[str, str] | None = None) -> BoltResponse:
        signed = payloads.signed_headers(body, content_type=content_type)
        signed.update(headers or {})
        return self.app.dispatch(BoltRequest(body=body, headers=signed))

    def command(self, text: str, *, user: str = ADMIN, **kwargs: Any) -> BoltResponse:
        kwargs.setdefault("response_url", self.slack.response_url())
        return self.dispatch(payloads.slash_command(text, user_id=user, **kwargs))

    def command_text(self, text: str, *, user: str = ADMIN, **kwargs: Any) -> str:
        """The text Slack would show for a command's ack (fails on a non-200)."""
        response = self.command(text, user=user, **kwargs)
        assert response.status == 200, (response.status, response.body)
        return str(json.loads(response.body)["text"])

    def event(self, event: dict[str, Any], *, event_id: str | None = None,
              headers: dict[str, str] | None = None) -> BoltResponse:
        return self.dispatch(payloads.event_callback(event, event_id=event_id),
                             content_type="application/json", headers=headers)

    def click(self, action_id: str, value: str, *, user: str = ADMIN,
              **kwargs: Any) -> BoltResponse:
        kwargs.setdefault("response_url", self.slack.response_url())
        return self.dispatch(payloads.block_actions(action_id, value, user_id=user, **kwargs))
