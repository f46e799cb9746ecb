"""Licenses: assigned once per user, removed as history, listed with their e-mail."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.errors import CreditsError
from bot.licenses import LEGACY_SKU, SKU, Licenses, normalize_sku
from storage.db import read_session
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


def test_legacy_sku_is_accepted_and_others_refused(engine, clock):
    account = make_account(engine, clock)
    licenses = Licenses(engine, clock)
    done = licenses.assign(account_id=account.id, slack_user_id="U1", email=None, actor="A",
                           sku="mcopstnc")
    assert done.license.sku == LEGACY_SKU == normalize_sku(" MCOPSTNC ")
    with pytest.raises(CreditsError, match="not a Communications Credits SKU"):
        normalize_sku("MCOEV")


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
