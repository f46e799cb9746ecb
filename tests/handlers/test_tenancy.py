"""Single-workspace mode: requests of another team are refused and audited, never served."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import func, select

from bot.console.local_slack import SlackUser
from handlers.blocks.deposit import CONFIRM_ACTION
from storage.accounts import list_accounts
from storage.db import read_session
from storage.models import ProcessedEvent
from tests import payloads
from tests.factories import audit_events, ledger_state, make_account
from tests.payloads import TEAM
from tests.slack import ADMIN, CREDITS_ADMIN

OTHER = "T0OTHER"


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM, exp=(8, 2027))


def teams(bolt) -> list[str]:
    with read_session(bolt.engine) as session:
        return [a.team_id for a in list_accounts(session=session)]


@pytest.mark.parametrize("text", ["balance", "deposit 500", "help"])
def test_a_command_of_another_team_is_refused_and_creates_no_account(bolt, account, text):
    body = payloads.slash_command(text, user_id=ADMIN, team_id=OTHER,
                                  response_url=bolt.slack.response_url())
    response = bolt.dispatch(body)
    assert response.status == 200
    assert "installed for another Slack workspace" in json.loads(response.body)["text"]
    assert teams(bolt) == [TEAM]
    assert not bolt.services.gateway.charges and not bolt.slack.calls_to("respond")
    (refused,) = audit_events(bolt.engine, OTHER, result="refused")
    assert refused.actor == ADMIN and refused.action == f"command.{text.split()[0]}"


def test_a_click_of_another_team_is_refused_and_audited(bolt, account):
    ack = json.loads(bolt.command("deposit 20000").body)
    (attempt_id,) = {e["value"] for b in ack["blocks"] if b["type"] == "actions"
                     for e in b["elements"]}
    bolt.dispatch(payloads.block_actions(CONFIRM_ACTION, attempt_id, user_id=ADMIN,
                                         team_id=OTHER, response_url=bolt.slack.response_url()))
    assert bolt.services.deposits.get(attempt_id).status == "awaiting_confirmation"
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0) and teams(bolt) == [TEAM]
    (refused,) = audit_events(bolt.engine, OTHER, result="refused")
    assert refused.action == f"action.{CONFIRM_ACTION}"


def test_an_event_of_another_team_is_not_answered(bolt, account):
    event = payloads.dm_event("what's our balance?", user_id=ADMIN)
    body = payloads.event_callback(event, team_id=OTHER)
    assert bolt.dispatch(body, content_type="application/json").status == 200
    assert not bolt.slack.calls_to("chat.postMessage") and teams(bolt) == [TEAM]
    assert audit_events(bolt.engine, OTHER, result="refused")


def test_the_team_guard_runs_before_the_event_claim_and_app_home(bolt, account):
    # The middlewares run in order: another team's event is refused before it is claimed,
    # and its App Home is never published.
    for event in (payloads.dm_event("what's our balance?", user_id=ADMIN),
                  {"type": "app_home_opened", "user": ADMIN, "channel": "D0TEST", "tab": "home",
                   "event_ts": "1700000000.000300"}):
        body = payloads.event_callback(event, team_id=OTHER)
        assert bolt.dispatch(body, content_type="application/json").status == 200
    with read_session(bolt.engine) as session:
        assert session.exec(select(func.count()).select_from(ProcessedEvent)).one() == 0
    assert not bolt.slack.calls_to("views.publish")
    assert len(audit_events(bolt.engine, OTHER, result="refused")) == 2


def test_the_installed_team_is_learnt_from_auth_test_once(bolt, account):
    bolt.command_text("balance")
    bolt.command_text("balance")
    # Bolt asks auth.test for itself too (with the request's team_id); ours has no argument.
    ours = [c for c in bolt.slack.calls_to("auth.test") if "team_id" not in c.params]
    assert len(ours) == 1


def test_admin_rights_count_in_the_users_own_team_only(bolt, account):
    # A workspace admin of another team (say, a shared channel's guest) is no admin here.
    bolt.slack.add_user(SlackUser("U0GUEST", "gus", is_admin=True, team_id=OTHER))
    assert "Only credits admins" in bolt.command_text("deposit 500", user="U0GUEST")
    rights = bolt.context.rights
    assert rights.is_admin(ADMIN, TEAM) and not rights.is_admin(ADMIN, OTHER)
    assert rights.is_admin(CREDITS_ADMIN, TEAM) and not rights.is_admin(CREDITS_ADMIN, OTHER)
