"""Blocks of a usage import sent as a file in a DM: progress, and the summary (rows, charged,
duplicates, Direct Routing calls, calls from another source, rejected and flagged rows by line
number, calls by unlicensed users, a Graph page of more)."""

from __future__ import annotations

from bot.usage.importer import ImportSummary
from handlers.blocks.common import context, fields, header, section
from handlers.reply import Reply
from handlers.usage_text import calls, money_exact, number, say

MAX_LISTED = 20  # rejected rows and unlicensed users shown in Slack; the CLI lists more


def progress_text(name: str, done: int, total: int | None, *, locale: str | None) -> str:
    """`Importing usage.csv: 50,000 of 1,000,000 rows…`"""
    if total:
        return say("import_progress", locale, name=name, done=number(done, locale),
                   total=number(total, locale))
    return say("import_progress_open", locale, name=name, done=number(done, locale))


def import_reply(summary: ImportSummary, *, locale: str | None) -> Reply:
    """What an import did, in the words and numbers of the CLI's summary."""
    title = say("import_title", locale, name=summary.name, format=summary.format)
    pairs = [(say("import_rows", locale), number(summary.rows, locale)),
             (say("import_new", locale), number(summary.new_calls, locale)),
             (say("import_charged", locale),
              money_exact(summary.charged, summary.currency, locale)),
             (say("import_duplicates", locale), number(summary.duplicates, locale)),
             (say("import_rejected", locale), number(summary.rejected_count, locale)),
             (say("import_unlicensed", locale), number(summary.unlicensed_calls, locale))]
    if summary.direct_routing:
        pairs.append((say("import_direct_routing", locale),
                      number(summary.direct_routing, locale)))
    if summary.other_source:
        pairs.append((say("import_other_source", locale), number(summary.other_source, locale)))
    blocks = [header(title), fields(pairs)]
    text = [title, *(f"{label}: {value}" for label, value in pairs)]
    for key, shown in (("import_more_pages", summary.more_pages),
                       ("import_other_source_note", summary.other_source)):
        if shown:
            note = say(key, locale, count=number(summary.other_source, locale))
            blocks.append(section(note))
            text.append(note)
    if summary.rejected:
        lines = [f"• {error}" for error in summary.rejected[:MAX_LISTED]]
        lines += _more(summary.rejected_count, locale)
        part = "\n".join([say("import_rejected_list", locale), *lines])
        blocks.append(section(part[:2900]))
        text.append(part)
    if summary.flagged:
        lines = [f"• {row}" for row in summary.flagged[:MAX_LISTED]]
        lines += _more(summary.flagged_count, locale)
        part = "\n".join([say("import_flagged_list", locale), *lines])
        blocks.append(section(part[:2900]))
        text.append(part)
    if summary.unlicensed_users:
        lines = [f"• {upn or say('import_no_user', locale)}: {calls(count, locale)}"
                 for upn, count in summary.unlicensed_users[:MAX_LISTED]]
        lines += _more(len(summary.unlicensed_users), locale)
        part = "\n".join([say("import_unlicensed_list", locale), *lines])
        blocks.append(section(part[:2900]))
        text.append(part)
    if summary.difference_count:
        note = say("import_differences", locale, count=number(summary.difference_count, locale),
                   total=money_exact(summary.difference_total, summary.currency, locale))
        blocks.append(context(note))
        text.append(note)
    return Reply(text="\n".join(text), blocks=blocks)


def _more(count: int, locale: str | None) -> list[str]:
    return [say("usage_more", locale, count=count - MAX_LISTED)] if count > MAX_LISTED else []
