"""Card numbers (Luhn-valid, 13-19 digits, grouped or not) never survive redaction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.audit import redact
from bot.redaction import luhn_valid, redact_card_numbers, redact_secrets

# Stripe's documented test card numbers: Visa 16 and 13 digits, Amex 15, Diners 14, UnionPay 19.
CARDS = ["4242424242424242", "4222222222222", "378282246310005", "36227206271667",
         "6205500000000000004"]


@pytest.mark.parametrize("card", CARDS)
def test_documented_test_cards_pass_luhn(card):
    assert luhn_valid(card)


@pytest.mark.parametrize("typed", [
    "card 4242424242424242 cvc 123", "4242 4242 4242 4242", "4242-4242-4242-4242",
    "card4242424242424242", "3782 822463 10005", "4222222222222", "6205500000000000004",
    "4242 4242 4242 4242 123", "x 99424242424242424299 y",
])
def test_a_card_number_in_any_shape_is_redacted(typed):
    redacted = redact_card_numbers(typed)
    assert "[redacted]" in redacted
    digits = "".join(ch for ch in redacted if ch.isdigit())
    assert "4242" * 2 not in digits and "42424" not in digits and "82246" not in digits


def test_a_named_security_code_is_redacted_too():
    assert redact_card_numbers("card 4242424242424242 cvc 123") == \
        "card [redacted] cvc [redacted]"
    assert redact_card_numbers("CVV: 1234") == "CVV: [redacted]"


@pytest.mark.parametrize("kept", [
    "PO 1234567890123", "Q4 top-up", "invoice 2026-11-30", "+49 30 1234567",
    "call +1 800 555 0100", "1,000.00", "order 4242424242424241",  # last digit off: no card
])
def test_what_is_not_a_card_number_is_kept(kept):
    assert redact_card_numbers(kept) == kept


def test_audit_and_memos_share_one_redaction():
    text = "card 4242 4242 4242 4242, token xoxb-123-abc"
    assert redact({"text": text}) == {"text": redact_secrets(text)}
    assert redact_secrets(text) == "card [redacted], token [redacted]"


@given(card=st.sampled_from(CARDS), cuts=st.sets(st.integers(1, 18), max_size=5),
       separator=st.sampled_from([" ", "-"]),
       before=st.text(alphabet="abc :,", max_size=10),
       after=st.text(alphabet="abc :,", max_size=10))
def test_a_card_grouped_any_way_never_survives(card, cuts, separator, before, after):
    cuts = sorted(c for c in cuts if c < len(card))
    groups = [card[i:j] for i, j in zip([0, *cuts], [*cuts, len(card)], strict=True)]
    redacted = redact_card_numbers(before + separator.join(groups) + after)
    digits = "".join(ch for ch in redacted if ch.isdigit())
    assert card[:8] not in digits and card[-8:] not in digits
