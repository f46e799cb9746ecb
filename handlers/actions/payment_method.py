"""The payment method modal (`/credits payment set`): opened for admins, checked on Submit and
applied with the service calls of `credits-bot account set` and `set-payment-method`.

Submit is answered within Slack's 3 seconds: a non-admin, or a field that is wrong, gets its
sentence under the field (`response_action: errors`) and nothing changes; otherwise the modal
says "Saving…" and a lazy listener applies the change, audits it as the admin, shows the outcome
in the modal and posts a confirmation to the admin's DM. A field that holds a card number (more
than 4 digits for the last 4, or anything that passes for a full card number) is refused with a
sentence that does not repeat it; it is never stored, audited or logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.accounts import BILLING_TYPES, CARD_BRANDS, POSTPAID, AccountView, check_country
from bot.errors import CreditsError, InsufficientRights
from bot.redaction import redact_card_numbers
from handlers.actions.click import Click, answer, require_admin
from handlers.asking import asker_of
from handlers.blocks.common import error_reply
from handlers.blocks.payment_modal import (
    BILLING_BLOCK,
    BILLING_INPUT,
    BILLING_NAMES,
    BILLING_REGION_BLOCK,
    BILLING_REGION_INPUT,
    BRAND_BLOCK,
    BRAND_INPUT,
    CALLBACK_ID,
    CHANGE_ACTION,
    EXPIRY_BLOCK,
    EXPIRY_INPUT,
    KIND_BLOCK,
    KIND_INPUT,
    LAST4_BLOCK,
    LAST4_INPUT,
    PO_BLOCK,
    PO_INPUT,
    REGION_BLOCK,
    REGION_INPUT,
    payment_modal,
    result_view,
)
from handlers.context import HandlerContext
from handlers.i18n import error_text, t
from handlers.reply import Reply

log = logging.getLogger(__name__)

ACTION = "view.payment_method"
Ack = Callable[..., None]
FIELDS = {KIND_BLOCK: KIND_INPUT, PO_BLOCK: PO_INPUT, BRAND_BLOCK: BRAND_INPUT,
          LAST4_BLOCK: LAST4_INPUT, EXPIRY_BLOCK: EXPIRY_INPUT, BILLING_BLOCK: BILLING_INPUT,
          REGION_BLOCK: REGION_INPUT, BILLING_REGION_BLOCK: BILLING_REGION_INPUT}
_MONTH_YEAR = re.compile(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True)
class PaymentForm:
    """What a submitted modal asks for, checked: safe to store and to audit."""

    kind: str
    billing_type: str
    region: str
    billing_region: str
    po: str | None = None
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None

    @property
    def expires(self) -> str | None:
        return f"{self.exp_year}-{self.exp_month:02d}" if self.exp_month else None


def open_modal(ctx: HandlerContext, *, trigger_id: str, team_id: str, user_id: str) -> None:
    """Open the modal (views.open needs the command's trigger_id, valid for 3 seconds)."""
    account = ctx.services.accounts.ensure(team_id)
    ctx.client.views_open(trigger_id=trigger_id, view=payment_modal(
        account, metadata="", locale=ctx.directory.locale(user_id)))


def not_opened(exc: SlackApiError, locale: str | None) -> Reply:
    """Slack refused views.open (a trigger older than 3 seconds, most often)."""
    error = exc.response.get("error") or exc.response.status_code
    return error_reply(t("Slack did not open the form ({error}); type `/credits payment set` "
                         "again.", locale, error=error))


def typed_values(view: dict[str, Any]) -> dict[str, str]:
    """Each block's typed text or chosen option's value ("" when empty)."""
    values = (view.get("state") or {}).get("values") or {}
    found = {}
    for block, action in FIELDS.items():
        state = (values.get(block) or {}).get(action) or {}
        chosen = state.get("selected_option") or {}
        found[block] = str(chosen.get("value") or state.get("value") or "").strip()
    return found


def holds_card_number(text: str) -> bool:
    return redact_card_numbers(text) != text


def typed_a_card_number(typed: dict[str, str]) -> bool:
    """Whether some field holds a card number (or more than 4 digits for the last 4)."""
    return (sum(ch.isdigit() for ch in typed[LAST4_BLOCK]) > 4
            or any(holds_card_number(text) for text in typed.values()))


def read_form(typed: dict[str, str], *, today: tuple[int, int],
              locale: str | None) -> tuple[PaymentForm | None, dict[str, str]]:
    """The checked form, or the sentence for each block that is wrong (none repeats a card
    number). `today` is (year, month): a card that has expired already is refused."""
    errors: dict[str, str] = {}
    card_number = t("That looks like a card number: never type one here. Nothing was stored.",
                    locale)
    for block, text in typed.items():
        if block != LAST4_BLOCK and holds_card_number(text):
            errors[block] = card_number
    if typed_a_card_number({LAST4_BLOCK: typed[LAST4_BLOCK]}):  # refused even for an invoice
        errors[LAST4_BLOCK] = t("Type only the last 4 digits of the card, never the full "
                                "number. Nothing was stored.", locale)
    kind = typed[KIND_BLOCK]
    if kind not in ("card", "invoice") and KIND_BLOCK not in errors:
        errors[KIND_BLOCK] = t("Choose a card or an invoice.", locale)
    form: dict[str, Any] = {"kind": kind}
    if kind == "invoice" and PO_BLOCK not in errors:
        if not typed[PO_BLOCK]:
            errors[PO_BLOCK] = t("An invoice needs its purchase order number, e.g. PO-123.",
                                 locale)
        form["po"] = typed[PO_BLOCK]
    if kind == "card":
        form.update(_read_card(typed, errors, today=today, locale=locale))
    billing = typed[BILLING_BLOCK].lower()
    if billing not in BILLING_TYPES and BILLING_BLOCK not in errors:
        errors[BILLING_BLOCK] = t("Choose one of the billing types.", locale)
    form["billing_type"] = billing
    for block, key in ((REGION_BLOCK, "region"), (BILLING_REGION_BLOCK, "billing_region")):
        if block in errors:
            continue
        try:
            form[key] = check_country(typed[block], key)
        except CreditsError:
            errors[block] = t("Type the country's two-letter code, such as US or DE.", locale)
    if errors:
        return None, {block: text[:150] for block, text in errors.items()}
    return PaymentForm(**form), {}


def _read_card(typed: dict[str, str], errors: dict[str, str], *, today: tuple[int, int],
               locale: str | None) -> dict[str, Any]:
    card: dict[str, Any] = {}
    last4 = typed[LAST4_BLOCK]
    if LAST4_BLOCK not in errors and not re.fullmatch(r"[0-9]{4}", last4):
        errors[LAST4_BLOCK] = t("Type the last 4 digits of the card, e.g. 4242.", locale)
    card["last4"] = last4
    brand = typed[BRAND_BLOCK].lower()
    if brand not in CARD_BRANDS and BRAND_BLOCK not in errors:
        errors[BRAND_BLOCK] = t("Choose the card's brand.", locale)
    card["brand"] = brand
    if EXPIRY_BLOCK in errors:
        return card
    expiry = _expiry(typed[EXPIRY_BLOCK])
    if expiry is None:
        errors[EXPIRY_BLOCK] = t("Type the card's expiry as MM/YYYY, e.g. 08/2027.", locale)
    elif expiry < today:
        errors[EXPIRY_BLOCK] = t("That card expired at the end of {expiry}: enter a card that "
                                 "is still valid.", locale,
                                 expiry=f"{expiry[1]:02d}/{expiry[0]}")
    else:
        card["exp_year"], card["exp_month"] = expiry
    return card


def _expiry(text: str) -> tuple[int, int] | None:
    """(year, month) of `08/2027`, `8/27` or `2027-08`."""
    match = _MONTH_YEAR.fullmatch(text)
    if match:
        month, year = int(match[1]), int(match[2])
        year += 2000 if year < 100 else 0
    else:
        match = _YEAR_MONTH.fullmatch(text)
        if not match:
            return None
        year, month = int(match[1]), int(match[2])
    return (year, month) if 1 <= month <= 12 and 2000 <= year <= 2100 else None


def audit_arguments(form: PaymentForm) -> dict[str, Any]:
    arguments = asdict(form)
    arguments["expires"] = form.expires
    del arguments["exp_month"], arguments["exp_year"]
    return arguments


def apply(ctx: HandlerContext, team_id: str, form: PaymentForm) -> tuple[AccountView,
                                                                         tuple[str, ...]]:
    """The CLI's service calls: `account set` (billing type, regions), then
    `set-payment-method` when the method changed (a new card retries a failed recharge)."""
    accounts = ctx.services.accounts
    change = accounts.change_settings(team_id, billing_type=form.billing_type,
                                      region=form.region, billing_region=form.billing_region)
    current = change.account.payment
    if form.kind == "invoice":
        assert form.po is not None
        if current is None or current.kind != "invoice" or current.po != form.po:
            accounts.set_invoice(team_id, po=form.po)
    else:
        assert form.brand and form.last4 and form.exp_month and form.exp_year
        wanted = (form.brand, form.last4, form.exp_month, form.exp_year)
        if current is None or current.kind != "card" or (
                current.brand, current.last4, current.exp_month, current.exp_year) != wanted:
            accounts.set_card(team_id, brand=form.brand, last4=form.last4,
                              exp_month=form.exp_month, exp_year=form.exp_year)
    return accounts.get(team_id), change.notices


def outcome_text(account: AccountView, notices: tuple[str, ...], *, user_id: str,
                 locale: str | None) -> str:
    """The confirmation: what is on file now, and what the change did besides."""
    method = account.payment
    if method is not None and method.kind == "invoice":
        paid = t("*invoice*, purchase order *{po}*", locale, po=method.po or "—")
    elif method is not None:
        paid = t("*{brand}* ending *{last4}*, expires *{expiry}*", locale,
                 brand=(method.brand or "card").title(), last4=method.last4 or "????",
                 expiry=method.expiry_text)
    else:
        paid = "—"
    lines = [t(":white_check_mark: <@{user}> changed how this account pays: {method}.", locale,
               user=user_id, method=paid),
             t("Billing type: *{billing}*; organization in *{region}*, billed in "
               "*{billing_region}*.", locale,
               billing=t(BILLING_NAMES[account.billing_type], locale), region=account.region,
               billing_region=account.billing_region)]
    lines += [t(notice, locale) for notice in notices]
    if account.billing_type == POSTPAID:
        lines.append(t("Post-paid: deposits and auto-recharge are not used with it.", locale))
    return "\n".join(lines)


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the modal's submission listener: checks within the ack, the change after it."""

    def today() -> tuple[int, int]:
        now = ctx.services.clock.now()
        return now.year, now.month

    def check(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = _who(body)
        locale = ctx.directory.locale(user_id)
        try:
            ctx.rights.require_admin(team_id=team_id, user_id=user_id, action=ACTION,
                                     arguments={"modal": CALLBACK_ID})
        except InsufficientRights as exc:
            ack(response_action="errors", errors={KIND_BLOCK: error_text(exc, locale)[:150]})
            return
        typed = typed_values(view)
        form, errors = read_form(typed, today=today(), locale=locale)
        if form is None:
            if typed_a_card_number(typed):
                ctx.services.audit.record(team_id=team_id, actor=user_id, action=ACTION,
                                          result="refused", arguments={"blocks": sorted(errors)},
                                          detail="a card number was typed: not stored")
            ack(response_action="errors", errors=errors)
            return
        ack(response_action="update", view=result_view(t(":hourglass_flowing_sand: Saving…",
                                                          locale), locale=locale))

    def save(body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = _who(body)
        locale = ctx.directory.locale(user_id)
        form, _ = read_form(typed_values(view), today=today(), locale=locale)
        if form is None or not ctx.rights.is_admin(user_id, team_id):
            return  # the ack refused it already
        try:
            account, notices = apply(ctx, team_id, form)
        except CreditsError as exc:
            ctx.services.audit.record(team_id=team_id, actor=user_id, action=ACTION,
                                      result="error", arguments=audit_arguments(form),
                                      detail=str(exc))
            text = t(":warning: The payment method was not changed: {reason}", locale,
                     reason=error_text(exc, locale))
        else:
            ctx.services.audit.record(team_id=team_id, actor=user_id, action=ACTION,
                                      result="ok", arguments=audit_arguments(form),
                                      detail="; ".join(notices) or None)
            text = outcome_text(account, notices, user_id=user_id, locale=locale)
        _show(ctx, view_id=str(view.get("id") or ""), text=text, locale=locale)
        _post_to_dm(ctx, user_id=user_id, text=text)

    app.view(CALLBACK_ID)(ack=check, lazy=[save])

    def acknowledge(ack: Callable[[], None]) -> None:
        ack()

    def change_clicked(body: dict[str, Any], context: dict[str, Any],
                       respond: Callable[..., Any]) -> None:
        """The button of `/credits payment`: admins get the modal (rights checked again)."""
        click = Click.from_body(body, asker_of(context))
        if not require_admin(ctx, click, respond):
            return
        try:
            open_modal(ctx, trigger_id=str(body.get("trigger_id") or ""),
                       team_id=click.team_id, user_id=click.user_id)
        except SlackApiError as exc:
            answer(respond, not_opened(exc, ctx.directory.locale(click.user_id)),
                   replace_original=False)

    app.action(CHANGE_ACTION)(ack=acknowledge, lazy=[change_clicked])


def _who(body: dict[str, Any]) -> tuple[str, str]:
    user = body.get("user") or {}
    team_id = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    return str(team_id), str(user.get("id") or "")


def _show(ctx: HandlerContext, *, view_id: str, text: str, locale: str | None) -> None:
    """Replace "Saving…" with the outcome (the admin may have closed the modal already)."""
    if not view_id:
        return
    try:
        ctx.client.views_update(view_id=view_id, view=result_view(text, locale=locale))
    except SlackApiError as exc:
        log.info("could not update the payment modal: %s", exc.response.get("error"))


def _post_to_dm(ctx: HandlerContext, *, user_id: str, text: str) -> None:
    try:
        channel = ctx.client.conversations_open(users=user_id)["channel"]["id"]
        ctx.client.chat_postMessage(channel=channel, text=text)
    except SlackApiError as exc:
        log.warning("could not confirm the payment method change to %s: %s", user_id,
                    exc.response.get("error"))
