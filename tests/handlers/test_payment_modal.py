"""`/credits payment set`: the modal that changes the payment method, the billing type and the
regions from Slack, for admins; never a full card number, anywhere."""

from __future__ import annotations

import json
import logging
from decimal import Decimal as D
from typing import Any

import pytest

from bot.console.local_slack import ScriptedFailure
from handlers.blocks import payment_modal as modal
from storage.db import read_session
from storage.models import Account
from tests import payloads
from tests.factories import audit_events, make_account
from tests.handlers.lazy import wait_for
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import ADMIN, CREDITS_ADMIN, GERMAN, MEMBER

PAN = "4242424242424242"


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM, balance=D(100), exp=(8, 2027))


def chosen(kind: str, value: str) -> dict[str, Any]:
    return {"type": kind, "selected_option": {"value": value, "text": {"type": "plain_text",
                                                                      "text": value}}}


def submit(bolt, *, kind: str = "card", po: str = "", brand: str = "visa", last4: str = "4242",
           expiry: str = "09/2028", billing: str = "mosa", region: str = "US",
           billing_region: str = "US", user: str = ADMIN) -> dict[str, Any]:
    """Press Save on the modal with these fields; Slack's answer (the ack's body)."""
    values = {modal.KIND_BLOCK: {modal.KIND_INPUT: chosen("radio_buttons", kind)},
              modal.PO_BLOCK: {modal.PO_INPUT: po},
              modal.BRAND_BLOCK: {modal.BRAND_INPUT: chosen("static_select", brand)},
              modal.LAST4_BLOCK: {modal.LAST4_INPUT: last4},
              modal.EXPIRY_BLOCK: {modal.EXPIRY_INPUT: expiry},
              modal.BILLING_BLOCK: {modal.BILLING_INPUT: chosen("static_select", billing)},
              modal.REGION_BLOCK: {modal.REGION_INPUT: region},
              modal.BILLING_REGION_BLOCK: {modal.BILLING_REGION_INPUT: billing_region}}
    response = bolt.dispatch(payloads.view_submission(modal.CALLBACK_ID, values, user_id=user))
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def opened_view(bolt) -> dict[str, Any]:
    (opened,) = bolt.slack.calls_to("views.open")
    view = opened.params["view"]
    return json.loads(view) if isinstance(view, str) else view


def initial(view: dict[str, Any]) -> dict[str, str]:
    found = {}
    for block in view["blocks"]:
        if block["type"] == "input":
            element = block["element"]
            option = element.get("initial_option") or {}
            found[block["block_id"]] = option.get("value") or element.get("initial_value", "")
    return found


def confirmation(bolt) -> str:
    """The confirmation posted to the admin's DM."""
    (posted,) = wait_for(bolt.slack, "chat.postMessage")
    assert str(posted.params["channel"]).startswith("D")
    return str(posted.params["text"])


def test_an_admin_opens_the_modal_prefilled_with_what_is_on_file(bolt, account):
    text = bolt.command_text("payment set")
    assert text == "Opening the form to change the payment method…"
    (opened,) = bolt.slack.calls_to("views.open")
    assert opened.params["trigger_id"]
    view = opened_view(bolt)
    assert view["callback_id"] == modal.CALLBACK_ID and view["title"]["text"] == "Payment method"
    assert initial(view) == {modal.KIND_BLOCK: "card", modal.PO_BLOCK: "",
                             modal.BRAND_BLOCK: "visa", modal.LAST4_BLOCK: "4242",
                             modal.EXPIRY_BLOCK: "08/2027",
                             modal.BILLING_BLOCK: "mosa", modal.REGION_BLOCK: account.region,
                             modal.BILLING_REGION_BLOCK: account.billing_region}
    billing = next(b for b in view["blocks"] if b.get("block_id") == modal.BILLING_BLOCK)
    assert [o["value"] for o in billing["element"]["options"]] == ["mosa", "ea", "mca", "csp"]


def test_a_member_cannot_open_it_and_is_audited(bolt, account):
    text = bolt.command_text("payment set", user=MEMBER)
    assert "Only credits admins" in text
    assert bolt.slack.calls_to("views.open") == []
    denied = audit_events(bolt.engine, TEAM, result="denied")
    assert [(e.actor, e.action) for e in denied] == [(MEMBER, "command.payment")]
    # Reading the payment method stays open to everyone.
    assert "*Visa* ending *4242*" in bolt.command_text("payment", user=MEMBER)


def test_a_member_cannot_submit_it(bolt, account):
    answer = submit(bolt, kind="invoice", po="PO-1", user=MEMBER)
    assert answer["response_action"] == "errors"
    assert "Only credits admins" in answer["errors"][modal.KIND_BLOCK]
    assert bolt.services.accounts.get(TEAM).payment == account.payment
    denied = audit_events(bolt.engine, TEAM, result="denied")
    assert [(e.actor, e.action) for e in denied] == [(MEMBER, "view.payment_method")]
    assert bolt.slack.calls_to("chat.postMessage") == []


def test_an_invoice_with_its_po_is_saved_audited_and_confirmed(bolt, account):
    answer = submit(bolt, kind="invoice", po="PO-2027-17", user=CREDITS_ADMIN)
    assert answer["response_action"] == "update"
    assert "Saving" in answer["view"]["blocks"][0]["text"]["text"]
    now = bolt.services.accounts.get(TEAM)
    assert (now.payment.kind, now.payment.po, now.payment.last4) == ("invoice", "PO-2027-17",
                                                                    None)
    text = confirmation(bolt)
    assert text.startswith(f":white_check_mark: <@{CREDITS_ADMIN}> changed how this account "
                           "pays: *invoice*, purchase order *PO-2027-17*.")
    (updated,) = bolt.slack.calls_to("views.update")
    assert updated.params["view_id"] == "V0TEST"
    (event,) = [e for e in audit_events(bolt.engine, TEAM) if e.action == "view.payment_method"]
    assert (event.actor, event.result) == (CREDITS_ADMIN, "ok")
    assert json.loads(event.arguments)["po"] == "PO-2027-17"
    assert "purchase order *PO-2027-17*" in bolt.command_text("payment", user=MEMBER)


def test_a_new_card_and_regions_are_saved_like_the_cli_saves_them(bolt, account):
    answer = submit(bolt, brand="mastercard", last4="5454", expiry="2029-03", billing="ea",
                    region="de", billing_region="AT")
    assert answer["response_action"] == "update"
    now = bolt.services.accounts.get(TEAM)
    assert (now.payment.brand, now.payment.last4, now.payment.exp_month,
            now.payment.exp_year) == ("mastercard", "5454", 3, 2029)
    assert (now.billing_type, now.region, now.billing_region) == ("ea", "DE", "AT")
    text = confirmation(bolt)
    assert "*Mastercard* ending *5454*, expires *03/2029*" in text
    assert "Billing type: *EA: Enterprise Agreement*; organization in *DE*, billed in *AT*." \
        in text
    # The same rule as everywhere: an EA billed in another country may not buy.
    assert "might not be able to buy" in bolt.command_text("deposit 100")


def test_switching_to_mca_turns_auto_recharge_off_and_says_so(bolt, account):
    bolt.services.accounts.set_autorecharge(TEAM, enabled=True, amount=usd(500), below=usd(100))
    submit(bolt, billing="mca")
    now = bolt.services.accounts.get(TEAM)
    assert now.billing_type == "mca" and not now.autorecharge_enabled
    text = confirmation(bolt)
    assert "Auto-recharge is now off: a Microsoft Customer Agreement account" in text
    (updated,) = bolt.slack.calls_to("views.update")
    assert "Auto-recharge is now off" in json.dumps(updated.params["view"])
    (event,) = [e for e in audit_events(bolt.engine, TEAM) if e.action == "view.payment_method"]
    assert "Auto-recharge is now off" in (event.detail or "")


@pytest.mark.parametrize(("fields", "block", "words"), [
    ({"kind": "invoice", "po": ""}, modal.PO_BLOCK, "purchase order number"),
    ({"last4": "42a2"}, modal.LAST4_BLOCK, "last 4 digits of the card, e.g. 4242"),
    ({"expiry": "13/2027"}, modal.EXPIRY_BLOCK, "MM/YYYY"),
    ({"expiry": "01/2026"}, modal.EXPIRY_BLOCK, "expired at the end of 01/2026"),
    ({"brand": "diners"}, modal.BRAND_BLOCK, "brand"),
    ({"billing": "prepaid"}, modal.BILLING_BLOCK, "billing types"),
    ({"region": "XX"}, modal.REGION_BLOCK, "two-letter code"),
    ({"billing_region": "1"}, modal.BILLING_REGION_BLOCK, "two-letter code"),
])
def test_a_wrong_field_is_shown_under_it_and_nothing_changes(bolt, account, fields, block,
                                                             words):
    answer = submit(bolt, **fields)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block] and words in answer["errors"][block]
    now = bolt.services.accounts.get(TEAM)
    assert (now.payment, now.billing_type, now.region) == (
        account.payment, account.billing_type, account.region)
    assert bolt.slack.calls_to("chat.postMessage") == []


def test_every_wrong_field_gets_its_own_sentence(bolt, account):
    answer = submit(bolt, last4="", expiry="soon", region="", brand="")
    assert set(answer["errors"]) == {modal.LAST4_BLOCK, modal.EXPIRY_BLOCK, modal.REGION_BLOCK,
                                     modal.BRAND_BLOCK}


@pytest.mark.parametrize(("fields", "block"), [
    ({"last4": PAN}, modal.LAST4_BLOCK),
    ({"last4": "4242 4242 4242 4242"}, modal.LAST4_BLOCK),
    ({"last4": "42424"}, modal.LAST4_BLOCK),  # more than 4 digits: refused even if no card number
    ({"kind": "invoice", "po": f"PO {PAN}"}, modal.PO_BLOCK),
    ({"kind": "invoice", "po": "PO-1", "last4": PAN}, modal.LAST4_BLOCK),  # even if unused
    ({"expiry": PAN}, modal.EXPIRY_BLOCK),
])
def test_a_full_card_number_is_refused_and_never_stored_logged_or_echoed(
        bolt, account, caplog, fields, block):
    caplog.set_level(logging.DEBUG)
    answer = submit(bolt, **fields)
    assert answer["response_action"] == "errors"
    assert "never" in answer["errors"][block] and "Nothing was stored" in answer["errors"][block]
    digits = PAN if block != modal.LAST4_BLOCK else fields["last4"].replace(" ", "")
    assert digits not in json.dumps(answer).replace(" ", "")
    assert bolt.services.accounts.get(TEAM).payment == account.payment
    with read_session(bolt.engine) as session:
        stored = session.get(Account, account.id)
        assert stored is not None and stored.card_last4 == "4242"
    events = audit_events(bolt.engine, TEAM)
    assert [(e.action, e.result) for e in events] == [("view.payment_method", "refused")]
    assert all(digits not in f"{e.arguments} {e.detail}" for e in events)
    for call in bolt.slack.calls:  # nothing that reached Slack repeats it
        assert digits not in call.raw.decode(errors="replace").replace("+", "")
    assert all(digits not in record.getMessage().replace(" ", "") for record in caplog.records)


def test_a_german_admin_gets_the_modal_and_the_confirmation_in_german(bolt, account):
    bolt.slack.users[GERMAN].is_admin = True
    assert bolt.command_text("payment set", user=GERMAN) == (
        "Das Formular zum Ändern der Zahlungsmethode wird geöffnet…")
    view = opened_view(bolt)
    assert view["title"]["text"] == "Zahlungsmethode" and view["submit"]["text"] == "Speichern"
    answer = submit(bolt, last4="42", user=GERMAN)
    assert "die letzten 4 Ziffern" in answer["errors"][modal.LAST4_BLOCK]
    bolt.services.accounts.set_autorecharge(TEAM, enabled=True, amount=usd(500), below=usd(100))
    submit(bolt, billing="mca", user=GERMAN)
    text = confirmation(bolt)
    assert text.startswith(f":white_check_mark: <@{GERMAN}> hat die Zahlungsmethode dieses "
                           "Kontos geändert: *Visa* mit Endziffern *4242*")
    assert "Die automatische Aufladung ist jetzt aus" in text


def test_the_payment_answer_and_card_alerts_name_the_slack_way(bolt, account):
    text = bolt.command_text("payment", user=MEMBER)
    assert "An admin changes it with `/credits payment set`." in text
    assert "credits-bot" not in text
    assert "`/credits payment [set]`: the payment method on file" in bolt.command_text("help")


def test_admins_get_a_button_that_opens_the_modal_and_members_do_not(bolt, account):
    admin_reply = json.loads(bolt.command("payment").body)
    buttons = [e for b in admin_reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["text"]["text"]) for b in buttons] == [
        (modal.CHANGE_ACTION, "Change the payment method")]
    member_reply = json.loads(bolt.command("payment", user=MEMBER).body)
    assert all(b["type"] != "actions" for b in member_reply["blocks"])
    bolt.click(modal.CHANGE_ACTION, "payment")
    (opened,) = bolt.slack.calls_to("views.open")
    assert opened.params["trigger_id"] == "1.2"  # the click's own trigger
    assert opened_view(bolt)["callback_id"] == modal.CALLBACK_ID


def test_a_member_clicking_the_button_gets_no_modal_and_is_audited(bolt, account):
    bolt.click(modal.CHANGE_ACTION, "payment", user=MEMBER)
    (answered,) = wait_for(bolt.slack, "respond")
    assert "Only credits admins" in answered.params["text"]
    assert bolt.slack.calls_to("views.open") == []
    denied = audit_events(bolt.engine, TEAM, result="denied")
    assert [(e.actor, e.action) for e in denied] == [(MEMBER, f"action.{modal.CHANGE_ACTION}")]


def test_a_trigger_slack_no_longer_honours_is_explained(bolt, account):
    bolt.slack.fail_next("views.open", ScriptedFailure(error="expired_trigger_id"))
    bolt.click(modal.CHANGE_ACTION, "payment")
    (answered,) = wait_for(bolt.slack, "respond")
    assert answered.params["text"] == (":warning: Slack did not open the form "
                                       "(expired_trigger_id); type `/credits payment set` again.")
