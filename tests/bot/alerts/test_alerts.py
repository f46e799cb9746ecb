"""Alert rules: each kind fires once per episode, re-arms, and says what to do next."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.accounts import PaymentMethod
from bot.alerts import rules as alerts
from bot.alerts import texts as alert_texts
from bot.app import build_services
from bot.forecast import Forecaster
from bot.ledger import charge
from bot.payments import SimulatedGateway
from storage.db import read_session, write_transaction
from storage.ledger import open_lots
from tests import reads
from tests.conftest import make_settings
from tests.factories import make_account
from tests.money import eur, usd

D = Decimal


# -- pure rules ------------------------------------------------------------------------------

def levels(*pairs):
    return [alerts.ThresholdState(usd(a), armed) for a, armed in pairs]


def test_an_armed_threshold_fires_below_it_and_re_arms_only_above_it():
    assert alerts.threshold_changes(usd(450), levels((500, True), (200, True))) == ([usd(500)], [])
    assert alerts.threshold_changes(usd(150), levels((500, True), (200, True))) == (
        [usd(500), usd(200)], [])
    assert alerts.threshold_changes(usd(500), levels((500, False))) == ([], [])  # at it: neither
    assert alerts.threshold_changes(usd(500), levels((500, True))) == ([], [])
    assert alerts.threshold_changes(usd("500.01"), levels((500, False))) == ([], [usd(500)])
    assert alerts.threshold_changes(usd(100), levels((500, False))) == ([], [])


def snapshot(**changes):
    base = dict(id=1, team_id="T1", name="", currency="USD", timezone="UTC", region="US",
                billing_region="US", billing_type="mosa", balance=usd(10), version=3,
                suspended=False, suspended_at=None, autorecharge_enabled=False,
                autorecharge_amount=None, autorecharge_below=None, alert_channel=None,
                payment=PaymentMethod("card", "visa", "4242", 8, 2026))
    base.update(changes)
    return alerts.AccountView(**base)


def test_zero_alerts_once_per_suspension_and_lifts_once():
    assert alerts.zero_transition(snapshot(suspended=True), zero_alerted=False) == alerts.ZERO
    assert alerts.zero_transition(snapshot(suspended=True), zero_alerted=True) is None
    assert alerts.zero_transition(snapshot(suspended=False), zero_alerted=True) == alerts.LIFTED
    assert alerts.zero_transition(snapshot(suspended=False), zero_alerted=False) is None
    # A new account starts suspended before anything happened: nothing to say.
    assert alerts.zero_transition(snapshot(suspended=True, version=0), zero_alerted=False) is None


def test_card_state_warns_30_days_ahead_and_then_says_expired():
    card = PaymentMethod("card", "visa", "4242", 8, 2026)  # works through 31 Aug 2026
    assert alerts.card_state(card, datetime(2026, 7, 1, tzinfo=UTC)) is None
    assert alerts.card_state(card, datetime(2026, 8, 2, tzinfo=UTC)) == (alerts.CARD_EXPIRING,
                                                                        29)
    assert alerts.card_state(card, datetime(2026, 8, 31, 12, tzinfo=UTC)) == (
        alerts.CARD_EXPIRING, 0)
    assert alerts.card_state(card, datetime(2026, 9, 1, tzinfo=UTC)) == (alerts.CARD_EXPIRED, 0)
    assert alerts.card_state(PaymentMethod("invoice", po="PO-1"),
                             datetime(2026, 9, 1, tzinfo=UTC)) is None
    december = PaymentMethod("card", "visa", "4242", 12, 2026)
    assert alerts.card_expiry_end(december) == datetime(2027, 1, 1, tzinfo=UTC)


def test_lots_are_warned_about_14_days_ahead_once():
    now = datetime(2026, 11, 2, tzinfo=UTC)
    lot = alerts.LotState(1, usd(100), now - timedelta(days=350), now + timedelta(days=14), False)
    assert alerts.lots_to_warn([lot], now) == [lot]
    later = alerts.LotState(2, usd(100), now, now + timedelta(days=15), False)
    warned = alerts.LotState(3, usd(100), now, now + timedelta(days=3), True)
    empty = alerts.LotState(4, usd(0), now, now + timedelta(days=3), False)
    assert alerts.lots_to_warn([later, warned, empty], now) == []


def test_a_spike_needs_a_baseline_a_floor_and_three_times_the_median():
    day = date(2026, 11, 2)
    history = [(day - timedelta(days=n), usd(20)) for n in range(1, 15)]
    assert alerts.spend_spike(history + [(day, usd(60))], day) is not None
    spike = alerts.spend_spike(history + [(day, usd(200))], day)
    assert spike is not None and (spike.median, spike.ratio) == (usd(20), D(10))
    assert alerts.spend_spike(history + [(day, usd(59))], day) is None  # under 3x the median
    small = [(day - timedelta(days=n), usd(1)) for n in range(1, 15)]
    assert alerts.spend_spike(small + [(day, usd(40))], day) is None  # under the floor
    assert alerts.spend_spike(history[:6] + [(day, usd(500))], day) is None  # no baseline yet
    zeros = [(day - timedelta(days=n), usd(0)) for n in range(1, 15)]
    spike = alerts.spend_spike(zeros + [(day, usd(80))], day)
    assert spike is not None and spike.ratio is None


def test_runout_is_due_within_7_days_unless_at_zero_or_recharging():
    assert alerts.runout_due(balance=usd(100), days_left=D(7), autorecharge=False)
    assert not alerts.runout_due(balance=usd(100), days_left=D("7.1"), autorecharge=False)
    assert not alerts.runout_due(balance=usd(100), days_left=None, autorecharge=False)
    assert not alerts.runout_due(balance=usd(0), days_left=D(0), autorecharge=False)
    assert not alerts.runout_due(balance=usd(100), days_left=D(2), autorecharge=True)
    assert not alerts.runout_due(balance=usd(100), days_left=D(2), autorecharge=False,
                                 days_counted=2)


def test_every_alert_says_what_happened_the_balance_and_what_to_do():
    account = snapshot(balance=usd("-12.5"), suspended=True)
    made = [
        alert_texts.low_balance_alert(account, [usd(500), usd(200)], episode=4),
        alert_texts.zero_balance_alert(account, episode=4),
        alert_texts.lifted_alert(account, episode=5),
        alert_texts.recharge_succeeded_alert(account, attempt_id="a1", amount=usd(500),
                                             method="Visa"),
        alert_texts.recharge_failed_alert(account, attempt_id="a1", tries=2, amount=usd(500),
                                     reason="card expired 08/2026: update the payment method",
                                     next_try=None, card_problem=True),
        alert_texts.recharge_capped_alert(account, key="cap:1", limit=5,
                                     until=datetime(2026, 11, 3, tzinfo=UTC)),
        alert_texts.card_alert(account, (alerts.CARD_EXPIRED, 0)),
        alert_texts.card_alert(account, (alerts.CARD_EXPIRING, 12)),
        alert_texts.funds_expiring_alert(account, [alerts.LotState(
            7, usd(300), datetime(2025, 11, 20, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC),
            False)]),
        alert_texts.runout_alert(account, days_left=D("4.5"), run_out=date(2026, 11, 6),
                            average=usd(30), today=date(2026, 11, 2)),
        alert_texts.spike_alert(account, alerts.Spike(date(2026, 11, 2), usd(200), usd(20),
                                                      D(10))),
    ]
    assert len({a.key for a in made if a}) == len(made)
    for alert in made:
        assert alert is not None
        text = alert_texts.alert_text(alert)
        assert "Balance: -$12.50." in text and "\nNext: " in text, text
    low, zero = made[0], made[1]
    assert "below $200.00 (and $500.00)" in low.headline
    assert low.buttons == (alerts.RECHARGE_NOW, alerts.AUTORECHARGE_ON, alerts.SHOW_USAGE)
    assert "suspended" in zero.headline and zero.severity == "critical"
    failed = alert_texts.alert_text(made[4])
    assert "failed: card expired 08/2026: update the payment method." in failed
    assert "update the payment method with `/credits payment set` (admins)" in failed
    assert made[6].headline.startswith("Card expired 08/2026")
    assert "in 12 days" in made[7].headline
    assert "10x the 14-day median of $20.00" in made[10].headline


def every_alert(account):
    return [
        alert_texts.low_balance_alert(account, [usd(500), usd(200)], episode=4),
        alert_texts.zero_balance_alert(account, episode=4),
        alert_texts.lifted_alert(account, episode=5),
        alert_texts.recharge_succeeded_alert(account, attempt_id="a1", amount=usd(500),
                                             method="Visa ending 4242, expires 08/2026"),
        alert_texts.recharge_failed_alert(
            account, attempt_id="a1", tries=2, amount=usd(500), reason="Your card was declined.",
            next_try=datetime(2026, 11, 2, 9, 5, tzinfo=UTC), card_problem=True,
            code="card_declined"),
        alert_texts.recharge_capped_alert(account, key="cap:1", limit=5,
                                          until=datetime(2026, 11, 3, 8, 30, tzinfo=UTC)),
        alert_texts.card_alert(account, (alerts.CARD_EXPIRED, 0)),
        alert_texts.card_alert(account, (alerts.CARD_EXPIRING, 12)),
        alert_texts.funds_expiring_alert(account, [alerts.LotState(
            7, usd(300), datetime(2025, 11, 20, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC),
            False)]),
        alert_texts.runout_alert(account, days_left=D("4.5"), run_out=date(2026, 11, 6),
                                 average=usd(30), today=date(2026, 11, 2)),
        alert_texts.spike_alert(account, alerts.Spike(date(2026, 11, 2), usd(200), usd(20),
                                                      D("10.5"))),
        alert_texts.funds_expired_alert(account, amount=usd(40), entry_id=9),
    ]


def test_a_german_account_gets_every_alert_in_german_with_german_dates_and_amounts():
    made = every_alert(snapshot(balance=usd("-12.5"), suspended=True, language="de-DE"))
    english_words = ("Balance", "Next:", "credits ", " the ", " expires", "ending", "Recharge")
    for alert in made:
        assert alert is not None and alert.locale == "de-DE"
        text = alert_texts.alert_text(alert)
        assert "Guthaben: -12,50\xa0$." in text and "\nNächster Schritt: " in text, text
        assert not [word for word in english_words if word in text.replace(
            "Communications Credits", "").replace("`/credits", "")], text
        assert not [day for day in ("2026-11", "2025-11") if day in text], text
    low, zero, lifted, ok, failed, capped, expired, expiring, funds, runout, spike, gone = made
    assert low.headline == ("Die Communications Credits werden knapp: das Guthaben ist unter "
                            "200,00\xa0$ gefallen (und unter 500,00\xa0$).")
    assert ok.headline == ("Die automatische Aufladung hat 500,00\xa0$ aufgeladen (Visa mit "
                           "Endziffern 4242, gültig bis 08/2026).")
    assert failed.headline.endswith("ist fehlgeschlagen: Ihre Karte wurde abgelehnt.")
    assert failed.detail is not None and "nach 02.11.2026 09:05 UTC erneut" in failed.detail
    assert "Vor 03.11.2026 08:30 UTC" in capped.headline
    assert expired.headline.startswith("Karte abgelaufen (Ende 08/2026): mit der Karte Visa mit "
                                       "Endziffern 4242")
    assert "(ihr letzter Tag ist in 12 Tagen)" in expiring.headline
    assert funds.headline.startswith("300,00\xa0$ Guthaben verfallen bis zum 20.11.2026")
    assert funds.detail == "300,00\xa0$, gekauft am 20.11.2025, verfallen am 20.11.2026."
    assert "um den 06.11.2026 aufgebraucht (in etwa 4,5 Tagen)" in runout.headline
    assert spike.headline.startswith("Ungewöhnliche Ausgaben am 02.11.2026: 200,00\xa0$, das "
                                     "10,5-Fache")


def test_alert_plurals_read_right_for_one_and_two():
    for language, one, two in (("en-US", "(its last day is in 1 day)", "in 2 days"),
                               ("de-DE", "(ihr letzter Tag ist in 1 Tag)", "in 2 Tagen")):
        account = snapshot(language=language)
        assert one in alert_texts.card_alert(account, (alerts.CARD_EXPIRING, 1)).headline
        assert two in alert_texts.card_alert(account, (alerts.CARD_EXPIRING, 2)).headline
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)

    def reminder(tries, language):
        return alert_texts.recharge_failed_alert(
            snapshot(language=language), attempt_id="a", tries=tries, amount=usd(50),
            reason="declined", next_try=None, card_problem=False, episode_id="e",
            started=start, now=start + timedelta(days=1)).headline
    assert "(1 try)" in reminder(1, "en-US") and "(2 tries)" in reminder(2, "en-US")
    assert "(1 Versuch)" in reminder(1, "de-DE") and "(2 Versuche)" in reminder(2, "de-DE")
    assert "since Nov 1, 2026 09:00 UTC" in reminder(2, "en-US")


# -- the monitor against the database -------------------------------------------------------

@pytest.fixture
def services(engine, clock):
    settings = make_settings(credits_admins=("U0CREDIT",))
    return build_services(settings, engine=engine, clock=clock,
                          gateway=SimulatedGateway(clock))


@pytest.fixture
def account(services, engine, clock):
    made = make_account(engine, clock, balance=D(1000))
    services.accounts.set_alert_channel(made.team_id, "C0ALERTS")
    for level in (usd(500), usd(200)):
        services.alert_settings.add_threshold(account_id=made.id, amount=level)
    return made


def monitor(services):
    return services.alerts


def sent(engine, kind=None):
    with read_session(engine) as session:
        return [(m.kind, m.dedupe_key) for m in reads.list_messages(session=session,
                                                                        kind=kind)]


def spend(services, account, amount, key):
    return services.ledger.charge(account_id=account.id, amount=usd(amount), key=key, actor="t")


def test_each_threshold_alerts_once_per_crossing_and_re_arms_above_it(services, engine,
                                                                      account):
    first = spend(services, account, 600, "c1")  # 400: below 500
    spend(services, account, 50, "c2")  # 350: nothing new
    monitor(services).check_account(account.id)  # the sweep finds nothing more either
    second = spend(services, account, 200, "c3")  # 150: below 200
    assert [k for _, k in sent(engine, alerts.LOW)] == [
        f"low:{account.id}:500000000:{first.account_version}",
        f"low:{account.id}:200000000:{second.account_version}"]
    services.ledger.deposit(account_id=account.id, amount=usd(400), key="d1", actor="t")  # 550
    third = spend(services, account, 100, "c4")  # 450: below 500 again, a new crossing
    assert len(sent(engine, alerts.LOW)) == 3
    (row,) = [m for m in _rows(engine)
              if m.dedupe_key == f"low:{account.id}:500000000:{third.account_version}"]
    assert row.channel == "C0ALERTS" and "fell below $500.00" in row.text
    assert row.blocks and "alert_recharge_now" in row.blocks


def test_zero_balance_alerts_once_per_episode_and_says_when_lifted(services, engine, account):
    spend(services, account, 1005, "c1")  # -5: suspended (and below both thresholds)
    spend(services, account, 10, "c2")
    monitor(services).check_account(account.id)
    assert [k for k, _ in sent(engine)] == [alerts.ZERO]  # the low alerts say less: left out
    services.ledger.deposit(account_id=account.id, amount=usd(100), key="d1", actor="t")
    spend(services, account, 85, "c3")  # exactly zero: suspended again, a second episode
    services.ledger.deposit(account_id=account.id, amount=usd(50), key="d2", actor="t")
    assert [k for k, _ in sent(engine)] == [alerts.ZERO, alerts.LIFTED, alerts.ZERO,
                                            alerts.LIFTED]
    assert len({k for _, k in sent(engine)}) == 4


def test_the_sweep_catches_up_on_a_change_made_without_the_hook(services, engine, clock,
                                                                account):
    with write_transaction(engine) as session:  # e.g. a hook that failed and rolled back
        charge(session, account_id=account.id, amount=usd(1010), key="raw", actor="t",
               now=clock.now())
    assert sent(engine) == []
    assert len(monitor(services).check_account(account.id)) == 1
    assert [k for k, _ in sent(engine)] == [alerts.ZERO]
    assert monitor(services).check_account(account.id) == []


def test_a_failing_alert_hook_does_not_undo_the_charge(services, engine, account,
                                                       monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug in a rule")

    monkeypatch.setattr("bot.alerts.monitor.low_balance_alert", broken)
    posting = spend(services, account, 600, "c1")
    assert posting.applied and services.accounts.get(account.team_id).balance == usd(400)
    assert sent(engine) == []
    monkeypatch.undo()
    monitor(services).check_account(account.id)  # the threshold stayed armed: caught up
    assert [k for k, _ in sent(engine)] == [alerts.LOW]


def test_a_card_expiring_within_30_days_is_warned_once_per_card(services, engine, clock,
                                                                account):
    services.accounts.set_card(account.team_id, brand="visa", last4="4242", exp_month=11,
                               exp_year=2026)  # the clock says 2 Nov 2026
    monitor(services).check_account(account.id)
    monitor(services).check_account(account.id)
    assert sent(engine, alerts.CARD_EXPIRING) == [
        (alerts.CARD_EXPIRING, f"card-expiring:{account.id}:visa:4242:2026-11")]
    clock.advance(timedelta(days=30))  # 2 Dec: expired
    monitor(services).check_account(account.id)
    monitor(services).check_account(account.id)
    assert len(sent(engine, alerts.CARD_EXPIRED)) == 1
    services.accounts.set_card(account.team_id, brand="visa", last4="1881", exp_month=12,
                               exp_year=2026)  # a new card, expiring this month too
    monitor(services).check_account(account.id)
    assert len(sent(engine, alerts.CARD_EXPIRING)) == 2


def test_lots_expiring_within_14_days_are_warned_once_then_expire(services, engine, clock,
                                                                  account):
    clock.advance(timedelta(days=365 - 20))
    assert monitor(services).check_account(account.id) == []
    clock.advance(timedelta(days=7))  # 13 days left
    (warned,) = monitor(services).check_account(account.id)
    assert warned.kind == alerts.FUNDS_EXPIRING and "$1,000.00" in warned.headline
    assert monitor(services).check_account(account.id) == []
    with read_session(engine) as session:
        assert all(lot.expiry_warned for lot in open_lots(session=session,
                                                          account_id=account.id))
    clock.advance(timedelta(days=14))
    services.ledger.expire(account_id=account.id)  # the sweep does this before the rules
    assert services.accounts.get(account.team_id).balance == usd(0)
    assert alerts.ZERO in [k for k, _ in sent(engine)]


def daily_spend(services, account, clock, amounts):
    """One charge per day, then the clock at the next day's morning."""
    for n, amount in enumerate(amounts):
        spend(services, account, amount, f"spend:{clock.now():%Y-%m-%d}:{n}")
        clock.advance(timedelta(days=1))


def test_a_forecast_run_out_within_7_days_alerts_once_per_episode(services, engine, clock,
                                                                  account):
    services.alert_settings.remove_threshold(account_id=account.id, amount=usd(500))
    services.alert_settings.remove_threshold(account_id=account.id, amount=usd(200))
    forecaster = Forecaster(engine, clock)
    daily_spend(services, account, clock, [D(50)] * 10)  # 500 left, about 50 a day
    while (forecaster.forecast(account.id).days_left or 0) > 7:
        assert monitor(services).check_account(account.id) == []
        daily_spend(services, account, clock, [D(50)])
    (runout,) = monitor(services).check_account(account.id)
    assert runout.kind == alerts.RUNOUT and "in about" in runout.headline
    daily_spend(services, account, clock, [D(50)])
    assert monitor(services).check_account(account.id) == []  # the same episode
    services.ledger.deposit(account_id=account.id, amount=usd(1000), key="top-up", actor="t")
    assert monitor(services).check_account(account.id) == []  # out of range: re-armed
    daily_spend(services, account, clock, [D(300), D(300), D(300)])  # a spike, and a new episode
    kinds = [a.kind for a in monitor(services).check_account(account.id)]
    assert kinds.count(alerts.RUNOUT) == 1


def test_a_spend_spike_alerts_once_that_day(services, engine, clock, account):
    services.ledger.deposit(account_id=account.id, amount=usd(5000), key="big", actor="t")
    daily_spend(services, account, clock, [D(20)] * 14)
    spend(services, account, 200, "fraud")
    found = monitor(services).check_account(account.id)
    assert [a.kind for a in found] == [alerts.SPIKE]
    assert monitor(services).check_account(account.id) == []
    clock.advance(timedelta(days=1))  # yesterday's spike is still the same alert
    assert alerts.SPIKE not in [a.kind for a in monitor(services).check_account(account.id)]


def test_a_euro_account_is_alerted_in_euros(services, engine, clock):
    euros = make_account(engine, clock, team_id="T2", currency="EUR", balance=D(1000))
    services.alert_settings.add_threshold(account_id=euros.id, amount=eur(500))
    services.ledger.charge(account_id=euros.id, amount=eur(600), key="c1", actor="t")
    (row,) = [m for m in _rows(engine) if m.kind == alerts.LOW]
    assert "fell below €500.00" in row.text and "Balance: €400.00." in row.text
    assert row.dedupe_key.startswith(f"low:{euros.id}:500000000:")


def test_without_a_channel_the_relay_picks_the_admins_at_delivery(services, engine, clock):
    lonely = make_account(engine, clock, team_id="T2", balance=D(100))
    spend(services, lonely, 150, "c1")
    # Nobody is chosen when the alert is written (the writer may be a CLI knowing no admins).
    assert [m.channel for m in _rows(engine)] == [None]


def _rows(engine):
    with read_session(engine) as session:
        return list(reads.list_messages(session=session))


def test_a_post_paid_account_gets_no_low_zero_or_run_out_alerts(services, engine, clock,
                                                                account):
    # An MCA account's calls are invoiced: the balance running low or below zero stops
    # nothing, so none of the alerts that say so fire, from the hook or from the sweep.
    services.accounts.update(account.team_id, billing_type="mca")
    daily_spend(services, account, clock, [D(100)] * 9)  # 100 left, 100 a day: out tomorrow
    spend(services, account, 1200, "big")  # far below zero
    assert not services.accounts.get(account.team_id).suspended
    swept = [a.kind for a in monitor(services).check_account(account.id)]
    assert swept == [alerts.SPIKE]  # what it spends is still watched
    kinds = [k for k, _ in sent(engine)]
    assert alerts.ZERO not in kinds and alerts.LOW not in kinds and alerts.RUNOUT not in kinds
