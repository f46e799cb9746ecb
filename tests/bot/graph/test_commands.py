"""`/credits sync`, `/credits sync now` and `/credits license` with the Microsoft 365
connection, through the real Bolt app and the fake Slack; and `sync` without it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import ledger_state, make_account
from tests.graph_standin import pstn_row
from tests.handlers.lazy import respond_texts
from tests.payloads import TEAM
from tests.slack import ADMIN, GERMAN, MEMBER


@pytest.fixture
def account(graph_bolt, clock):
    return make_account(graph_bolt.engine, clock, team_id=TEAM, balance=Decimal(100))


def test_sync_without_the_connection_says_how_to_connect(bolt):
    text = bolt.command_text("sync", user=MEMBER)
    for permission in ("CallRecord-PstnCalls.Read.All", "LicenseAssignment.ReadWrite.All",
                       "User.Read.All"):
        assert permission in text
    assert "MS_TENANT_ID" in text
    german = bolt.command_text("sync", user=GERMAN)
    assert "Administratorzustimmung" in german


def test_sync_now_answers_when_done_and_sync_shows_the_last_run(graph_bolt, account,
                                                                 standin, clock):
    start = clock.now() - timedelta(days=1)
    standin.add_calls("getPstnCalls", [pstn_row(n, start + timedelta(minutes=n))
                                       for n in range(4)])
    assert "No sync from Microsoft Graph has run yet" in graph_bolt.command_text("sync")
    ack = graph_bolt.command_text("sync now", user=ADMIN)
    assert ack.startswith("Working on")
    (answer,) = respond_texts(graph_bolt.slack)
    assert "*4* new ($1.00 charged)" in answer and "0 Direct Routing rows" in answer
    assert ledger_state(graph_bolt.engine, TEAM)[0] == Decimal(99)
    german = graph_bolt.command_text("sync", user=GERMAN)
    assert "*4* neu" in german and "Letzte Synchronisierung" in german


def test_sync_now_is_for_admins_and_bad_words_show_the_usage(graph_bolt, account, standin):
    refused = graph_bolt.command_text("sync now", user=MEMBER)
    assert "admin" in refused.lower()
    assert "Usage: `/credits sync [now]`" in graph_bolt.command_text("sync later")
    assert not standin.requests_to("callRecords")


def test_sync_shows_the_last_error(graph_bolt, account, standin):
    standin.deny_call_records = "Missing role permissions on the request."
    graph_bolt.command_text("sync now", user=ADMIN)
    (answer,) = respond_texts(graph_bolt.slack)
    assert "Last error: 403 Forbidden: Missing role permissions" in answer


def test_license_assign_and_remove_change_the_tenant(graph_bolt, account, standin):
    standin.add_user("bob@contoso.example")
    graph_bolt.command_text(f"license assign <@{MEMBER}>", user=ADMIN)
    (assigned,) = respond_texts(graph_bolt.slack)
    assert f"<@{MEMBER}> is licensed" in assigned
    assert standin.licensed_upns() == {"bob@contoso.example"}
    graph_bolt.command_text(f"license remove <@{MEMBER}>", user=ADMIN)
    respond_texts(graph_bolt.slack, count=2)
    assert standin.licensed_upns() == set()
    assert graph_bolt.services.licenses.count(account_id=account.id) == 0


def test_no_units_left_is_said_and_nothing_is_recorded(graph_bolt, account, standin):
    standin.sku_units = 1
    standin.add_user("alice@contoso.example")
    standin.add_user("bob@contoso.example")
    graph_bolt.command_text(f"license assign <@{ADMIN}> <@{MEMBER}>", user=ADMIN)
    (answer,) = respond_texts(graph_bolt.slack)
    assert (f"<@{MEMBER}>: no Communications Credits licenses left to assign: 1 of 1 in use"
            in answer)
    assert standin.licensed_upns() == {"alice@contoso.example"}
    assert [v.slack_user_id for v in graph_bolt.services.licenses.list(
        account_id=account.id)] == [ADMIN]


def test_a_user_the_tenant_does_not_know_gets_no_license(graph_bolt, account, standin):
    graph_bolt.command_text(f"license assign <@{GERMAN}>", user=ADMIN)
    (answer,) = respond_texts(graph_bolt.slack)
    assert "dieter@contoso.example is not a user of the Microsoft 365 tenant" in answer
    assert graph_bolt.services.licenses.count(account_id=account.id) == 0


def test_license_list_names_the_differences_with_the_tenant(graph_bolt, account, standin,
                                                             clock):
    carol = standin.add_user("carol@contoso.example")
    standin.licensed[carol].add("47794cd0-f0e5-45c5-9033-2eb6b5fc84e0")  # licensed elsewhere
    graph_bolt.services.licenses.assign(account_id=account.id, slack_user_id=MEMBER,
                                        email="bob@contoso.example", actor="test")
    graph_bolt.command_text("license list", user=MEMBER)
    (answer,) = respond_texts(graph_bolt.slack)
    assert "1 users hold the license" in answer
    assert "Licensed in the tenant but not in the bot's list: carol@contoso.example" in answer
    assert "In the bot's list but not licensed in the tenant: bob@contoso.example" in answer


def test_recommend_uses_the_tenants_count(graph_bolt, account, standin):
    for n in range(300):
        user = standin.add_user(f"user{n}@contoso.example")
        standin.licensed[user].add("47794cd0-f0e5-45c5-9033-2eb6b5fc84e0")
    standin.sku_units = 500
    graph_bolt.command_text("recommend", user=MEMBER)
    (answer,) = respond_texts(graph_bolt.slack)
    assert "*300* licensed users (250-500)" in answer
