"""A currency sign is part of the amount: a sign that is not the account's currency is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import ledger_state, make_account
from tests.payloads import TEAM
from tests.slack import ADMIN, GERMAN


@pytest.fixture
def usd(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM)


@pytest.mark.parametrize("command", [
    "deposit €100", "deposit £100", "deposit 100€", "deposit ¥100",
    "alerts add €300", "alerts remove €300",
    "autorecharge on €500 below 100", "autorecharge on 500 below €100",
])
def test_a_foreign_sign_on_a_usd_account_is_refused(bolt, usd, command):
    text = bolt.command_text(command, user=ADMIN)
    assert "This account is in USD" in text
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert bolt.services.gateway.charges == []
    assert bolt.services.alert_settings.thresholds(account_id=usd.id) == []
    assert not bolt.services.accounts.get(TEAM).autorecharge_enabled


def test_the_refusal_is_in_german_for_a_german_admin(bolt, usd, local_slack):
    local_slack.users[GERMAN].is_admin = True
    text = bolt.command_text("deposit €100", user=GERMAN)
    assert "Dieses Konto wird in USD geführt" in text
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)


def test_the_own_sign_is_accepted(bolt, usd):
    assert "Deposited *$100.00*" in bolt.command_answer("deposit $100", user=ADMIN)


def test_a_euro_account_takes_euros_and_refuses_dollars(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, currency="EUR")
    assert "This account is in EUR" in bolt.command_text("deposit $100", user=ADMIN)
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert "100.00" in bolt.command_text("deposit 100€", user=ADMIN)
    assert ledger_state(bolt.engine, TEAM) == (Decimal(100), 1)
