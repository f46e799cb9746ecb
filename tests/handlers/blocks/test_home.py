"""The App Home builder, from a summary to the view."""

from datetime import UTC, date, datetime

from bot.accounts import AccountView, PaymentMethod
from bot.summary import AccountSummary, Purchase
from handlers.blocks.balance import balance_reply
from handlers.blocks.home import dashboard_view, home_blocks
from tests.money import usd

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def home_view(summary: AccountSummary, *, locale: str | None, now: datetime) -> dict:
    """The App Home view as handlers/home.py publishes it."""
    return dashboard_view(home_blocks(summary, locale=locale), locale=locale, now=now)


def account(balance="1500", suspended=False, autorecharge=True):
    return AccountView(
        id=1, team_id="T1", name="Contoso", currency="USD", timezone="UTC", region="US",
        billing_region="US", billing_type="mosa", balance=usd(balance), version=3,
        suspended=suspended, suspended_at=None, autorecharge_enabled=autorecharge,
        autorecharge_amount=usd("1000"), autorecharge_below=usd("200"),
        alert_channel=None, payment=PaymentMethod("card", "visa", "4242", 8, 2027))


def summary(**kwargs):
    return AccountSummary(
        account=account(**kwargs),
        last_recharge=Purchase("recharge", usd("1000"), datetime(2026, 10, 20, tzinfo=UTC)),
        recent_purchases=(Purchase("recharge", usd("1000"), datetime(2026, 10, 20, tzinfo=UTC)),
                          Purchase("deposit", usd("500"), datetime(2026, 9, 1, tzinfo=UTC))),
        thresholds=(usd("500"), usd("200")), license_count=42,
        average_daily_spend=usd("12.3456"), run_out=date(2027, 1, 31))


def texts(view):
    found = []
    for block in view["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [field["text"] for field in block.get("fields", [])]
        found += [element["text"] for element in block.get("elements", [])]
    return found


def test_dashboard_shows_every_part():
    shown = summary()
    view = home_view(shown, locale="en-US", now=NOW)
    assert view["type"] == "home"
    assert [block["type"] for block in view["blocks"]] == [
        "header", "section", "section", "section", "divider", "section", "context"]
    # The balance, state, auto-recharge, last recharge and forecast are the balance answer's.
    assert view["blocks"][1:3] == balance_reply(shown, locale="en-US").blocks
    assert "$1,500.00" in texts(view)[1]
    assert texts({"blocks": [view["blocks"][0], *view["blocks"][3:]]}) == [
        "Communications Credits",
        "*Low-balance alerts*\n$500.00, $200.00",
        "*Licensed users*\n42",
        "*Last recharges and deposits*\nOct 20, 2026  $1,000.00  auto-recharge\n"
        "Sep 1, 2026  $500.00  deposit",
        "Updated Nov 2, 2026 09:30 UTC. `/credits help` lists every command.",
    ]


def test_suspended_account_says_so_plainly():
    view = home_view(summary(balance="-3.20", suspended=True, autorecharge=False), locale=None,
                     now=NOW)
    shown = texts(view)
    assert any("*suspended*" in text and "-$3.20" in text for text in shown)
    assert "*Auto-recharge*\noff" in shown
    assert any("/credits deposit" in text for text in shown)


def test_german_dashboard():
    shown = texts(home_view(summary(), locale="de-DE", now=NOW))
    assert "*Lizenzierte Benutzer*\n42" in shown
    assert any(text.startswith("Stand 02.11.2026 09:30 UTC") for text in shown)
    assert any("20.10.2026  1.000,00\xa0$" in text for text in shown)
