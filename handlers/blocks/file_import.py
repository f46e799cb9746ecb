"""Blocks of a usage import sent as a file in a DM: progress, and the summary (rows, charged,
duplicates, Direct Routing calls, calls from another source, rejected and flagged rows by line
number, calls by unlicensed users, a Graph page of more)."""

from __future__ import annotations

from bot.usage.importer import ImportSummary
from handlers.blocks.common import context, fields, header, section
from handlers.i18n import N_, t
from handlers.reply import Reply
from handlers.usage_text import calls, money_exact, number

MAX_LISTED = 20  # rejected rows and unlicensed users shown in Slack; the CLI lists more


def progress_text(name: str, done: int, total: int | None, *, locale: str | None) -> str:
    """`Importing usage.csv: 50,000 of 1,000,000 rows…`"""
    if total:
        return t(":hourglass_flowing_sand: Importing *{name}*: {done} of {total} rows…",
                 locale, name=name, done=number(done, locale),
                 total=number(total, locale))
    return t(":hourglass_flowing_sand: Importing *{name}*: {done} rows…",
             locale, name=name, done=number(done, locale))


def import_reply(summary: ImportSummary, *, locale: str | None) -> Reply:
    """What an import did, in the words and numbers of the CLI's summary."""
    title = t("Imported {name} ({format})", locale, name=summary.name, format=summary.format)
    pairs = [(t("Rows read", locale), number(summary.rows, locale)),
             (t("New calls charged", locale), number(summary.new_calls, locale)),
             (t("Charged", locale),
              money_exact(summary.charged, locale)),
             (t("Skipped as duplicates", locale), number(summary.duplicates, locale)),
             (t("Rejected", locale), number(summary.rejected_count, locale)),
             (t("Calls by unlicensed users", locale), number(summary.unlicensed_calls, locale))]
    if summary.direct_routing:
        pairs.append((t("Direct Routing calls (not charged)", locale),
                      number(summary.direct_routing, locale)))
    if summary.other_source:
        pairs.append((t("Skipped: already imported from another source",
                        locale), number(summary.other_source, locale)))
    blocks = [header(title), fields(pairs)]
    text = [title, *(f"{label}: {value}" for label, value in pairs)]
    for key, shown in ((N_(":warning: This file is one page of more: it ends with "
                           "`@odata.nextLink`, so Microsoft Graph has more calls for this "
                           "period. Fetch the next pages (or connect Microsoft 365, which "
                           "follows the links) and send them too."), summary.more_pages),
                       (N_(":warning: {count} calls match calls already imported from another "
                           "source (same call id and start time), so they were not charged a "
                           "second time."), summary.other_source)):
        if shown:
            note = t(key, locale, count=number(summary.other_source, locale))
            blocks.append(section(note))
            text.append(note)
    if summary.rejected:
        lines = [f"• {error.text(locale)}" for error in summary.rejected[:MAX_LISTED]]
        lines += _more(summary.rejected_count, locale)
        part = "\n".join([t(":warning: *Rejected rows* (fix them and send the file again: only "
                            "what was not charged is charged):", locale), *lines])
        blocks.append(section(part[:2900]))
        text.append(part)
    if summary.flagged:
        lines = [f"• {row.text(locale)}" for row in summary.flagged[:MAX_LISTED]]
        lines += _more(summary.flagged_count, locale)
        part = "\n".join([t(":information_source: *Kept with a note* (Microsoft's charge is "
                            "booked as it stands):", locale), *lines])
        blocks.append(section(part[:2900]))
        text.append(part)
    if summary.unlicensed_users:
        no_user = t("(no user)", locale)
        lines = [f"• {upn or no_user}: {calls(count, locale)}"
                 for upn, count in summary.unlicensed_users[:MAX_LISTED]]
        lines += _more(len(summary.unlicensed_users), locale)
        part = "\n".join([t("*Calls by users without a Communications Credits license:*",
                            locale), *lines])
        blocks.append(section(part[:2900]))
        text.append(part)
    if summary.difference_count:
        note = t("Charges that differ from the rate deck: {count} (total difference {total}). "
                 "Their list follows as a CSV file.",
                 locale, count=number(summary.difference_count, locale),
                 total=money_exact(summary.difference_total, locale))
        blocks.append(context(note))
        text.append(note)
    return Reply(text="\n".join(text), blocks=blocks)


def _more(count: int, locale: str | None) -> list[str]:
    return [t("…and {count} more.", locale, count=count - MAX_LISTED)] if count > MAX_LISTED else []


def differences_comment(summary: ImportSummary, *, locale: str | None) -> str:
    """What the reconciliation file holds: how many calls, and its columns."""
    head = t("Charges in *{name}* that differ from the rate deck: {count}, one row a call. "
             "Microsoft's charge is what was booked; the deck's price is what the bot expected.",
             locale, name=summary.name, count=number(summary.difference_count, locale))
    columns = t("Columns: Line (in the file), Destination, Start (UTC), Seconds, Charged, Deck "
                "price, Difference (charged minus deck price).", locale)
    lines = [head, columns]
    if summary.difference_count > len(summary.differences):
        lines.append(t("The file lists the first {listed}.", locale,
                       listed=number(len(summary.differences), locale)))
    return "\n".join(lines)


def differences_upload_failed(reason: str, *, locale: str | None) -> str:
    return t(":warning: I could not send the list of charges that differ from the rate deck: "
             "{reason}", locale, reason=reason)
