"""The scheduler: the sweep end to end (alerts, expiries, auto-recharge with its failures and
timeouts), the lease that lets one process run the jobs, and APScheduler driving them."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from slack_sdk import WebClient
from sqlmodel import col, select

from bot.alerts import rules as alerts
from bot.app import build_services
from bot.payments import SimulatedGateway
from bot.recharge import BACKOFF
from bot.runtime.lease import LeaseLost
from bot.runtime.scheduler import build_runtime, start_scheduler, sweep
from storage.db import read_session
from storage.models import LedgerEntry, RechargeAttempt
from tests import reads
from tests.conftest import make_settings
from tests.factories import make_account
from tests.money import usd

TTL = timedelta(seconds=3)


class World:
    """The real services (alerts and auto-recharge wired in) on one account with auto-recharge
    (add 500 below 200) and an alert channel, and a scheduler runtime talking to local Slack."""

    def __init__(self, engine, clock, local_slack, *, last4="4242", exp=(12, 2030),
                 balance="1000", **settings):
        self.engine, self.clock, self.slack = engine, clock, local_slack
        self.gateway = SimulatedGateway(clock)
        self.settings = make_settings(slack_api_url=local_slack.api_url, **settings)
        self.services = build_services(self.settings, engine=engine, clock=clock,
                                       gateway=self.gateway)
        self.account = make_account(engine, clock, balance=Decimal(balance), card_last4=last4,
                                    exp=exp)
        self.services.accounts.set_autorecharge(self.account.team_id, enabled=True,
                                                amount=usd(500), below=usd(200))
        self.services.accounts.set_alert_channel(self.account.team_id, "C0ALERTS")
        self.client = WebClient(token="xoxb-test", base_url=local_slack.api_url)
        self.runtime = build_runtime(self.services, self.client, self.settings, holder="test",
                                     lease_ttl=TTL)
        self.charges = 0

    def charge(self, amount):
        self.charges += 1
        return self.services.ledger.charge(account_id=self.account.id, amount=usd(amount),
                                           key=f"calls:{self.charges}", actor="import")

    def sweep(self):
        return sweep(self.runtime)

    def deliver(self):
        return self.runtime.relay.run()

    def outbox(self, kind=None):
        with read_session(self.engine) as session:
            return list(reads.list_messages(session=session, kind=kind))

    def attempts(self):
        with read_session(self.engine) as session:
            return list(session.exec(select(RechargeAttempt).order_by(
                col(RechargeAttempt.account_version), col(RechargeAttempt.tries))).all())

    def recharge_entries(self):
        with read_session(self.engine) as session:
            return list(session.exec(select(LedgerEntry).where(
                LedgerEntry.kind == "recharge")).all())

    def balance(self):
        return self.services.accounts.get(self.account.team_id).balance


def test_a_charge_below_the_trigger_recharges_right_after_commit_and_alerts(
        engine, clock, local_slack):
    world = World(engine, clock, local_slack)
    world.charge("850")  # 150: below the trigger
    assert world.balance() == usd(650)
    assert [m.kind for m in world.outbox()] == [alerts.RECHARGE_OK]
    world.sweep()  # nothing more to do
    assert len(world.gateway.charges) == 1 and len(world.outbox()) == 1
    world.deliver()
    (post,) = local_slack.calls_to("chat.postMessage")
    assert "Auto-recharge added $500.00" in post.params["text"]


def test_concurrent_charges_recharge_once_per_crossing_through_the_hook(engine, clock,
                                                                        local_slack):
    world = World(engine, clock, local_slack, balance="1000")
    barrier = threading.Barrier(8)

    def charge(n: int) -> None:
        barrier.wait()
        world.services.ledger.charge(account_id=world.account.id, amount=usd(110),
                                     key=f"race:{n}", actor="import")

    threads = [threading.Thread(target=charge, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    world.sweep()
    # 1000 - 880 = 120 crosses 200 once: one recharge of 500, whatever the interleaving.
    assert len(world.gateway.charges) == 1 and len(world.recharge_entries()) == 1
    assert world.balance() == usd(620)
    assert len(world.outbox(alerts.RECHARGE_OK)) == 1


@pytest.mark.parametrize(("last4", "exp", "reason"), [
    ("0002", (12, 2030), "failed: your card was declined."),  # lower case mid-sentence
    ("4242", (8, 2026), "card expired 08/2026: update the payment method"),
])
def test_a_refused_card_fails_with_its_reason_alerts_once_per_episode_and_retries(
        engine, clock, local_slack, last4, exp, reason):
    world = World(engine, clock, local_slack, last4=last4, exp=exp)
    world.charge("850")
    (failed,) = world.outbox(alerts.RECHARGE_FAILED)
    assert reason.rstrip(".") in failed.text and "`/credits payment set`" in failed.text
    world.sweep()
    world.sweep()  # before the back-off: no new try, no new alert
    assert len(world.outbox(alerts.RECHARGE_FAILED)) == 1
    clock.advance(BACKOFF[0])
    world.sweep()
    assert [a.tries for a in world.attempts()] == [1, 2]
    assert len(world.outbox(alerts.RECHARGE_FAILED)) == 1  # one alert for the episode
    # A new card a minute later: retried at the next sweep, without waiting for the back-off.
    clock.advance(timedelta(minutes=1))
    world.services.accounts.set_card(world.account.team_id, brand="visa", last4="4242",
                                     exp_month=12, exp_year=2030)
    world.sweep()
    assert world.balance() == usd(650)
    assert len(world.outbox(alerts.RECHARGE_OK)) == 1 and len(world.gateway.charges) == 1
    world.deliver()
    texts = [c.params["text"] for c in local_slack.calls_to("chat.postMessage")]
    assert sum("failed" in t for t in texts) == 1
    assert sum("Auto-recharge added" in t for t in texts) == 1
    # The sweep also says the expired card expired (once), apart from the failures.
    assert sum(t.startswith(":rotating_light: Card expired") for t in texts) == (
        1 if exp == (8, 2026) else 0)
    assert len(texts) == len(world.outbox())


def test_a_card_declined_at_every_retry_is_one_alert_plus_a_daily_reminder(
        engine, clock, local_slack):
    world = World(engine, clock, local_slack, last4="0002")
    world.charge("850")
    for _ in range(24):  # three days of retries (1 m, 5 m, 30 m, 2 h, then every 6 h)
        clock.advance(timedelta(hours=3))
        world.sweep()
    tries = max(a.tries for a in world.attempts())
    assert tries > 10
    texts = [m.text for m in world.outbox(alerts.RECHARGE_FAILED)]
    assert len(texts) == 4  # the first failure, then one reminder a day
    assert texts[0].startswith(":rotating_light: Auto-recharge of $500.00 failed: your card "
                               "was declined.")
    assert all(t.startswith(":rotating_light: Reminder: auto-recharge of $500.00 still fails "
                            "since Nov 2, 2026 09:00 UTC (") for t in texts[1:])


def test_a_gateway_timeout_is_reconciled_by_the_sweep_without_a_second_charge(
        engine, clock, local_slack):
    world = World(engine, clock, local_slack)
    world.gateway.time_out_next(after_charge=True)  # charged, but the answer is lost
    world.charge("850")
    assert world.balance() == usd(150) and world.outbox(alerts.RECHARGE_OK) == []
    assert [a.status for a in world.attempts()] == ["processing"]
    world.sweep()  # asks the gateway what happened under the attempt's key
    assert len(world.gateway.charges) == 1 and world.balance() == usd(650)
    world.sweep()
    assert len(world.outbox(alerts.RECHARGE_OK)) == 1 and len(world.recharge_entries()) == 1


def test_the_sweep_expires_old_lots_and_alerts_about_it(engine, clock, local_slack):
    world = World(engine, clock, local_slack)
    world.services.accounts.set_autorecharge(world.account.team_id, enabled=False)
    clock.advance(timedelta(days=355))
    report = world.sweep()
    assert report.alerts == 1 and [m.kind for m in world.outbox()] == [alerts.FUNDS_EXPIRING]
    clock.advance(timedelta(days=11))
    report = world.sweep()
    assert report.expired_lots == 1 and world.balance() == usd(0)
    # The zero balance, and the expiry itself (not only the warning 14 days ahead).
    assert [m.kind for m in world.outbox()] == [alerts.FUNDS_EXPIRING, alerts.ZERO,
                                                alerts.FUNDS_EXPIRED]


def test_a_stale_lease_holder_writes_nothing(engine, clock, local_slack):
    world = World(engine, clock, local_slack, exp=(11, 2026))  # the sweep has a card to warn of
    world.services.accounts.set_autorecharge(world.account.team_id, enabled=False)
    world.runtime.lease.heartbeat()
    token = world.runtime.lease.token
    other = build_runtime(world.services, world.client, world.settings, holder="other",
                          lease_ttl=TTL)
    clock.advance(TTL)
    other.lease.heartbeat()  # took over while "test" was paused
    world.runtime.lease._token, world.runtime.lease._expires_at = token, clock.now() + TTL
    with pytest.raises(LeaseLost):
        sweep(world.runtime, token)
    assert world.outbox() == []
    assert sweep(other, other.lease.token).alerts == 1  # the holder does the work
    assert [m.kind for m in world.outbox()] == [alerts.CARD_EXPIRING]


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_two_schedulers_deliver_each_alert_once_and_a_standby_takes_over(
        engine, clock, local_slack):
    world = World(engine, clock, local_slack, balance="100",
                  credits_sweep_seconds=0.2, credits_outbox_seconds=0.2)
    world.services.accounts.set_autorecharge(world.account.team_id, enabled=False)
    world.services.alert_settings.add_threshold(account_id=world.account.id, amount=usd(50))
    second = build_services(world.settings, engine=engine, clock=clock, gateway=world.gateway)
    first_handle = start_scheduler(world.services, world.client, world.settings, holder="first")
    second_handle = start_scheduler(second, world.client, world.settings, holder="second")
    try:
        assert first_handle.lease.held() and not second_handle.lease.held()
        world.charge("60")  # 40: below 50
        assert wait_for(lambda: len(local_slack.calls_to("chat.postMessage")) >= 1)
        first_handle.shutdown()  # releases the lease: the standby's next heartbeat takes it
        assert wait_for(second_handle.lease.held)
        world.charge("45")  # -5: zero balance
        assert wait_for(lambda: len(local_slack.calls_to("chat.postMessage")) >= 2)
        time.sleep(0.5)  # several more sweeps and relays by now: nothing more goes out
    finally:
        first_handle.shutdown()
        second_handle.shutdown()
    texts = Counter(c.params["text"].split("\n")[0] for c in
                    local_slack.calls_to("chat.postMessage"))
    assert len(texts) == 2 and set(texts.values()) == {1}
    assert {m.kind for m in world.outbox()} == {alerts.LOW, alerts.ZERO}
    assert {m.status for m in world.outbox()} == {"sent"}


def test_the_runaway_guard_alerts_once_while_it_holds(engine, clock, local_slack):
    world = World(engine, clock, local_slack)
    for amount in ("850", "500", "500", "500", "500"):  # each leaves 150, then 650 again
        world.charge(amount)
    assert len(world.outbox(alerts.RECHARGE_OK)) == 5 and world.balance() == usd(650)
    world.charge("550")  # 100: below the trigger, but five recharges in 24 hours
    world.sweep()
    world.sweep()
    (capped,) = world.outbox(alerts.RECHARGE_CAPPED)
    assert "bought credits 5 times in 24 hours" in capped.text
    assert len(world.gateway.charges) == 5


def test_the_sweep_forgets_event_ids_once_slack_can_no_longer_retry(engine, clock,
                                                                  local_slack):
    from storage.db import write_transaction
    from storage.events import Claim, claim_event, finish_event

    lease = timedelta(seconds=30)
    world = World(engine, clock, local_slack)
    with write_transaction(engine) as session:
        assert claim_event(session=session, key="event:Ev1", team_id="T1", now=clock.now(),
                           lease=lease) is Claim.TAKEN
        finish_event(session=session, key="event:Ev1")
    clock.advance(timedelta(hours=23))
    assert world.sweep().pruned_events == 0
    with write_transaction(engine) as session:  # still remembered: a retry is answered once
        assert claim_event(session=session, key="event:Ev1", team_id="T1", now=clock.now(),
                           lease=lease) is Claim.ANSWERED
    clock.advance(timedelta(hours=2))
    assert world.sweep().pruned_events == 1
