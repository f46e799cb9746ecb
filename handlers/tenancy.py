"""Single-workspace mode: only the workspace of the bot token is served (DESIGN §9).

The installed team is the one `auth.test` names for the bot token, asked once and remembered.
A command, click or event from any other team is refused before any listener runs (it would
otherwise create a second credits account) and goes to the audit log.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.audit import AuditLog
from handlers.i18n import N_, t

log = logging.getLogger(__name__)


RETRY_SECONDS = 10.0


class Workspace:
    """The team of the bot token, from `auth.test`: asked once and remembered; after a failure
    asked again no sooner than RETRY_SECONDS later (requests meanwhile are refused rather than
    each waiting on an unreachable Slack inside its ack)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._team_id: str | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    def installed_team(self) -> str | None:
        with self._lock:
            now = time.monotonic()
            if self._team_id is None and (self._failed_at is None
                                          or now - self._failed_at >= RETRY_SECONDS):
                try:
                    self._team_id = str(self.client.auth_test()["team_id"]) or None
                except (SlackApiError, OSError, KeyError) as exc:
                    self._failed_at = now
                    log.warning("tenancy: auth.test failed (%s); asked again in %.0f s",
                                type(exc).__name__, RETRY_SECONDS)
            return self._team_id


def what(body: dict[str, Any]) -> str:
    """The audit action of a request: command.<sub>, action.<id> or event.<type>."""
    if body.get("command"):
        word = (str(body.get("text") or "").split() or ["help"])[0][:30]
        return f"command.{word}"
    if body.get("type") == "block_actions":
        action = (body.get("actions") or [{}])[0]
        return f"action.{str(action.get('action_id') or '')[:60]}"
    event = body.get("event") or {}
    return f"event.{str(event.get('type') or body.get('type') or '')[:40]}"


class RefuseOtherTeams(Middleware):
    """A Bolt middleware that lets through only requests of the installed team (a `Middleware`
    subclass: Bolt calls it without building keyword arguments)."""

    def __init__(self, workspace: Workspace, audit: AuditLog) -> None:
        self.workspace = workspace
        self.audit = audit

    def process(self, *, req: BoltRequest, resp: BoltResponse,
                next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        context = req.context
        team = context.team_id
        if not team:  # url_verification, ssl_check: nothing of a team to protect
            return next()
        installed = self.workspace.installed_team()
        if installed is not None and team == installed:
            return next()
        body = req.body
        user = context.user_id or ""
        detail = (f"team {team} is not the installed workspace {installed}" if installed
                  else "the installed workspace is not known (auth.test failed)")
        self.audit.record(team_id=str(team)[:32], actor=str(user)[:64], action=what(body),
                          result="refused", arguments={}, detail=detail)
        log.warning("tenancy: refused a request from team %s", str(team)[:32])
        if body.get("command"):
            sentence = N_("This Credits Bot is installed for another Slack workspace; nothing "
                          "was done.") if installed else N_("The bot cannot confirm its own "
                                                            "Slack workspace right now; "
                                                            "nothing was done. Please try "
                                                            "again in a minute.")
            answer = {"response_type": "ephemeral", "text": t(sentence, None)}
            return BoltResponse(status=200, body=json.dumps(answer),
                                headers={"content-type": "application/json"})
        return BoltResponse(status=200, body="")
