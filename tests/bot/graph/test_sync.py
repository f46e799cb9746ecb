"""The Graph usage sync against the stand-in: paging, overlap, throttling, tokens, errors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import select

from bot.graph.sync import windows_between
from storage.db import read_session
from storage.models import OutboxMessage
from tests import reads
from tests.factories import ledger_state, make_account
from tests.graph_standin import Failure, direct_routing_row, pstn_row
from tests.money import usd

TEAM = "T0GRAPH"


def sync_of(services):
    graph = services.graph
    assert graph.connected
    return graph.sync


def call_count(engine, account_id):
    with read_session(engine) as session:
        return reads.count_calls(session=session, account_id=account_id)


def rows(clock, count, *, first=0, days_ago=2):
    start = clock.now() - timedelta(days=days_ago)
    return [pstn_row(first + n, start + timedelta(minutes=n)) for n in range(count)]


def test_several_pages_are_all_charged(graph_services, standin, engine, clock):
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(1000))
    standin.add_calls("getPstnCalls", rows(clock, 120))  # 3 pages of 50
    report = sync_of(graph_services).run(account.id)
    assert report.error is None and report.new_calls == 120 and report.pages == 4  # + DR
    assert len(standin.requests_to("getPstnCalls")) == 3
    assert ledger_state(engine, TEAM)[0] == Decimal(1000) - Decimal("0.25") * 120
    view = sync_of(graph_services).view(account.id)
    assert view.high_water_at == clock.now() and view.new_calls == 120


def test_late_records_are_picked_up_by_the_overlap_and_nothing_twice(
        graph_services, standin, engine, clock):
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(1000))
    standin.add_calls("getPstnCalls", rows(clock, 10, days_ago=1))
    sync = sync_of(graph_services)
    assert sync.run(account.id).new_calls == 10
    # A call made before the mark that Microsoft publishes only hours later.
    clock.advance(timedelta(hours=6))
    standin.add_calls("getPstnCalls", [pstn_row(99, clock.now() - timedelta(hours=12))])
    second = sync.run(account.id)
    assert second.new_calls == 1 and second.duplicates == 10
    assert call_count(engine, account.id) == 11
    assert ledger_state(engine, TEAM)[0] == Decimal(1000) - Decimal("0.25") * 11
    (start, _), = second.windows
    assert start == clock.now() - timedelta(hours=6) - timedelta(hours=48)


def test_windows_are_at_most_90_days():
    from datetime import UTC, datetime
    start = datetime(2026, 1, 1, tzinfo=UTC)
    windows = windows_between(start, start + timedelta(days=200))
    assert [end - begin for begin, end in windows] == [timedelta(days=90)] * 2 + [
        timedelta(days=20)]


def test_a_long_since_is_read_in_90_day_windows_the_stand_in_accepts(
        graph_services, standin, engine, clock):
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(1000))
    standin.add_calls("getPstnCalls", rows(clock, 3, days_ago=150))
    report = sync_of(graph_services).run(account.id, since=clock.now() - timedelta(days=200))
    assert report.error is None and report.new_calls == 3 and len(report.windows) == 3
    assert all(seen.status == 200 for seen in standin.requests_to("callRecords"))


def test_throttled_sync_keeps_retry_after_and_the_next_run_waits(
        graph_services, standin, engine, clock):
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(1000))
    standin.add_calls("getPstnCalls", rows(clock, 60))
    standin.fail_next(Failure("skip=50", 429, {"error": {"code": "TooManyRequests",
                                                         "message": "throttled"}},
                              {"Retry-After": "120"}))
    sync = sync_of(graph_services)
    first = sync.run(account.id)
    assert first.retry_after == 120 and first.new_calls == 50
    assert sync.view(account.id).high_water_at is None  # the window was not finished
    clock.advance(timedelta(seconds=60))
    waiting = sync.run(account.id)
    assert waiting.skipped and 0 < waiting.retry_after <= 61
    clock.advance(timedelta(seconds=61))
    done = sync.run(account.id)
    assert done.new_calls == 10 and done.duplicates == 50 and done.error is None
    assert call_count(engine, account.id) == 60
    assert ledger_state(engine, TEAM)[0] == Decimal(1000) - Decimal("0.25") * 60


def test_an_expired_token_is_refreshed_once(graph_services, standin, engine, clock):
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(100))
    standin.add_calls("getPstnCalls", rows(clock, 5))
    sync = sync_of(graph_services)
    assert sync.run(account.id).new_calls == 5
    token_requests = len(standin.requests_to("/oauth2/v2.0/token"))
    standin.expire_tokens()  # msal still believes its cached token is good
    standin.add_calls("getPstnCalls", rows(clock, 5, first=100))
    report = sync.run(account.id)
    assert report.error is None and report.new_calls == 5
    assert len(standin.requests_to("/oauth2/v2.0/token")) == token_requests + 1
    assert [seen.status for seen in standin.requests_to("getPstnCalls")][-2:] == [401, 200]


def test_a_permission_error_is_recorded_and_alerted_once_per_episode(
        graph_services, standin, engine, clock):
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(100))
    standin.deny_call_records = ("Missing role permissions on the request. API requires one "
                                 "of 'CallRecord-PstnCalls.Read.All'.")
    sync = sync_of(graph_services)
    for _ in range(3):
        report = sync.run(account.id)
        clock.advance(timedelta(hours=1))
    assert "403 Forbidden" in report.error
    assert "403 Forbidden" in sync.view(account.id).last_error

    def alerts():
        with read_session(engine) as session:
            return [row for row in session.exec(select(OutboxMessage)).all()
                    if row.kind == "graph_sync_failed"]

    (alert,) = alerts()
    assert "Microsoft Graph refused the call records: 403 Forbidden" in alert.text
    assert "permissions" in alert.text
    standin.deny_call_records = None
    assert sync.run(account.id).error is None
    assert sync.view(account.id).last_error is None
    standin.deny_call_records = "denied again"
    sync.run(account.id)
    assert len(alerts()) == 2  # a new episode


def test_graph_and_a_file_import_of_the_same_calls_charge_once(
        graph_services, standin, engine, clock):
    import json
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(1000))
    records = rows(clock, 30)
    file = json.dumps({"value": records[:20]}).encode()
    assert graph_services.usage_importer.run(file, account_id=account.id).new_calls == 20
    standin.add_calls("getPstnCalls", records)
    report = sync_of(graph_services).run(account.id)
    assert report.new_calls == 10 and report.duplicates == 20
    assert ledger_state(engine, TEAM)[0] == Decimal(1000) - Decimal("0.25") * 30


def test_direct_routing_rows_are_kept_at_no_charge(graph_services, standin, engine, clock):
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(100))
    start = clock.now() - timedelta(days=1)
    standin.add_calls("getDirectRoutingCalls",
                      [direct_routing_row(n, start + timedelta(minutes=n)) for n in range(3)])
    report = sync_of(graph_services).run(account.id)
    assert report.direct_routing_rows == 3
    assert report.rejected == 0 and report.new_calls == 3
    assert ledger_state(engine, TEAM)[0] == Decimal(100)


def test_a_sync_that_crosses_a_low_balance_level_alerts_it(graph_services, standin, engine,
                                                          clock):
    # The sync charges through the composed ledger: its hooks (alerts) run for each batch.
    account = make_account(engine, clock, team_id=TEAM, balance=Decimal(10))
    graph_services.alert_settings.add_threshold(account_id=account.id, amount=usd(8))
    standin.add_calls("getPstnCalls", rows(clock, 10))  # 10 x 0.25: 7.50 left
    assert sync_of(graph_services).run(account.id).new_calls == 10
    with read_session(engine) as session:
        kinds = [row.kind for row in session.exec(select(OutboxMessage)).all()]
    assert kinds == ["low_balance"]
