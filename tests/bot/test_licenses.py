"""Licenses: assigned once per user, removed as history, listed with their e-mail."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.errors import CreditsError
from bot.licenses import SERVICE_PLAN, SKU, Licenses, is_credits_license, normalize_sku
from storage.db import read_session, write_transaction
from storage.models import License
from tests.factories import make_account


def test_assign_keeps_the_email_lowercased_and_the_sku(engine, clock):
    account = make_account(engine, clock)
    licenses = Licenses(engine, clock)
    done = licenses.assign(account_id=account.id, slack_user_id="U1",
                           email=" Alice@Contoso.Example ", actor="UADMIN")
    assert done.outcome == "assigned"
    assert (done.license.email, done.license.sku, done.license.assigned_by) == (
        "alice@contoso.example", SKU, "UADMIN")
    assert done.license.assigned_at == clock.now()


def test_assigning_twice_says_already_and_keeps_one_row(engine, clock):
    account = make_account(engine, clock)
    licenses = Licenses(engine, clock)
    licenses.assign(account_id=account.id, slack_user_id="U1", email="a@x.example", actor="A")
    again = licenses.assign(account_id=account.id, slack_user_id="U1", email="a@x.example",
                            actor="B")
    assert again.outcome == "already" and again.license.assigned_by == "A"
    assert licenses.count(account_id=account.id) == 1


def test_remove_keeps_history_and_allows_a_new_assignment(engine, clock):
    account = make_account(engine, clock)
    licenses = Licenses(engine, clock)
    licenses.assign(account_id=account.id, slack_user_id="U1", email=None, actor="A")
    clock.advance(timedelta(days=1))
    assert licenses.remove(account_id=account.id, slack_user_id="U1", actor="B")
    assert not licenses.remove(account_id=account.id, slack_user_id="U1", actor="B")
    assert not licenses.is_licensed(account_id=account.id, slack_user_id="U1")
    assert licenses.assign(account_id=account.id, slack_user_id="U1", email=None,
                           actor="A").outcome == "assigned"
    with read_session(engine) as session:
        rows = session.exec(select(License).order_by(License.id)).all()
    assert [(r.removed_by, r.removed_at is not None) for r in rows] == [("B", True), (None, False)]


def test_list_is_oldest_first_and_per_account(engine, clock):
    account = make_account(engine, clock)
    other = make_account(engine, clock, team_id="T2")
    licenses = Licenses(engine, clock)
    for user in ("U2", "U1"):
        licenses.assign(account_id=account.id, slack_user_id=user, email=None, actor="A")
        clock.advance(timedelta(minutes=1))
    licenses.assign(account_id=other.id, slack_user_id="U9", email=None, actor="A")
    assert [v.slack_user_id for v in licenses.list(account_id=account.id)] == ["U2", "U1"]
    assert licenses.count(account_id=other.id) == 1


def test_the_sku_is_mcopstnc_and_its_service_plan_means_the_same_license(engine, clock):
    # Microsoft: SKU part number MCOPSTNC; MCOPSTNPP is its service plan (usage's Capability).
    assert (SKU, SERVICE_PLAN) == ("MCOPSTNC", "MCOPSTNPP")
    account = make_account(engine, clock)
    licenses = Licenses(engine, clock)
    done = licenses.assign(account_id=account.id, slack_user_id="U1", email=None, actor="A",
                           sku="mcopstnpp")
    assert done.license.sku == "MCOPSTNC" == normalize_sku(" MCOPSTNPP ")
    assert normalize_sku("mcopstnc") == "MCOPSTNC"
    with read_session(engine) as session:
        assert session.exec(select(License.sku)).all() == ["MCOPSTNC"]
    assert is_credits_license(" mcopstnpp") and is_credits_license("MCOPSTNC")
    assert not is_credits_license("MCOPSTN1") and not is_credits_license(None)
    with pytest.raises(CreditsError, match="not the Communications Credits license"):
        normalize_sku("MCOEV")


def test_a_row_stored_under_the_service_plan_name_is_shown_by_the_sku(engine, clock):
    account = make_account(engine, clock)
    with write_transaction(engine) as session:
        session.add(License(account_id=account.id, slack_user_id="U1", email=None,
                            sku="MCOPSTNPP", assigned_by="A", assigned_at=clock.now()))
    licenses = Licenses(engine, clock)
    assert [v.sku for v in licenses.list(account_id=account.id)] == ["MCOPSTNC"]
    again = licenses.assign(account_id=account.id, slack_user_id="U1", email=None, actor="B")
    assert (again.outcome, again.license.sku) == ("already", "MCOPSTNC")


def test_concurrent_assignments_of_one_user_make_one_license(engine, clock):
    account = make_account(engine, clock)
    licenses = Licenses(engine, clock)
    outcomes: list[str] = []
    barrier = threading.Barrier(5)

    def assign() -> None:
        barrier.wait()
        outcomes.append(licenses.assign(account_id=account.id, slack_user_id="U1",
                                        email=None, actor="A").outcome)

    threads = [threading.Thread(target=assign) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already"] * 4 + ["assigned"]
    assert licenses.count(account_id=account.id) == 1
