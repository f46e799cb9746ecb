"""Blocks of licenses: what an assign or remove did per user, and the list with its count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from babel.numbers import format_decimal

from bot.i18n import normalize_locale
from bot.licenses import LicenseView
from handlers.blocks.common import Block, context, section
from handlers.i18n import N_, format_day, t, tn
from handlers.reply import Reply

SHOWN = 60  # users listed in one message; the count covers everyone
PER_SECTION = 20  # keeps each section under Block Kit's 3,000 characters

OUTCOME_KEYS = {
    "assigned": N_(":white_check_mark: <@{user}> is licensed ({email})."),
    "assigned_no_email": N_(":white_check_mark: <@{user}> is licensed. Slack gave no e-mail, "
                            "so their calls cannot be matched by UPN."),
    "already": N_(":information_source: <@{user}> has a license already."),
    "unknown": N_(":warning: <@{user}> is not a user of this workspace: nothing assigned."),
    "bot": N_(":no_entry: <@{user}> is a bot: only people can hold a calling license."),
    "removed": N_(":white_check_mark: <@{user}>'s license is removed."),
    "none": N_(":information_source: <@{user}> has no license to remove."),
    # Refusals of the Microsoft 365 tenant (bot/graph/licenses.py)
    "tenant_no_units": N_("<@{user}>: no Communications Credits licenses left to assign: "
                          "{used} of {total} in use. Buy more in the Microsoft 365 admin "
                          "center."),
    "tenant_no_user": N_("<@{user}>: {upn} is not a user of the Microsoft 365 tenant, so no "
                         "license was assigned."),
    "tenant_no_sku": N_("<@{user}>: the tenant has no Communications Credits subscription "
                        "(MCOPSTNC): buy it in the Microsoft 365 admin center first."),
    "tenant_refused": N_("<@{user}>: Microsoft Graph refused the license change: {error}"),
    "tenant_no_email": N_("<@{user}>: Slack shows no e-mail for them, so the tenant cannot be "
                          "asked."),
}


@dataclass(frozen=True)
class UserOutcome:
    """What happened to one mentioned user."""

    user_id: str
    outcome: str  # a key of OUTCOME_KEYS
    email: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # of a tenant's refusal


def count_text(count: int, *, locale: str | None) -> str:
    return tn("*{count}* licensed user.", "*{count}* licensed users.", count, locale,
              count=format_decimal(count, locale=normalize_locale(locale)))


def license_changes_reply(outcomes: Sequence[UserOutcome], *, count: int,
                          locale: str | None) -> Reply:
    """One line per mentioned user, then the licensed-user count."""
    lines = [t(OUTCOME_KEYS[o.outcome], locale, **{"upn": o.email or "", **o.values,
                                                   "user": o.user_id, "email": o.email or ""})
             for o in outcomes]
    total = count_text(count, locale=locale)
    blocks = [*_sections(lines), context(total)]
    return Reply(text="\n".join([*lines, total]), blocks=blocks)


def license_list_reply(licenses: Sequence[LicenseView], *, locale: str | None) -> Reply:
    """The licensed users (the first SHOWN of them) and the count."""
    total = count_text(len(licenses), locale=locale)
    if not licenses:
        text = t("No one has a Communications Credits license yet. Admins: `/credits license "
                 "assign @user`.", locale)
        return Reply(text=text, blocks=[section(text)])
    lines = [" · ".join(part for part in (
        f"<@{item.slack_user_id}>", item.email, item.sku,
        t("since {date}", locale, date=format_day(item.assigned_at, locale))) if part)
        for item in licenses[:SHOWN]]
    if len(licenses) > SHOWN:
        lines.append(t("…and {count} more.", locale, count=f"{len(licenses) - SHOWN:,}"))
    return Reply(text="\n".join([total, *lines]),
                 blocks=[section(total), *_sections(lines)])


def _sections(lines: Sequence[str]) -> list[Block]:
    return [section("\n".join(lines[i:i + PER_SECTION]))
            for i in range(0, len(lines), PER_SECTION)]


SHOWN_DIFFERENCES = 20


def tenant_comparison(tenant: set[str] | None, ours: set[str], *, locale: str | None,
                      error: str | None = None) -> Reply:
    """The tenant's licensed-user count and where it differs from the bot's list."""
    if tenant is None:
        text = t(":warning: The tenant's licenses could not be read: {error}",
                 locale, error=error or "")
        return Reply(text=text, blocks=[section(text)])
    lines = [t("*In the Microsoft 365 tenant:* {count} users hold the license.",
               locale, count=f"{len(tenant):,}")]
    ours = {email.lower() for email in ours}
    only_tenant, only_ours = sorted(tenant - ours), sorted(ours - tenant)
    if only_tenant:
        lines.append(t("Licensed in the tenant but not in the bot's list: {upns}",
                       locale, upns=_names(only_tenant)))
    if only_ours:
        lines.append(t("In the bot's list but not licensed in the tenant: {upns}",
                       locale, upns=_names(only_ours)))
    if not only_tenant and not only_ours:
        lines.append(t("The bot's list and the tenant agree.", locale))
    return Reply(text="\n".join(lines), blocks=[section("\n".join(lines))])


def _names(upns: list[str]) -> str:
    shown = ", ".join(upns[:SHOWN_DIFFERENCES])
    return shown + (f" (+{len(upns) - SHOWN_DIFFERENCES:,})" if len(upns) > SHOWN_DIFFERENCES
                    else "")


def with_tenant(reply: Reply, tenant: Reply) -> Reply:
    """The bot's answer followed by the tenant's."""
    return Reply(text=f"{reply.text}\n{tenant.text}",
                 blocks=[*(reply.blocks or []), *(tenant.blocks or [])])
