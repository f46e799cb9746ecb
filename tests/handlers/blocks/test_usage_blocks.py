"""The usage builders: long import summaries stay within Block Kit's limits."""

from __future__ import annotations

from bot.usage.formats.records import RowError
from bot.usage.importer import ImportSummary
from handlers.blocks.file_import import MAX_LISTED, import_reply, progress_text
from tests.money import usd


def summary(**changes) -> ImportSummary:
    values = dict(name="usage.csv", format="teams", rows=100, new_calls=60,
                  duplicates=10, charged=usd("15.8693"), rejected_count=0, rejected=(),
                  unlicensed_calls=0, unlicensed_users=(), difference_count=0, differences=(),
                  difference_total=usd(0), entries=(1,))
    values.update(changes)
    return ImportSummary(**values)


def test_sub_cent_charges_show_the_exact_amount():
    reply = import_reply(summary(), locale=None)
    assert "Charged: $15.87 ($15.8693)" in reply.text
    assert [b["type"] for b in reply.blocks] == ["header", "section"]


def test_long_lists_are_cut_and_counted():
    errors = tuple(RowError(line, "negative duration " + "x" * 200) for line in range(2, 32))
    users = tuple((f"user{i}@contoso.example", 1) for i in range(25))
    reply = import_reply(summary(rejected_count=30, rejected=errors, unlicensed_calls=25,
                                 unlicensed_users=users, difference_count=3,
                                 difference_total=usd("-0.02")), locale="de-DE")
    assert reply.text.count("• Zeile ") == MAX_LISTED  # the reader's language
    assert "…und 10 weitere." in reply.text and "…und 5 weitere." in reply.text
    assert "Belastungen, die vom Tarifverzeichnis abweichen: 3 (Differenz insgesamt" in reply.text
    assert all(len(block["text"]["text"]) <= 3000 for block in reply.blocks
               if block["type"] == "section" and "text" in block)


def test_progress_with_and_without_a_total():
    assert progress_text("a.csv", 50_000, 1_000_000, locale=None) == (
        ":hourglass_flowing_sand: Importing *a.csv*: 50,000 of 1,000,000 rows…")
    assert progress_text("a.csv", 50_000, None, locale="de") == (
        ":hourglass_flowing_sand: *a.csv* wird importiert: 50.000 Zeilen…")
