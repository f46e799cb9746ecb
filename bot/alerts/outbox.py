"""The alert outbox: alerts are written in the transaction that caused them, then delivered.

Writing: `OutboxWriter.write` inserts the alert in the caller's transaction, once per dedupe key
(a second write of the same key does nothing), addressed to the account's alert channel or the
default channel (CREDITS_ALERT_CHANNEL); with neither, to nobody yet: the relay decides at
delivery (bot/alerts/routing.py).

Delivering: `Relay.run` claims due rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the
`BEGIN IMMEDIATE` write lock), marks them `sending` with a claim token in a short transaction of
its own, posts each with `chat.postMessage`, and records Slack's answer at once: `sent` with the
message ts on ok; on a 429 the row (and the rest of the batch) is due again after Retry-After, with
no sleeping and no attempt counted; a 5xx or network error retries with exponential back-off; a
channel that cannot take the post (not_in_channel, channel_not_found, is_archived) hands the
alert at once to the admins' DMs with a note; another permanent error retries hourly and is
`dead` after a few tries. A row with no channel is delivered to the channel set by then, or else
`routed`: one DM row per admin (CREDITS_ADMINS and the workspace's owners and admins), sent in
the same run. The Web API client of the relay never retries by itself (see `relay_client`), so
one claim is at most one post.

Exactly once, and where it is only at least once: a row is marked `sent` only after Slack said ok,
and never claimed again after that, across restarts and replicas. If a process dies after Slack
accepted the post and before the `sent` update commits (a window of one local UPDATE), or a
network error hides an ok that Slack did send, the claim's deadline passes, the row is claimed
again and Slack shows the alert twice. Slack's `chat.postMessage` takes no idempotency key, so
this window can be made small but not closed; the re-claim is logged as a possible duplicate.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.alerts.routing import (
    CHANNEL_GONE,
    USERS_LIST_MAX_PAGES,
    USERS_LIST_PAGE,
    Recipient,
    is_workspace_admin,
    merge_recipients,
    route_note,
)
from bot.alerts.rules import Alert
from bot.alerts.texts import alert_text
from bot.clock import Clock
from bot.i18n import N_
from storage import outbox as outbox_db
from storage.accounts import get_account_by_id
from storage.db import read_session, write_transaction
from storage.models import OutboxMessage
from storage.outbox import DM_PREFIX

log = logging.getLogger(__name__)
# Stored as the undelivered alert's last error, in English; `/credits alerts` reads it in the
# reader's language (a sentence of the catalog).
NO_RECIPIENT = N_("no alert channel and no admin to DM: set one with `/credits alerts channel "
                  "#channel`, or list admins in CREDITS_ADMINS")

Blocks = list[dict[str, Any]]
Renderer = Callable[[Alert], Blocks | None]
Fence = Callable[[Session], None]

BATCH = 20
CLIENT_TIMEOUT_SECONDS = 10
CLAIM_SECONDS = 300  # > BATCH * CLIENT_TIMEOUT_SECONDS: a live relay never loses its claims
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 900
PERMANENT_RETRY_SECONDS = 3600
DEFAULT_RETRY_AFTER_SECONDS = 30
TRANSIENT_LIMIT = 50  # about 11 hours of back-off
PERMANENT_LIMIT = 5
NO_RECIPIENT_LIMIT = 24
PERMANENT_ERRORS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "user_disabled",
    "cannot_dm_bot", "invalid_auth", "not_authed", "account_inactive", "token_revoked",
    "missing_scope", "restricted_action", "no_permission", "invalid_blocks", "msg_too_long",
    "channel_is_archived", "team_access_not_granted", "ekm_access_denied",
})


class OutboxWriter:
    """Puts alerts into the outbox inside the caller's transaction (an AlertSink)."""

    def __init__(self, *, default_channel: str | None = None,
                 render: Renderer | None = None) -> None:
        self.default_channel = default_channel
        self.render = render

    def recipient(self, account_channel: str | None) -> str | None:
        """Where an alert goes: the account's channel or the default one; None: the relay
        finds the channel or the admins when it delivers (the writer, a CLI perhaps, may not
        know them)."""
        return account_channel or self.default_channel

    def write(self, session: Session, alert: Alert, *, account_channel: str | None,
              now: datetime) -> int:
        """Insert the alert once per dedupe key; return how many rows were added (0: a
        duplicate)."""
        if outbox_db.has_message(session=session, dedupe_key=alert.key):
            return 0
        blocks = self.render(alert) if self.render else None
        target = self.recipient(account_channel)
        added = int(outbox_db.insert_message(session=session, message=OutboxMessage(
            account_id=alert.account_id, dedupe_key=alert.key, kind=alert.kind, channel=target,
            text=alert_text(alert), blocks=json.dumps(blocks) if blocks else None,
            next_attempt_at=now, created_at=now)))
        if added:
            log.info("alert %s queued for %s", alert.key, target or "the admins (at delivery)")
        return added


# -- delivery ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Delivered:
    ts: str | None
    channel: str | None


class DeliveryError(Exception):
    """Slack did not take the message. kind: ratelimited | transient | permanent."""

    def __init__(self, error: str, *, kind: str, retry_after: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.kind = kind
        self.retry_after = retry_after


def relay_client(client: WebClient) -> WebClient:
    """A copy of the app's client that never retries by itself: no RateLimitErrorRetryHandler
    (the relay reschedules a 429 instead of sleeping in it) and no connection-error retry (a
    retried post after a lost answer could post twice; the relay's own back-off decides)."""
    return WebClient(token=client.token, base_url=client.base_url,
                     timeout=CLIENT_TIMEOUT_SECONDS, retry_handlers=[])


class SlackSender:
    """Posts one alert with the Web API and sorts Slack's failures."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def send(self, target: str, text: str, blocks: Blocks | None) -> Delivered:
        try:
            channel = target
            if target.startswith(DM_PREFIX):
                opened = self.client.conversations_open(users=target[len(DM_PREFIX):])
                channel = str(opened["channel"]["id"])
            response = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks,
                                                    unfurl_links=False, unfurl_media=False)
            return Delivered(ts=response.get("ts"), channel=response.get("channel"))
        except SlackApiError as exc:
            raise classify(exc) from exc
        except OSError as exc:  # URLError, timeouts and connection resets are all OSErrors
            raise DeliveryError(f"network: {exc}", kind="transient") from exc


    def admins(self, listed: Sequence[str]) -> list[Recipient]:
        """CREDITS_ADMINS and the workspace's owners and admins (users.list), with locales."""
        admins: list[str] = []
        locales: dict[str, str] = {}
        cursor: str | None = None
        try:
            for _ in range(USERS_LIST_MAX_PAGES):
                page = self.client.users_list(limit=USERS_LIST_PAGE, include_locale=True,
                                              cursor=cursor)
                for member in page.get("members") or []:
                    user = str(member.get("id"))
                    if is_workspace_admin(member):
                        admins.append(user)
                    if member.get("locale") and (user in listed or is_workspace_admin(member)):
                        locales[user] = str(member["locale"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except SlackApiError as exc:
            raise classify(exc) from exc
        except OSError as exc:
            raise DeliveryError(f"network: {exc}", kind="transient") from exc
        return merge_recipients(listed, admins, locales)


def classify(exc: SlackApiError) -> DeliveryError:
    """Turn a Web API error into a delivery error of the right kind."""
    response = exc.response
    status = getattr(response, "status_code", 200)
    try:
        error = str(response.get("error") or f"http_{status}")
    except Exception:  # a body that is not JSON (a proxy's HTML page)
        error = f"http_{status}"
    if status == 429 or error == "ratelimited":
        headers = getattr(response, "headers", {}) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after")
        retry_after = int(raw) if raw and str(raw).isdigit() else DEFAULT_RETRY_AFTER_SECONDS
        return DeliveryError(error, kind="ratelimited", retry_after=retry_after)
    if status >= 500:
        return DeliveryError(error, kind="transient")
    if error in PERMANENT_ERRORS:
        return DeliveryError(error, kind="permanent")
    return DeliveryError(error, kind="transient")


@dataclass
class RelayReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    routed: int = 0  # handed to the admins' DMs
    rate_limited: bool = False
    errors: list[str] = field(default_factory=list)


class Relay:
    """Delivers due outbox rows to Slack, each at most once per claim."""

    def __init__(self, engine: Engine, clock: Clock, sender: SlackSender, *,
                 default_channel: str | None = None, admins: Sequence[str] = (),
                 batch: int = BATCH) -> None:
        self.engine = engine
        self.clock = clock
        self.sender = sender
        self.default_channel = default_channel
        self.admins = tuple(admins)
        self.batch = batch

    def run(self, *, fence: Fence | None = None, max_batches: int = 10) -> RelayReport:
        """Deliver what is due now, batch by batch, until nothing is due or Slack says stop."""
        report = RelayReport()
        for _ in range(max_batches):
            claimed, token = self._claim(fence)
            if not claimed:
                break
            report.claimed += len(claimed)
            routed = report.routed
            self._deliver(claimed, token, report)
            # Rows just routed to the admins' DMs are due now: deliver them in this run.
            if report.rate_limited or (len(claimed) < self.batch and report.routed == routed):
                break
        return report

    def _claim(self, fence: Fence | None) -> tuple[list[OutboxMessage], str]:
        token = uuid.uuid4().hex
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            if fence is not None:
                fence(session)
            claimed = outbox_db.claim_due(session=session, now=now, claim_token=token,
                                          claim_until=now + timedelta(seconds=CLAIM_SECONDS),
                                          limit=self.batch)
        for message in claimed:
            if message.last_error == outbox_db.CLAIM_EXPIRED:
                log.warning("outbox %s: re-sending after an unfinished claim; Slack may show "
                            "it twice", message.dedupe_key)
        return claimed, token

    def _deliver(self, claimed: list[OutboxMessage], token: str, report: RelayReport) -> None:
        for index, message in enumerate(claimed):
            target = message.channel or self._channel_now(message.account_id)
            if target is None:
                self._route_to_admins(message, token, report, channel=None, error=None)
                continue
            blocks = json.loads(message.blocks) if message.blocks else None
            try:
                delivered = self.sender.send(target, message.text, blocks)
            except DeliveryError as failure:
                if (failure.error in CHANNEL_GONE and not target.startswith(DM_PREFIX)
                        and self._route_to_admins(message, token, report, channel=target,
                                                  error=failure.error)):
                    continue
                self._failed(message, token, failure, report)
                if failure.kind == "ratelimited":
                    self._release(claimed[index + 1:], token, failure.retry_after)
                    return
                continue
            with write_transaction(self.engine) as session:
                recorded = outbox_db.mark_sent(session=session, message_id=message.id or 0,
                                               claim_token=token, slack_ts=delivered.ts,
                                               now=self.clock.now())
            if recorded:
                report.sent += 1
            else:
                log.warning("outbox %s: delivered but the claim was lost meanwhile",
                            message.dedupe_key)

    def _channel_now(self, account_id: int) -> str | None:
        with read_session(self.engine) as session:
            account = get_account_by_id(session=session, account_id=account_id)
        return (account.alert_channel if account else None) or self.default_channel

    def _failed(self, message: OutboxMessage, token: str, failure: DeliveryError,
                report: RelayReport) -> None:
        now = self.clock.now()
        report.errors.append(f"{message.dedupe_key}: {failure.error}")
        with write_transaction(self.engine) as session:
            if failure.kind == "ratelimited":
                report.rate_limited = True
                outbox_db.reschedule(
                    session=session, message_id=message.id or 0, claim_token=token,
                    at=now + timedelta(seconds=failure.retry_after or 0),
                    error="ratelimited", refund_attempt=True)
                return
            limit = PERMANENT_LIMIT if failure.kind == "permanent" else TRANSIENT_LIMIT
            if message.attempts >= limit:
                report.dead += 1
                outbox_db.mark_dead(session=session, message_id=message.id or 0,
                                    claim_token=token, error=failure.error)
                log.error("outbox %s: given up after %d attempts: %s", message.dedupe_key,
                          message.attempts, failure.error)
                return
            report.retried += 1
            outbox_db.reschedule(session=session, message_id=message.id or 0,
                                 claim_token=token, at=now + retry_delay(failure.kind,
                                                                         message.attempts),
                                 error=failure.error)
        log.warning("outbox %s: %s (attempt %d), retrying", message.dedupe_key, failure.error,
                    message.attempts)

    def _route_to_admins(self, message: OutboxMessage, token: str, report: RelayReport, *,
                         channel: str | None, error: str | None) -> bool:
        """Hand the alert to each admin's DM, with a note on why; False when there is nobody
        to hand it to and a channel failure should be retried as it is."""
        try:
            admins = self.sender.admins(self.admins)
        except DeliveryError as failure:
            if not self.admins:
                self._failed(message, token, failure, report)
                return True
            log.warning("outbox: users.list failed (%s); only CREDITS_ADMINS get %s",
                        failure.error, message.dedupe_key)
            admins = [Recipient(user) for user in self.admins]
        if not admins:
            if channel is None:
                self._no_recipient(message, token, report)
                return True
            return False
        now = self.clock.now()
        blocks = json.loads(message.blocks) if message.blocks else None
        why = f"{error} in {channel}" if channel else "no alert channel"
        with write_transaction(self.engine) as session:
            for admin in admins:
                note = route_note(locale=admin.locale, channel=channel, error=error)
                outbox_db.insert_message(session=session, message=OutboxMessage(
                    account_id=message.account_id, dedupe_key=f"{message.dedupe_key}|dm:"
                                                              f"{admin.user_id}",
                    kind=message.kind, channel=DM_PREFIX + admin.user_id,
                    text=f"{message.text}\n{note}",
                    blocks=json.dumps([*blocks, _note_block(note)]) if blocks else None,
                    next_attempt_at=now, created_at=now))
            outbox_db.mark_routed(session=session, message_id=message.id or 0,
                                  claim_token=token, note=f"{why}: sent to the admins' DMs")
        report.routed += 1
        log.warning("outbox %s: %s; sent to %d admins by DM instead", message.dedupe_key, why,
                    len(admins))
        return True

    def _no_recipient(self, message: OutboxMessage, token: str, report: RelayReport) -> None:
        error = NO_RECIPIENT
        with write_transaction(self.engine) as session:
            if message.attempts >= NO_RECIPIENT_LIMIT:
                report.dead += 1
                outbox_db.mark_dead(session=session, message_id=message.id or 0,
                                    claim_token=token, error=error)
            else:
                report.retried += 1
                outbox_db.reschedule(
                    session=session, message_id=message.id or 0, claim_token=token,
                    at=self.clock.now() + timedelta(seconds=PERMANENT_RETRY_SECONDS),
                    error=error)

    def _release(self, rest: list[OutboxMessage], token: str, retry_after: int | None) -> None:
        """Give back the claims Slack's rate limit will not let us use now."""
        if not rest:
            return
        at = self.clock.now() + timedelta(seconds=retry_after or 0)
        with write_transaction(self.engine) as session:
            for message in rest:
                outbox_db.reschedule(session=session, message_id=message.id or 0,
                                     claim_token=token, at=at, error=None, refund_attempt=True)


def _note_block(note: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}


def retry_delay(kind: str, attempts: int) -> timedelta:
    """When to try again after a failure: exponential for transient errors, hourly otherwise."""
    if kind == "permanent":
        return timedelta(seconds=PERMANENT_RETRY_SECONDS)
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds)
