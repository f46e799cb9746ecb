"""The modal of `/credits payment set`: the payment method (an invoice's purchase order, or a
card's brand, last 4 digits and expiry, never a full number), the billing type and the regions,
prefilled with what is on file; nothing changes before Save."""

from __future__ import annotations

from typing import Any

from bot.accounts import BILLING_TYPES, CARD_BRANDS, AccountView
from handlers.blocks.common import context, section
from handlers.i18n import N_, t

CALLBACK_ID = "payment_method"
CHANGE_ACTION = "payment_change"  # the button of `/credits payment` that opens the modal
KIND_BLOCK, KIND_INPUT = "payment_kind", "kind"
PO_BLOCK, PO_INPUT = "payment_po", "po"
BRAND_BLOCK, BRAND_INPUT = "card_brand", "brand"
LAST4_BLOCK, LAST4_INPUT = "card_last4", "last4"
EXPIRY_BLOCK, EXPIRY_INPUT = "card_expiry", "expiry"
BILLING_BLOCK, BILLING_INPUT = "billing_type", "billing"
REGION_BLOCK, REGION_INPUT = "account_region", "region"
BILLING_REGION_BLOCK, BILLING_REGION_INPUT = "billing_region", "billing_region"
KINDS = {"card": N_("Card"), "invoice": N_("Invoice (purchase order)")}
# The billing types of bot/accounts.py, as the modal names them (Slack allows 75 characters).
BILLING_NAMES = {"mosa": N_("MOSA: Microsoft Online Subscription Agreement"),
                 "ea": N_("EA: Enterprise Agreement"),
                 "mca": N_("MCA: Microsoft Customer Agreement (post-paid)"),
                 "csp": N_("CSP: Cloud Solution Provider (a reseller pays)")}
BRAND_NAMES = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express",
               "discover": "Discover"}
assert set(BILLING_NAMES) == set(BILLING_TYPES) and set(BRAND_NAMES) == set(CARD_BRANDS)

View = dict[str, Any]


def _plain(text: str, limit: int = 24) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit]}  # 24: modal titles and buttons


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": _plain(text, 75), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], *, hint: str | None = None,
           optional: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "optional": optional,
                             "label": _plain(label, 2000), "element": element}
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def _text(action_id: str, initial: str | None, *, placeholder: str | None = None,
          max_length: int | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = _plain(placeholder, 150)
    if max_length:
        element["max_length"] = max_length
    return element


def _choice(kind: str, action_id: str, options: list[dict[str, Any]],
            initial: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": kind, "action_id": action_id, "options": options}
    chosen = [option for option in options if option["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def payment_modal(account: AccountView, *, metadata: str, locale: str | None) -> View:
    """The modal, prefilled with the account's payment method, billing type and regions."""
    method = account.payment
    card = method if method is not None and method.kind == "card" else None
    expiry = f"{card.exp_month:02d}/{card.exp_year}" if card and card.exp_month else None
    kinds = [_option(value, t(label, locale)) for value, label in KINDS.items()]
    brands = [_option(value, name) for value, name in BRAND_NAMES.items()]
    billing = [_option(value, t(label, locale)) for value, label in BILLING_NAMES.items()]
    return {
        "type": "modal", "callback_id": CALLBACK_ID, "private_metadata": metadata[:3000],
        "title": _plain(t("Payment method", locale)),
        "submit": _plain(t("Save", locale)),
        "close": _plain(t("Cancel", locale)),
        "blocks": [
            section(t("How this account pays for Communications Credits. Nothing changes "
                      "before you press *Save*.", locale)),
            _input(KIND_BLOCK, t("Pay by", locale),
                   _choice("radio_buttons", KIND_INPUT, kinds,
                           method.kind if method else "card")),
            _input(PO_BLOCK, t("Purchase order number (invoice)", locale),
                   _text(PO_INPUT, method.po if method and method.kind == "invoice" else None,
                         placeholder="PO-123", max_length=64), optional=True),
            _input(BRAND_BLOCK, t("Card brand", locale),
                   _choice("static_select", BRAND_INPUT, brands, card.brand if card else None),
                   optional=True),
            _input(LAST4_BLOCK, t("Last 4 digits of the card", locale),
                   _text(LAST4_INPUT, card.last4 if card else None, placeholder="4242"),
                   hint=t("Only the last 4 digits: never type the full card number.", locale),
                   optional=True),
            _input(EXPIRY_BLOCK, t("Card expiry (MM/YYYY)", locale),
                   _text(EXPIRY_INPUT, expiry, placeholder="08/2027", max_length=7),
                   optional=True),
            _input(BILLING_BLOCK, t("Billing type", locale),
                   _choice("static_select", BILLING_INPUT, billing, account.billing_type),
                   hint=t("MCA accounts are invoiced after the fact: choosing MCA turns "
                          "auto-recharge off.", locale)),
            _input(REGION_BLOCK, t("Country of the organization", locale),
                   _text(REGION_INPUT, account.region, placeholder="US", max_length=2)),
            _input(BILLING_REGION_BLOCK, t("Country of the billing address", locale),
                   _text(BILLING_REGION_INPUT, account.billing_region, placeholder="US",
                         max_length=2),
                   hint=t("An Enterprise Agreement billed in another country than its "
                          "organization may not be able to buy credits.", locale)),
            context(t("Card details are kept for the payment simulation: brand, last 4 digits "
                      "and expiry, never more.", locale)),
        ]}


def result_view(text: str, *, locale: str | None) -> View:
    """What the modal shows once saved ("Saving…" first, then the outcome)."""
    return {"type": "modal", "callback_id": CALLBACK_ID,
            "title": _plain(t("Payment method", locale)),
            "close": _plain(t("Close", locale)),
            "blocks": [section(text)]}
