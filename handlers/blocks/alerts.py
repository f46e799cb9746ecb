"""Blocks of the alert settings: thresholds (highest first) and the alert channel."""

from __future__ import annotations

from collections.abc import Sequence

from bot.alerts.settings import Threshold, UndeliveredAlert
from bot.money import Money
from handlers.blocks.common import context, section
from handlers.i18n import N_, format_moment, language_name, reason_text, t, tn
from handlers.reply import Reply
from storage.outbox import DM_PREFIX


def levels_text(thresholds: Sequence[Threshold], *, locale: str | None,
                states: bool = True) -> str:
    """`$500.00 (armed), $100.00 (…)`; without states just the amounts."""
    parts = []
    for level in thresholds:
        amount = level.amount.format(locale)
        state = t("armed" if level.armed else N_("waits for the balance to rise above it"), locale)
        parts.append(f"{amount} ({state})" if states else amount)
    return ", ".join(parts) if parts else t("none", locale)


def settings_lines(thresholds: Sequence[Threshold], channel: str | None, *,
                   locale: str | None, language: str | None = None) -> list[str]:
    if thresholds:
        first = t("Low-balance alerts at: {levels}.", locale,
                  levels=levels_text(thresholds, locale=locale))
    else:
        first = t("No low-balance thresholds yet. Admins: `/credits alerts add <amount>`.", locale)
    where = (t("Alerts go to <#{channel}>.", locale, channel=channel) if channel
             else t("No alert channel is set: alerts go as DMs to the admins (CREDITS_ADMINS "
                    "and the workspace's owners and admins). Admins: `/credits alerts channel "
                    "#channel`.", locale))
    if language is None:
        return [first, where]
    written = t("Alerts are written in {language} ({tag}). Admins: `/credits alerts language "
                "en-US` or `de-DE`.", locale, language=language_name(language, locale),
                tag=language)
    return [first, where, written]


def alerts_reply(thresholds: Sequence[Threshold], channel: str | None, *,
                 locale: str | None,
                 undelivered: tuple[int, Sequence[UndeliveredAlert]] = (0, ()),
                 language: str | None = None) -> Reply:
    """`/credits alerts`: the thresholds, where alerts go, their language, and the alerts not
    delivered."""
    lines = settings_lines(thresholds, channel, locale=locale, language=language)
    lines.append(undelivered_text(*undelivered, locale=locale))
    return Reply(text="\n".join(lines), blocks=[section(line) for line in lines])


def undelivered_text(total: int, alerts: Sequence[UndeliveredAlert], *,
                     locale: str | None) -> str:
    """The alerts nobody received yet, newest first, with what the relay does next."""
    if not total:
        return t("Every alert has been delivered.", locale)
    lines = [tn("*{count}* alert not delivered yet:", "*{count}* alerts not delivered yet:",
                total, locale)]
    for alert in alerts:
        # Slack's error codes stay as they are; the relay's own sentence is in the catalog.
        error = t(", last error: {error}", locale,
                  error=reason_text(alert.last_error, locale)) if alert.last_error else ""
        target = (t("the admins", locale) if alert.target is None
                  else f"<@{alert.target.removeprefix(DM_PREFIX)}>"
                  if alert.target.startswith(DM_PREFIX)
                  else f"<#{alert.target}>")
        values = {"time": format_moment(alert.created_at, locale), "headline": alert.headline,
                  "target": target, "error": error}
        if alert.given_up:
            lines.append("• " + tn("{time} UTC, {headline} (to {target}; given up after "
                                   "{count} try{error})",
                                   "{time} UTC, {headline} (to {target}; given up after "
                                   "{count} tries{error})", alert.attempts, locale, **values))
        else:
            lines.append("• " + tn("{time} UTC, {headline} (to {target}; {count} try, next "
                                   "after {next} UTC{error})",
                                   "{time} UTC, {headline} (to {target}; {count} tries, next "
                                   "after {next} UTC{error})", alert.attempts, locale,
                                   next=format_moment(alert.next_attempt_at, locale), **values))
    if total > len(alerts):
        lines.append(t("… and {count} older.", locale, count=total - len(alerts)))
    return "\n".join(lines)


def threshold_added_reply(added: Threshold, *, balance: Money,
                          thresholds: Sequence[Threshold], channel: str | None,
                          locale: str | None) -> Reply:
    if added.armed:
        key = N_(":white_check_mark: Added a low-balance alert at *{amount}*: it fires when the "
                 "balance ({balance}) falls below it.")
    else:
        key = N_(":white_check_mark: Added a low-balance alert at *{amount}*. The balance "
                 "({balance}) is not above it now, so it fires after the balance has risen "
                 "above it and falls again.")
    head = t(key, locale, amount=added.amount.format(locale), balance=balance.format(locale))
    return _changed(head, thresholds, channel, locale=locale)


def threshold_removed_reply(amount: Money, *, thresholds: Sequence[Threshold],
                            channel: str | None, locale: str | None) -> Reply:
    head = t(":white_check_mark: Removed the low-balance alert at *{amount}*.",
             locale, amount=amount.format(locale))
    return _changed(head, thresholds, channel, locale=locale)


def channel_set_reply(channel: str, *, locale: str | None) -> Reply:
    text = t(":white_check_mark: Alerts now go to <#{channel}>: I am a member there and can "
             "post.", locale, channel=channel)
    return Reply(text=text, blocks=[section(text)])


def language_set_reply(language: str, *, locale: str | None) -> Reply:
    text = t(":white_check_mark: Alerts are now written in {language} ({tag}), with its dates "
             "and amounts. Alerts queued already keep their language.", locale,
             language=language_name(language, locale), tag=language)
    return Reply(text=text, blocks=[section(text)])


def _changed(head: str, thresholds: Sequence[Threshold], channel: str | None, *,
             locale: str | None) -> Reply:
    lines = settings_lines(thresholds, channel, locale=locale)
    return Reply(text="\n".join([head, *lines]),
                 blocks=[section(head), context("\n".join(lines))])
