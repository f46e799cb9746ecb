"""The outbox: written once per dedupe key, delivered once, through Slack's 429s and 500s."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.alerts.outbox import (
    CLAIM_SECONDS,
    PERMANENT_LIMIT,
    OutboxWriter,
    Relay,
    SlackSender,
    relay_client,
)
from bot.alerts.rules import LOW, Alert
from bot.console.local_slack import LocalSlack, ScriptedFailure, SlackCall
from bot.runtime.lease import Lease, LeaseLost
from storage import outbox as outbox_db
from storage.db import read_session, write_transaction
from tests import reads
from tests.factories import make_account
from tests.money import usd


class PostLog:
    """Which chat.postMessage calls the local Slack answered with ok (scripted failures are
    recorded too, so they are told apart here)."""

    def __init__(self, slack: LocalSlack) -> None:
        self.slack = slack
        self.outcomes: list[tuple[str, bool]] = []
        self._lock = threading.Lock()
        original = slack._scripted

        def scripted(method: str) -> ScriptedFailure | None:
            failure = original(method)
            with self._lock:
                self.outcomes.append((method, failure is None))
            return failure

        slack._scripted = scripted  # type: ignore[method-assign]

    def successful(self) -> list[SlackCall]:
        """The chat.postMessage calls Slack answered with ok."""
        with self._lock:
            results = [ok for method, ok in self.outcomes if method == "chat.postMessage"]
        posts = self.slack.calls_to("chat.postMessage")[:len(results)]
        return [call for call, ok in zip(posts, results, strict=True) if ok]

    def successes(self) -> Counter[str]:
        """Successful posts per message text (each test alert has its own text)."""
        return Counter(str(call.params.get("text")) for call in self.successful())


def alert(account, n: int, kind: str = LOW) -> Alert:
    return Alert(kind=kind, key=f"test:{account.id}:{n}", account_id=account.id,
                 team_id=account.team_id, balance=usd("12.50"),
                 headline=f"alert number {n}", next_step="nothing")


def write(engine, clock, writer, item, channel="C0ALERTS") -> int:
    with write_transaction(engine) as session:
        return writer.write(session, item, account_channel=channel, now=clock.now())


def messages(engine, **filters):
    with read_session(engine) as session:
        return list(reads.list_messages(session=session, **filters))


@pytest.fixture
def account(engine, clock):
    return make_account(engine, clock, balance=Decimal(100))


@pytest.fixture
def relay(engine, clock, local_slack):
    client = WebClient(token="xoxb-test", base_url=local_slack.api_url)
    return Relay(engine, clock, SlackSender(relay_client(client)))


def test_an_alert_is_written_once_per_dedupe_key(engine, clock, account):
    writer = OutboxWriter()
    assert write(engine, clock, writer, alert(account, 1)) == 1
    assert write(engine, clock, writer, alert(account, 1)) == 0
    rows = messages(engine)
    assert [(r.dedupe_key, r.channel, r.status) for r in rows] == [
        (f"test:{account.id}:1", "C0ALERTS", "pending")]
    assert "alert number 1" in rows[0].text and "$12.50" in rows[0].text


def test_without_a_channel_the_row_waits_for_delivery_to_pick_the_admins(engine, clock, account):
    writer = OutboxWriter()
    assert write(engine, clock, writer, alert(account, 1), channel=None) == 1
    # The same alert again, even now that a channel is set, adds nothing.
    assert write(engine, clock, writer, alert(account, 1), channel="C0NEW") == 0
    assert [r.channel for r in messages(engine)] == [None]


def test_the_default_channel_is_used_when_the_account_has_none(engine, clock, account):
    writer = OutboxWriter(default_channel="C0DEFAULT")
    write(engine, clock, writer, alert(account, 1), channel=None)
    assert [r.channel for r in messages(engine)] == ["C0DEFAULT"]


def test_blocks_come_from_the_renderer(engine, clock, account, relay, local_slack):
    writer = OutboxWriter(render=lambda a: [{"type": "section", "text": {
        "type": "mrkdwn", "text": a.headline}}])
    write(engine, clock, writer, alert(account, 1))
    relay.run()
    (post,) = local_slack.calls_to("chat.postMessage")
    assert post.params["blocks"][0]["text"]["text"] == "alert number 1"
    assert post.params["channel"] == "C0ALERTS"


def test_the_relay_posts_each_due_message_once_and_records_the_ts(engine, clock, account,
                                                                   relay, local_slack):
    writer = OutboxWriter()
    for n in range(3):
        write(engine, clock, writer, alert(account, n))
    report = relay.run()
    assert (report.claimed, report.sent) == (3, 3)
    assert relay.run().claimed == 0
    rows = messages(engine)
    assert {r.status for r in rows} == {"sent"}
    assert all(r.slack_ts and r.sent_at == clock.now() for r in rows)
    assert Counter(c.params["text"].split("\n")[0] for c in
                   local_slack.calls_to("chat.postMessage")) == Counter(
        {f":warning: alert number {n}": 1 for n in range(3)})


def test_dms_open_a_conversation_first(engine, clock, account, local_slack):
    relay = Relay(engine, clock, SlackSender(relay_client(
        WebClient(token="xoxb-test", base_url=local_slack.api_url))), admins=("U0A",))
    local_slack.users.clear()
    write(engine, clock, OutboxWriter(), alert(account, 1), channel=None)
    relay.run()
    assert local_slack.calls_to("conversations.open")[0].params["users"] == "U0A"
    assert local_slack.calls_to("chat.postMessage")[0].params["channel"] == "D0A"


def test_a_429_reschedules_after_retry_after_without_sleeping_or_doubling(
        engine, clock, account, relay, local_slack):
    posts = PostLog(local_slack)
    writer = OutboxWriter()
    for n in range(3):
        write(engine, clock, writer, alert(account, n))
    local_slack.fail_next("chat.postMessage", ScriptedFailure(status=429, retry_after=2))
    report = relay.run()
    assert report.rate_limited and report.sent == 0
    # The whole batch waits for Retry-After; nothing counts as a failed attempt.
    rows = messages(engine)
    assert {(r.status, r.attempts, r.next_attempt_at) for r in rows} == {
        ("pending", 0, clock.now() + timedelta(seconds=2))}
    assert relay.run().claimed == 0  # not yet due
    clock.advance(timedelta(seconds=2))
    assert relay.run().sent == 3
    assert set(posts.successes().values()) == {1} and len(posts.successes()) == 3


def test_a_500_retries_with_back_off_and_posts_once(engine, clock, account, relay,
                                                     local_slack):
    posts = PostLog(local_slack)
    write(engine, clock, OutboxWriter(), alert(account, 1))
    local_slack.fail_next("chat.postMessage", ScriptedFailure(status=500), times=2)
    assert relay.run().retried == 1
    (row,) = messages(engine)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "internal_error")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    relay.run()
    (row,) = messages(engine)
    assert row.next_attempt_at == clock.now() + timedelta(seconds=10)  # doubled
    clock.advance(timedelta(seconds=10))
    assert relay.run().sent == 1
    assert list(posts.successes().values()) == [1]
    assert len(local_slack.calls_to("chat.postMessage")) == 3


def test_a_permanent_error_retries_hourly_then_gives_up(engine, clock, account, relay,
                                                        local_slack):
    write(engine, clock, OutboxWriter(), alert(account, 1))
    local_slack.fail_next("chat.postMessage", ScriptedFailure(error="restricted_action"),
                          times=PERMANENT_LIMIT)
    for _ in range(PERMANENT_LIMIT):
        relay.run()
        clock.advance(timedelta(hours=1))
    (row,) = messages(engine)
    assert (row.status, row.attempts, row.last_error) == (
        "dead", PERMANENT_LIMIT, "restricted_action")
    assert relay.run().claimed == 0
    assert len(local_slack.calls_to("chat.postMessage")) == PERMANENT_LIMIT


def test_a_message_without_any_recipient_goes_as_soon_as_a_channel_is_set(
        engine, clock, account, relay, local_slack):
    local_slack.users.clear()  # a workspace with no admins to DM, and no CREDITS_ADMINS
    write(engine, clock, OutboxWriter(), alert(account, 1), channel=None)
    assert relay.run().retried == 1
    (row,) = messages(engine)
    assert "no alert channel" in (row.last_error or "")
    from bot.accounts import Accounts
    from bot.alerts.settings import AlertSettings
    AlertSettings(engine, clock, Accounts(engine, clock)).set_channel(account.team_id,
                                                                      "C0LATER")
    assert relay.run().sent == 1  # at once, not after the hourly retry
    assert local_slack.calls_to("chat.postMessage")[0].params["channel"] == "C0LATER"


def test_a_claim_left_by_a_dead_relay_is_sent_again_only_after_its_deadline(
        engine, clock, account, relay, local_slack):
    write(engine, clock, OutboxWriter(), alert(account, 1))
    with write_transaction(engine) as session:  # a relay claims, then dies before posting
        outbox_db.claim_due(session=session, now=clock.now(), claim_token="dead",
                            claim_until=clock.now() + timedelta(seconds=CLAIM_SECONDS),
                            limit=10)
    assert relay.run().claimed == 0
    clock.advance(timedelta(seconds=CLAIM_SECONDS))
    assert relay.run().sent == 1
    (row,) = messages(engine)
    assert row.status == "sent" and row.attempts == 2
    # The dead relay's late answer cannot overwrite the new claim's outcome.
    with write_transaction(engine) as session:
        assert not outbox_db.mark_sent(session=session, message_id=row.id, claim_token="dead",
                                       slack_ts="1.0", now=clock.now())


def test_a_relay_without_the_lease_claims_nothing(engine, clock, account, relay, local_slack):
    write(engine, clock, OutboxWriter(), alert(account, 1))
    lease = Lease(engine, clock, ttl=timedelta(seconds=3), holder="a")
    lease.heartbeat()
    clock.advance(timedelta(seconds=3))
    Lease(engine, clock, ttl=timedelta(seconds=3), holder="b").heartbeat()
    with pytest.raises(LeaseLost):
        relay.run(fence=lambda session: lease.fence(session, 1))
    assert local_slack.calls_to("chat.postMessage") == []
    assert messages(engine)[0].status == "pending"


def test_concurrent_relays_post_each_message_once(engine, clock, account, local_slack):
    writer = OutboxWriter()
    for n in range(40):
        write(engine, clock, writer, alert(account, n))
    client = WebClient(token="xoxb-test", base_url=local_slack.api_url)
    relays = [Relay(engine, clock, SlackSender(relay_client(client)), batch=5)
              for _ in range(4)]
    barrier = threading.Barrier(len(relays))

    def run(relay: Relay) -> None:
        barrier.wait()
        relay.run()

    threads = [threading.Thread(target=run, args=(r,)) for r in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = Counter(c.params["text"] for c in local_slack.calls_to("chat.postMessage"))
    assert len(texts) == 40 and set(texts.values()) == {1}
    assert {r.status for r in messages(engine)} == {"sent"}


def test_the_relay_client_never_retries_by_itself():
    client = WebClient(token="x", base_url="http://127.0.0.1:9/api/")
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    copy = relay_client(client)
    assert copy.retry_handlers == []
    assert (copy.token, copy.base_url) == ("x", "http://127.0.0.1:9/api/")


def test_a_network_error_is_transient(engine, clock, account):
    client = WebClient(token="x", base_url="http://127.0.0.1:9/api/")  # nothing listens
    relay = Relay(engine, clock, SlackSender(relay_client(client)))
    write(engine, clock, OutboxWriter(), alert(account, 1))
    report = relay.run()
    assert report.retried == 1 and report.errors[0].split(": ", 1)[1].startswith("network")
    assert messages(engine)[0].status == "pending"


# -- routing to the admins (DESIGN §7: alerts always reach a person) --------------------------

def routing_relay(engine, clock, local_slack, admins=("U0CREDIT",)):
    client = WebClient(token="xoxb-test", base_url=local_slack.api_url)
    return Relay(engine, clock, SlackSender(relay_client(client)), admins=admins)


def dm_posts(local_slack):
    return {call.params["channel"]: call.params["text"]
            for call in local_slack.calls_to("chat.postMessage")}


def test_without_a_channel_credits_admins_and_workspace_admins_get_a_dm_in_their_language(
        engine, clock, account, local_slack):
    from bot.console.local_slack import SlackUser
    local_slack.add_user(SlackUser("U0OWNER", "olga", is_owner=True, locale="de-DE"))
    local_slack.add_user(SlackUser("U0BOTADM", "robot", is_admin=True, is_bot=True))
    write(engine, clock, OutboxWriter(), alert(account, 1), channel=None)
    report = routing_relay(engine, clock, local_slack).run()
    assert (report.routed, report.sent) == (1, 3)  # delivered in the same run
    posts = dm_posts(local_slack)
    # CREDITS_ADMINS (U0CREDIT), the workspace admin (U0ADMIN) and the owner; no bot.
    assert sorted(posts) == ["D0ADMIN", "D0CREDIT", "D0OWNER"]
    assert "alert number 1" in posts["D0CREDIT"]
    assert "No alert channel is set, so this alert comes to the admins by DM" in posts["D0ADMIN"]
    assert "Es ist kein Warnkanal festgelegt" in posts["D0OWNER"]
    parent = next(r for r in messages(engine) if r.channel is None)
    assert (parent.status, parent.last_error) == (
        "routed", "no alert channel: sent to the admins' DMs")
    assert routing_relay(engine, clock, local_slack).run().claimed == 0


@pytest.mark.parametrize(("error", "note"), [
    ("not_in_channel", "I could not post this alert in <#C0ALERTS>: I am not a member of it. "
                       "Invite me there with `/invite @Credits Bot`"),
    ("channel_not_found", "it does not exist or I cannot see it"),
    ("is_archived", "the channel is archived")])
def test_a_channel_that_cannot_take_the_post_hands_the_alert_to_the_admins_at_once(
        engine, clock, account, local_slack, error, note):
    write(engine, clock, OutboxWriter(), alert(account, 1), channel="C0ALERTS")
    local_slack.fail_next("chat.postMessage", ScriptedFailure(error=error))
    report = routing_relay(engine, clock, local_slack).run()
    assert (report.routed, report.sent, report.retried) == (1, 2, 0)
    posts = dm_posts(local_slack)
    assert sorted(posts) == ["C0ALERTS", "D0ADMIN", "D0CREDIT"]
    assert "alert number 1" in posts["D0ADMIN"] and note in posts["D0ADMIN"]
    channel_row = next(r for r in messages(engine) if r.channel == "C0ALERTS")
    assert channel_row.status == "routed"
    assert channel_row.last_error == f"{error} in C0ALERTS: sent to the admins' DMs"


def test_the_admins_are_read_from_every_page_of_users_list(engine, clock, account,
                                                          local_slack):
    from bot.alerts.routing import USERS_LIST_PAGE
    from bot.console.local_slack import SlackUser
    for n in range(USERS_LIST_PAGE + 5):
        local_slack.add_user(SlackUser(f"U9{n:04d}", f"user{n}"))
    local_slack.add_user(SlackUser("UZLAST", "zed", is_admin=True))  # sorted last: page 2
    write(engine, clock, OutboxWriter(), alert(account, 1), channel=None)
    routing_relay(engine, clock, local_slack, admins=()).run()
    assert sorted(dm_posts(local_slack)) == ["D0ADMIN", "DZLAST"]
    assert len(local_slack.calls_to("users.list")) == 2


def test_with_nobody_to_dm_a_channel_failure_keeps_retrying(engine, clock, account,
                                                            local_slack):
    local_slack.users.clear()
    write(engine, clock, OutboxWriter(), alert(account, 1), channel="C0ALERTS")
    local_slack.fail_next("chat.postMessage", ScriptedFailure(error="not_in_channel"))
    report = routing_relay(engine, clock, local_slack, admins=()).run()
    assert (report.routed, report.retried) == (0, 1)
    (row,) = messages(engine)
    assert (row.status, row.last_error) == ("pending", "not_in_channel")
