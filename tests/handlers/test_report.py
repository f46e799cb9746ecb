"""`/credits report`: the summary answered from a lazy listener, the chart uploaded as a PNG."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.console.local_slack import SlackChannel
from tests.factories import add_call, make_account
from tests.handlers.lazy import respond_texts, wait_for
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import ADMIN, GERMAN, MEMBER

NOV = datetime(2026, 11, 1, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def account(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(500))
    bolt.services.ledger.charge(account_id=account.id, amount=usd("3.55"), key="imp1",
                                actor="import", reference="import:cdr")  # as the importer
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=8), seconds=180, charge="1.25",
             user="bob@contoso.example", name="Bob", number="+4930123456",
             destination="Germany", country="DE")
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=9), seconds=600, charge="2.30",
             user="alice@contoso.example", name="Alice")
    return account


def chart(bolt) -> tuple[str, str, bytes]:
    [share] = wait_for(bolt.slack, "files.completeUploadExternal")
    [item] = json.loads(share.params["files"])
    [asked] = bolt.slack.calls_to("files.getUploadURLExternal")
    return share.params["channel_id"], asked.params["filename"], bolt.slack.files[item["id"]]


def test_admin_report_summary_and_png_chart(bolt, account):
    assert bolt.command_text("report", user=ADMIN,
                             channel_id="D0BOTDM") == "Working on `/credits report`…"
    [answer] = respond_texts(bolt.slack)
    lines = answer.splitlines()
    assert lines[:7] == ["Credits report: this month (November 2026)", "Spend: $3.55",
                         "Calls: 2", "Minutes: 13", "Deposits and recharges: $500.00",
                         "Balance at the start: $0.00", "Balance at the end: $496.45"]
    assert "*Top destinations*" in lines and "• Germany: *$1.25* · 3 min · 1 call" in lines
    assert "*Top users*" in lines and "• Alice: *$2.30* · 10 min · 1 call" in lines
    channel, name, content = chart(bolt)
    assert channel == "D0BOTDM" and name == "credits-report-2026-11-01_2026-11-30.png"
    assert content.startswith(PNG) and len(content) > 10_000


def test_a_member_sees_no_spend_per_user(bolt, account):
    bolt.command_text("report last-7-days", user=MEMBER)
    [answer] = respond_texts(bolt.slack)
    assert "Spend: $3.55" in answer and "Top users" not in answer and "Alice" not in answer
    assert chart(bolt)[2].startswith(PNG)


def test_german_report(bolt, account):
    bolt.command_text("report 2026-11", user=GERMAN)
    [answer] = respond_texts(bolt.slack)
    assert answer.splitlines()[:2] == ["Credits-Bericht: 01.11.2026 – 30.11.2026",
                                       "Ausgaben: 3,55\xa0$"]


def test_an_empty_period_still_draws_a_chart(bolt, account):
    bolt.command_text("report 2025-01", user=ADMIN)
    [answer] = respond_texts(bolt.slack)
    assert "Spend: $0.00" in answer and "Top destinations" not in answer
    assert chart(bolt)[2].startswith(PNG)


def test_a_bad_period_is_answered_with_the_usage(bolt, account):
    answer = bolt.command_text("report next-week", user=ADMIN)
    assert "is not a period" in answer and "Usage: `/credits report [period]`" in answer
    assert bolt.slack.calls_to("files.getUploadURLExternal") == []


def test_an_unexpected_failure_after_the_ack_is_apologised_for(bolt, account, monkeypatch):
    import handlers.commands.report as report_command

    def broken(*args, **kwargs):
        raise RuntimeError("the chart library fell over")

    monkeypatch.setattr(report_command, "render_chart", broken)
    assert bolt.command_text("report", user=ADMIN) == "Working on `/credits report`…"
    [answer] = respond_texts(bolt.slack)
    assert answer.startswith(":warning: Sorry, something went wrong on our side")
    assert "chart library" not in answer  # no internals shown to the user


def test_fast_subcommands_start_no_lazy_listener(bolt, account):
    from slack_bolt.lazy_listener import ThreadLazyListenerRunner

    started = []
    original = ThreadLazyListenerRunner.start

    def spy(self, function, request):
        started.append(function)
        return original(self, function, request)

    ThreadLazyListenerRunner.start = spy
    try:
        bolt.command_text("help", user=ADMIN)
        bolt.command_text("balance", user=ADMIN)
        assert started == []
        bolt.command_text("report", user=ADMIN)
        respond_texts(bolt.slack)  # let it finish before the local Slack stops
        assert len(started) == 1
    finally:
        ThreadLazyListenerRunner.start = original


def test_a_members_report_asked_in_a_channel_goes_to_their_dm_without_a_post_button(
        bolt, account):
    bolt.slack.add_channel(SlackChannel("C0TEST", "general", num_members=412))
    bolt.command_text("report", user=MEMBER)
    [answer] = respond_texts(bolt.slack)
    assert chart(bolt)[0] == "D0MEMBER"
    assert ("I sent the chart to your DM instead of <#C0TEST>, which has *412* members") in (
        answer)
    [message] = bolt.slack.calls_to("respond")
    assert not [b for b in message.params.get("blocks", []) if b["type"] == "actions"]
