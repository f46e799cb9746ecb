"""Accounts: one per Slack team; its settings, who may buy credits, and its payment method."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session
from sqlmodel import Session

from bot.clock import Clock
from bot.errors import AccountNotFound, CreditsError, PurchaseNotAllowed
from bot.i18n import N_, t
from bot.money import DEFAULT_CURRENCY, Money
from storage import accounts as accounts_db
from storage import spend as spend_db
from storage.db import read_session, write_transaction
from storage.models import Account

BILLING_TYPES = {
    "mosa": "Microsoft Online Subscription Agreement",
    "ea": "Enterprise Agreement",
    "mca": "Microsoft Customer Agreement (post-paid)",
    "csp": "Cloud Solution Provider (reseller)",
}
# Microsoft Customer Agreement calls are invoiced after they are made: no credits are needed,
# nothing stops at zero, and Microsoft tells MCA customers to turn auto-recharge off.
POSTPAID = "mca"
CARD_BRANDS = ("visa", "mastercard", "amex", "discover")
# The languages an account's alerts can be written in (bot/i18n.py has their catalogs), each
# with the locale a bare language name stands for.
DEFAULT_LANGUAGE = "en-US"
LANGUAGES = {"en": "en-US", "de": "de-DE"}  # with a catalog each; named in check_language's refusal
# Countries that have telephone numbers (Babel's list also has pseudo-regions such as ZZ, EU).
_TERRITORIES = frozenset(phonenumbers.SUPPORTED_REGIONS)


@dataclass(frozen=True)
class PaymentMethod:
    """What we keep of a payment method: never a full card number."""

    kind: str  # card | invoice
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    po: str | None = None

    def describe(self, locale: str | None = None) -> str:
        """"Visa ending 4242, expires 08/2027" or "invoice PO-123", in the locale's language
        (receipts and attempts keep the English, which `describe_in` reads back)."""
        if self.kind == "invoice":
            # "invoice PO-123", not "invoice (PO PO-123)": it sits in parentheses in receipts.
            po = self.po or "?"
            return (t("invoice {po}", locale, po=po) if po.upper().startswith("PO")
                    else t("invoice PO {po}", locale, po=po))
        return t("{card}, expires {expiry}", locale, card=self.card_name(locale),
                 expiry=self.expiry_text)

    def card_name(self, locale: str | None = None) -> str:
        """"Visa ending 4242"."""
        brand = (self.brand or "card").title()
        return t("{brand} ending {last4}", locale, brand=brand, last4=self.last4 or "????")

    @property
    def expiry_text(self) -> str:
        return f"{self.exp_month:02d}/{self.exp_year}" if self.exp_month else "?"

    def expired(self, now: datetime) -> bool:
        """True from the first day after the expiry month (cards work through their month)."""
        if self.kind != "card" or not self.exp_year or not self.exp_month:
            return False
        return (now.year, now.month) > (self.exp_year, self.exp_month)


_DESCRIBED_CARD = re.compile(r"^(\w+) ending (\d{4}), expires (\d{2})/(\d{4})$")
_DESCRIBED_INVOICE = re.compile(r"^invoice (?:PO (?=.))?(.+)$")


def describe_in(described: str | None, locale: str | None) -> str | None:
    """A payment method as `PaymentMethod.describe()` wrote it in English (stored with deposits
    and recharges), in the locale's language; any other text as it is."""
    if not described:
        return described
    card = _DESCRIBED_CARD.match(described)
    if card:
        return PaymentMethod("card", card[1].lower(), card[2], int(card[3]),
                             int(card[4])).describe(locale)
    invoice = _DESCRIBED_INVOICE.match(described)
    if invoice:
        return PaymentMethod("invoice", po=invoice[1]).describe(locale)
    return described


@dataclass(frozen=True)
class AccountView:
    """A read-only snapshot of an account for rendering and rules."""

    id: int
    team_id: str
    name: str
    currency: str
    timezone: str
    region: str
    billing_region: str
    billing_type: str
    balance: Money
    version: int
    suspended: bool
    suspended_at: datetime | None
    autorecharge_enabled: bool
    autorecharge_amount: Money | None
    autorecharge_below: Money | None
    alert_channel: str | None
    payment: PaymentMethod | None
    language: str = DEFAULT_LANGUAGE  # of the account's alerts (a Slack-style locale tag)

    @property
    def postpaid(self) -> bool:
        """Billed after the fact (Microsoft Customer Agreement): never suspended, buys nothing."""
        return self.billing_type == POSTPAID


@dataclass(frozen=True)
class SettingsChange:
    """An account after a change of its settings, and what the change did besides."""

    account: AccountView
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class PurchaseRefusal:
    """Why an account may not buy credits: the rule, and its sentence (marked) and values."""

    rule: str  # postpaid | reseller | ea_region
    message: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The sentence in English."""
        return str(self.error())

    def error(self) -> PurchaseNotAllowed:
        return PurchaseNotAllowed(self.message, **self.values)


def view(account: Account) -> AccountView:
    """Snapshot a stored account."""
    payment = None
    if account.payment_kind == "card":
        payment = PaymentMethod("card", account.card_brand, account.card_last4,
                                account.card_exp_month, account.card_exp_year)
    elif account.payment_kind == "invoice":
        payment = PaymentMethod("invoice", po=account.invoice_po)
    return AccountView(
        id=account.id or 0, team_id=account.team_id, name=account.name,
        currency=account.currency, timezone=account.timezone, region=account.region,
        billing_region=account.billing_region, billing_type=account.billing_type,
        balance=Money.from_micros(account.balance_micros, account.currency),
        version=account.version,
        suspended=account.suspended, suspended_at=account.suspended_at,
        autorecharge_enabled=account.autorecharge_enabled,
        autorecharge_amount=_maybe(account.autorecharge_amount_micros, account.currency),
        autorecharge_below=_maybe(account.autorecharge_below_micros, account.currency),
        alert_channel=account.alert_channel, payment=payment, language=account.language)


def currency_of(session: Session, account_id: int) -> str:
    """The currency an account's stored amounts are in (the default one for no account)."""
    account = accounts_db.get_account_by_id(session=session, account_id=account_id)
    return account.currency if account is not None else DEFAULT_CURRENCY


def _maybe(micros: int | None, currency: str) -> Money | None:
    return None if micros is None else Money.from_micros(micros, currency)


def purchase_refusal_rule(account: AccountView) -> PurchaseRefusal | None:
    """Why this account may not buy credits itself (Microsoft's rules), or None.

    MOSA accounts buy wherever they are billed; only an Enterprise Agreement whose organization
    is in another region than its billing address "might not be able to buy" (Microsoft's
    caveat, with its advice to open a support request).
    """
    if account.billing_type == "csp":
        return PurchaseRefusal("reseller", N_(
            "This account is billed through a reseller (CSP): your partner buys Communications "
            "Credits for you. Ask them to fund the account."))
    if account.postpaid:
        return PurchaseRefusal("postpaid", N_(
            "This account is billed post-paid under a Microsoft Customer Agreement: its calls "
            "are invoiced after they are made, so it needs no Communications Credits. Deposits "
            "and auto-recharge are not used with it (Microsoft asks MCA customers to keep "
            "auto-recharge off)."))
    if account.billing_type == "ea" and account.region != account.billing_region:
        return PurchaseRefusal("ea_region", N_(
            "This Enterprise Agreement account's organization is in {region} and its billing "
            "address in {billing_region}: Microsoft says such an organization might not be able "
            "to buy Communications Credits. Open a support request in the Microsoft 365 admin "
            "center to buy them."),
            {"region": account.region, "billing_region": account.billing_region})
    return None


def purchase_refusal(account: AccountView) -> str | None:
    """Why this account may not buy credits itself, in English, or None."""
    refusal = purchase_refusal_rule(account)
    return refusal.text if refusal else None


def check_purchase_allowed(account: AccountView) -> None:
    """Raise PurchaseNotAllowed (read in the user's language) when the account may not buy."""
    refusal = purchase_refusal_rule(account)
    if refusal is not None:
        raise refusal.error()


def check_language(tag: str) -> str:
    """A supported language as a locale tag: `de-DE`, `de_AT` -> `de-AT`, `de` -> `de-DE`,
    `en-GB`; a language without a catalog, or no locale at all, is refused."""
    text = tag.strip()
    try:
        parsed = Locale.parse(text.replace("-", "_")) if text else None
    except (UnknownLocaleError, ValueError, TypeError):
        parsed = None
    if parsed is None or parsed.language not in LANGUAGES:
        raise CreditsError(N_("{tag} is not a language the bot speaks: use en-US or de-DE."),
                           tag=repr(tag[:20]))
    if parsed.territory is None:
        return LANGUAGES[parsed.language]
    return f"{parsed.language}-{parsed.territory}"


def check_country(code: str, what: str) -> str:
    upper = code.strip().upper()
    if upper not in _TERRITORIES:
        raise CreditsError(f"{what} must be a two-letter country code such as US or DE, "
                           f"not {code!r}.")
    return upper


class Accounts:
    """Reads and changes account settings; each change is its own short transaction."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def ensure(self, team_id: str, *, name: str = "") -> AccountView:
        """Return the team's account, creating an empty one on first contact."""
        with read_session(self.engine) as session:
            found = accounts_db.get_account(session=session, team_id=team_id)
            if found is not None:
                return view(found)
        try:
            with write_transaction(self.engine) as session:
                found = accounts_db.get_account(session=session, team_id=team_id)
                if found is None:
                    found = accounts_db.create_account(session=session, team_id=team_id,
                                                       name=name, now=self.clock.now())
                return view(found)
        except IntegrityError:
            # Two first contacts raced on PostgreSQL (SQLite's IMMEDIATE lock serialises them):
            # the other one created it.
            return self.get(team_id)

    def get(self, team_id: str) -> AccountView:
        with read_session(self.engine) as session:
            found = accounts_db.get_account(session=session, team_id=team_id)
            if found is None:
                raise AccountNotFound(f"There is no credits account for team {team_id}.")
            return view(found)

    def resolve(self, team_id: str | None) -> AccountView:
        """The named team's account, or the only account there is when no team is named."""
        if team_id:
            return self.get(team_id)
        with read_session(self.engine) as session:
            accounts = accounts_db.list_accounts(session=session)
        if len(accounts) == 1:
            return view(accounts[0])
        if not accounts:
            raise AccountNotFound("There is no account yet. It is created when a workspace first "
                                  "uses the bot, for the workspace of SLACK_BOT_TOKEN, or by "
                                  "`credits-bot account set --team T…`.")
        teams = ", ".join(a.team_id for a in accounts)
        raise AccountNotFound(f"There are several accounts ({teams}): name one with --team.")

    def list(self) -> list[AccountView]:
        with read_session(self.engine) as session:
            return [view(a) for a in accounts_db.list_accounts(session=session)]

    @contextmanager
    def _change(self, team_id: str) -> Iterator[Account]:
        """Edit one account (created on first contact) in a locked transaction."""
        with write_transaction(self.engine) as session:
            found = accounts_db.get_account(session=session, team_id=team_id)
            if found is None:
                found = accounts_db.create_account(session=session, team_id=team_id,
                                                   now=self.clock.now())
            account = accounts_db.lock_account(session=session, account_id=found.id or 0)
            yield account
            account.summary_version += 1  # what the balance answer shows may have changed
            session.add(account)
            session.flush()

    def update(self, team_id: str, *, region: str | None = None, billing_region: str | None = None,
               billing_type: str | None = None, currency: str | None = None,
               timezone: str | None = None, name: str | None = None,
               language: str | None = None) -> AccountView:
        """Change an account's settings; all checked before anything is written."""
        return self.change_settings(team_id, region=region, billing_region=billing_region,
                                    billing_type=billing_type, currency=currency,
                                    timezone=timezone, name=name, language=language).account

    def change_settings(self, team_id: str, *, region: str | None = None,
                        billing_region: str | None = None, billing_type: str | None = None,
                        currency: str | None = None, timezone: str | None = None,
                        name: str | None = None, language: str | None = None
                        ) -> SettingsChange:
        """Change an account's settings and say what else that did: a switch to post-paid
        billing turns auto-recharge off (Microsoft's advice) and ends any suspension."""
        changes: dict[str, object] = {}
        if region is not None:
            changes["region"] = check_country(region, "--region")
        if billing_region is not None:
            changes["billing_region"] = check_country(billing_region, "--billing-region")
        if billing_type is not None:
            if billing_type.lower() not in BILLING_TYPES:
                raise CreditsError("--billing-type is one of " + ", ".join(BILLING_TYPES) + ".")
            changes["billing_type"] = billing_type.lower()
        if currency is not None:
            code = currency.strip().upper()
            if code not in list_currencies():
                raise CreditsError(f"{currency!r} is not an ISO 4217 currency code.")
            changes["currency"] = code
        if timezone is not None:
            changes["timezone"] = _check_timezone(timezone)
        if name is not None:
            changes["name"] = name
        if language is not None:
            changes["language"] = check_language(language)
        with self._change(team_id) as account:
            if ("currency" in changes and changes["currency"] != account.currency
                    and account.version > 0):
                raise CreditsError("The currency cannot change once the ledger has entries.")
            rezoned = changes.get("timezone", account.timezone) != account.timezone
            for key, value in changes.items():
                setattr(account, key, value)
            if rezoned:
                # The spend rollup's days are the account's days: lay the calls on the new ones.
                spend_db.rebuild(session=_session_of(account), account_id=account.id or 0,
                                 timezone=account.timezone)
            notices = _apply_billing_rules(account, now=self.clock.now())
            return SettingsChange(view(account), notices)

    def set_card(self, team_id: str, *, brand: str, last4: str, exp_month: int,
                 exp_year: int) -> AccountView:
        """Keep a card's brand, last 4 digits and expiry (a full number is never accepted)."""
        brand = brand.strip().lower()
        if brand not in CARD_BRANDS:
            raise CreditsError("--brand is one of " + ", ".join(CARD_BRANDS) + ".")
        if not re.fullmatch(r"[0-9]{4}", last4):
            raise CreditsError("--last4 takes exactly the last 4 digits of the card, never more.")
        if not 1 <= exp_month <= 12 or not 2000 <= exp_year <= 2100:
            raise CreditsError("--expires takes the card's expiry as YYYY-MM, e.g. 2027-08.")
        with self._change(team_id) as account:
            account.payment_kind, account.card_brand, account.card_last4 = "card", brand, last4
            account.card_exp_month, account.card_exp_year = exp_month, exp_year
            account.invoice_po = None
            account.payment_updated_at = self.clock.now()
            return view(account)

    def set_invoice(self, team_id: str, *, po: str) -> AccountView:
        po = po.strip()
        if not po or len(po) > 64:
            raise CreditsError("--po takes the invoice or purchase order number, e.g. PO-123.")
        with self._change(team_id) as account:
            account.payment_kind, account.invoice_po = "invoice", po
            account.card_brand = account.card_last4 = None
            account.card_exp_month = account.card_exp_year = None
            account.payment_updated_at = self.clock.now()
            return view(account)

    def set_autorecharge(self, team_id: str, *, enabled: bool, amount: Money | None = None,
                         below: Money | None = None) -> AccountView:
        with self._change(team_id) as account:
            account.autorecharge_enabled = enabled
            if enabled:
                if amount is None or below is None:
                    raise CreditsError(N_("Auto-recharge needs an amount and a trigger."))
                account.autorecharge_amount_micros = amount.in_currency(account.currency).micros
                account.autorecharge_below_micros = below.in_currency(account.currency).micros
            return view(account)

    def set_alert_channel(self, team_id: str, channel: str | None) -> AccountView:
        with self._change(team_id) as account:
            account.alert_channel = channel
            return view(account)

def _apply_billing_rules(account: Account, *, now: datetime) -> tuple[str, ...]:
    """Keep a changed account consistent with its billing type (inside its transaction)."""
    notices = []
    postpaid = account.billing_type == POSTPAID
    if postpaid and account.autorecharge_enabled:
        account.autorecharge_enabled = False
        notices.append(N_("Auto-recharge is now off: a Microsoft Customer Agreement account is "
                          "invoiced after the fact and needs no credits (Microsoft asks MCA "
                          "customers to turn auto-recharge off)."))
    suspended = account.balance_micros <= 0 and not postpaid
    if postpaid and account.suspended:
        notices.append(N_("The account is no longer suspended: post-paid calls do not stop at "
                          "zero."))
    if suspended != account.suspended:
        account.suspended, account.suspended_at = suspended, now if suspended else None
    return tuple(notices)


def _session_of(account: Account) -> Session:
    session = object_session(account)
    if not isinstance(session, Session):
        raise RuntimeError("the account is not in a transaction")
    return session


def _check_timezone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CreditsError(f"{name!r} is not a time zone name such as UTC or Europe/Berlin.")\
            from None
    return name
