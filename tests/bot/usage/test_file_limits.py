"""What a usage file may cost (issue 9): exact sums in range, a per-call cap, zip bombs,
JSON size and depth, long fields, and text that is not UTF-8 or UTF-16 with a BOM."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest

from bot.accounts import Accounts
from bot.errors import CreditsError
from bot.ledger import Ledger
from bot.money import Money
from bot.rates.deck import RateDeck
from bot.usage import limits
from bot.usage.importer import import_usage
from bot.usage.reports import UsageReports
from storage.db import read_session
from tests import reads
from tests.factories import make_account
from tests.money import usd
from tests.samples import CDR_CSV, GRAPH_JSON, TEAMS_CSV

SAMPLE_TOTAL = usd("20.65")


@pytest.fixture
def account(engine, clock):
    return make_account(engine, clock)


def run(engine, clock, source, **kwargs):
    kwargs.setdefault("deck", RateDeck([]))
    return import_usage(engine, clock, source=source, team_id="T1", licensed_emails=(),
                        ledger=Ledger(engine, clock), **kwargs)


def teams_rows() -> list[str]:
    return TEAMS_CSV.read_text().splitlines()


def with_charge(line: str, charge: str) -> str:
    fields = line.split(",")
    fields[teams_rows()[0].split(",").index("Charge")] = charge
    return ",".join(fields)


def stored_count(engine, account) -> int:
    with read_session(engine) as session:
        return reads.count_calls(session=session, account_id=account.id)


# -- money in range -----------------------------------------------------------------------------

def test_nineteen_calls_of_a_trillion_are_rejected_by_line_and_the_balance_still_answers(
        engine, clock, account):
    lines = teams_rows()
    text = "\n".join([lines[0], *(with_charge(line, "999999999999.99") for line in lines[1:20]),
                      *lines[20:]])
    summary = run(engine, clock, text.encode())
    assert [error.line for error in summary.rejected] == list(range(2, 21))
    assert all("implausible" in error.message for error in summary.rejected)
    assert summary.new_calls == 21
    accounts = Accounts(engine, clock)
    account_now = accounts.get("T1")
    with read_session(engine) as session:
        charged = reads.sum_charges(session=session, account_id=account.id)
    assert account_now.balance == -Money.from_micros(charged, "USD")
    reports = UsageReports(engine, clock)
    usage = reports.summary(account_now, reports.period(account_now, "2026-10"))
    assert usage.calls == 21 and usage.spend == Money.from_micros(charged, "USD")


def test_the_per_call_cap_is_ten_thousand(engine, clock, account):
    lines = teams_rows()
    fields = lines[0].split(",")
    fee = fields.index("Connection Fee")

    def row(line: str, charge: str) -> str:
        parts = with_charge(line, charge).split(",")
        parts[fee] = "0.00"
        return ",".join(parts)

    text = "\n".join([lines[0], row(lines[1], "10000.00"), row(lines[2], "10000.01")])
    summary = run(engine, clock, text.encode())
    assert summary.new_calls == 1 and summary.charged == usd("10000.00")
    assert [error.line for error in summary.rejected] == [3]


# -- zip ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """~200 KB of zip that expands to 200 MB of CSV (a Teams header, then one repeated row)."""
    header = teams_rows()[0].encode() + b"\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("PSTN.calls.csv", "w", force_zip64=True) as member:
        member.write(header)
        block = b"0" * (1 << 20)
        for _ in range(200):
            member.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_within_seconds(engine, clock, account, zip_bomb):
    assert len(zip_bomb) < 400_000
    started = time.monotonic()
    with pytest.raises(CreditsError, match="expands to more than"):
        run(engine, clock, zip_bomb)
    assert time.monotonic() - started < 3
    assert stored_count(engine, account) == 0


def test_a_zip_whose_header_lies_stops_at_the_limit(monkeypatch, zip_bomb):
    # The member's own header says 200 MB; pretend it claimed little, so the stream guard acts.
    monkeypatch.setattr(limits, "member_limit", lambda info: 1 << 20)
    archive = zipfile.ZipFile(io.BytesIO(zip_bomb))
    member = limits.GuardedMember(archive, archive.infolist()[0])
    with pytest.raises(CreditsError, match="expands to more than"):
        while member.read(1 << 16):
            pass


def test_a_corrupt_zip_gets_a_sentence(engine, clock, account):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(TEAMS_CSV, "PSTN.calls.csv")
    data = bytearray(buffer.getvalue())
    data[200:400] = b"\xff" * 200  # inside the compressed member
    with pytest.raises(CreditsError, match="zip cannot be read"):
        run(engine, clock, bytes(data))
    with pytest.raises(CreditsError, match="zip cannot be read"):
        run(engine, clock, bytes(data[: len(data) // 2]))  # cut short: no central directory
    assert stored_count(engine, account) == 0


# -- JSON ---------------------------------------------------------------------------------------

def test_deeply_nested_json_gets_a_sentence(engine, clock, account):
    with pytest.raises(CreditsError, match="nested too deeply"):
        run(engine, clock, b"[" * 200_000 + b"]" * 200_000)


def test_json_over_the_cap_is_refused_without_reading_it_all(engine, clock, account,
                                                              tmp_path):
    path = tmp_path / "getPstnCalls.json"
    page = GRAPH_JSON.read_bytes()
    with path.open("wb") as out:
        out.write(b"[")
        while out.tell() < limits.MAX_JSON_BYTES + (4 << 20):
            out.write(page + b",")
        out.write(page + b"]")
    tracemalloc.start()
    try:
        with pytest.raises(CreditsError, match="larger than 16 MB"):
            run(engine, clock, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * limits.MAX_JSON_BYTES


# -- long fields --------------------------------------------------------------------------------

def test_a_one_megabyte_field_gets_a_sentence(engine, clock, account):
    lines = teams_rows()
    fields = lines[1].split(",")
    fields[6] = "x" * (1 << 20)  # User Display Name
    text = "\n".join([lines[0], ",".join(fields), *lines[2:]])
    with pytest.raises(CreditsError, match="line 2 is longer than 128 KB"):
        run(engine, clock, text.encode())
    assert stored_count(engine, account) == 0


def test_a_quoted_field_over_the_csv_limit_gets_a_sentence(engine, clock, account):
    lines = teams_rows()
    fields = lines[1].split(",")
    fields[6] = '"' + "\n".join(["y" * 1000] * 200) + '"'  # 200 KB over short lines
    text = "\n".join([lines[0], ",".join(fields), *lines[2:]])
    with pytest.raises(CreditsError, match="field larger than field limit"):
        run(engine, clock, text.encode())
    assert stored_count(engine, account) == 0


# -- encodings ----------------------------------------------------------------------------------

def test_a_latin1_teams_csv_is_refused_with_its_line(engine, clock, account):
    lines = teams_rows()
    lines[5] = lines[5].replace(lines[5].split(",")[6], "Jürgen Groß")  # User Display Name
    assert "Jürgen" in lines[5]
    with pytest.raises(CreditsError, match="line 6 is not UTF-8 text"):
        run(engine, clock, "\n".join(lines).encode("latin-1"))
    assert stored_count(engine, account) == 0


def test_a_latin1_cdr_is_refused_with_its_line(engine, clock, account):
    lines = CDR_CSV.read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[1], "jürgen@contoso.example")
    with pytest.raises(CreditsError, match="line 4 is not UTF-8 text"):
        run(engine, clock, "\n".join(lines).encode("latin-1"))
    assert stored_count(engine, account) == 0


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_utf8_with_a_bom_and_utf16_with_a_bom_are_read(engine, clock, account, encoding):
    text = TEAMS_CSV.read_text().replace("Alan Turing", "Jürgen Groß")
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    summary = run(engine, clock, data)
    assert summary.charged == SAMPLE_TOTAL and summary.rejected_count == 0
    with read_session(engine) as session:
        names = {call.user_name for call in reads.list_calls(session=session,
                                                                account_id=account.id)}
    assert "Jürgen Groß" in names


def test_utf16_without_a_bom_is_refused(engine, clock, account):
    with pytest.raises(CreditsError):
        run(engine, clock, TEAMS_CSV.read_text().encode("utf-16-le"))
    assert stored_count(engine, account) == 0




def test_fields_longer_than_their_columns_are_rejected_or_cut(engine, clock, account):
    lines = teams_rows()
    first, second = lines[1].split(","), lines[2].split(",")
    first[5] = "u" * 300 + "@contoso.example"  # UPN: a record is found by it
    second[6] = "N" * 5000  # User Display Name: cut to fit
    text = "\n".join([lines[0], ",".join(first), ",".join(second)])
    summary = run(engine, clock, text.encode())
    assert [(error.line, error.message) for error in summary.rejected] == [
        (2, "user_upn is longer than 254 characters")]
    with read_session(engine) as session:
        [record] = reads.list_calls(session=session, account_id=account.id)
    assert record.user_name == "N" * 200
