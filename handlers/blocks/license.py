"""Blocks of licenses: what an assign or remove did per user, and the list with its count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.licenses import LicenseView
from handlers.blocks.common import Block, context, section
from handlers.i18n import t
from handlers.reply import Reply

SHOWN = 60  # users listed in one message; the count covers everyone
PER_SECTION = 20  # keeps each section under Block Kit's 3,000 characters

OUTCOME_KEYS = {
    "assigned": "license_assigned", "assigned_no_email": "license_assigned_no_email",
    "already": "license_already", "unknown": "license_unknown_user", "bot": "license_bot",
    "removed": "license_removed", "none": "license_none_to_remove",
    # Refusals of the Microsoft 365 tenant (bot/graph/licenses.py)
    "tenant_no_units": "tenant_no_units", "tenant_no_user": "tenant_no_user",
    "tenant_no_sku": "tenant_no_sku", "tenant_refused": "tenant_refused",
    "tenant_no_email": "tenant_no_email",
}


@dataclass(frozen=True)
class UserOutcome:
    """What happened to one mentioned user."""

    user_id: str
    outcome: str  # a key of OUTCOME_KEYS
    email: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # of a tenant's refusal


def count_text(count: int, *, locale: str | None) -> str:
    return (t("license_count_one", locale) if count == 1
            else t("license_count", locale, count=f"{count:,}"))


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
        text = t("license_list_empty", locale)
        return Reply(text=text, blocks=[section(text)])
    lines = [" · ".join(part for part in (
        f"<@{item.slack_user_id}>", item.email, item.sku,
        t("license_since", locale, date=item.assigned_at.date().isoformat())) if part)
        for item in licenses[:SHOWN]]
    if len(licenses) > SHOWN:
        lines.append(t("license_more", locale, count=f"{len(licenses) - SHOWN:,}"))
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
        text = t("tenant_unreachable", locale, error=error or "")
        return Reply(text=text, blocks=[section(text)])
    lines = [t("tenant_list", locale, count=f"{len(tenant):,}")]
    ours = {email.lower() for email in ours}
    only_tenant, only_ours = sorted(tenant - ours), sorted(ours - tenant)
    if only_tenant:
        lines.append(t("tenant_only", locale, upns=_names(only_tenant)))
    if only_ours:
        lines.append(t("bot_only", locale, upns=_names(only_ours)))
    if not only_tenant and not only_ours:
        lines.append(t("tenant_same", locale))
    return Reply(text="\n".join(lines), blocks=[section("\n".join(lines))])


def _names(upns: list[str]) -> str:
    shown = ", ".join(upns[:SHOWN_DIFFERENCES])
    return shown + (f" (+{len(upns) - SHOWN_DIFFERENCES:,})" if len(upns) > SHOWN_DIFFERENCES
                    else "")


def with_tenant(reply: Reply, tenant: Reply) -> Reply:
    """The bot's answer followed by the tenant's."""
    return Reply(text=f"{reply.text}\n{tenant.text}",
                 blocks=[*(reply.blocks or []), *(tenant.blocks or [])])
