"""Usage files: formats detected by content, rows parsed or rejected by line, streamed."""

from __future__ import annotations

import io
import json
import random
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.errors import InvalidNumber
from bot.numbers.phone import normalize
from bot.usage.formats.detect import detect_format
from bot.usage.formats.records import CDR, GRAPH, TEAMS, ParsedCall, RowError, UnsupportedFormat
from bot.usage.formats.usage_file import open_usage
from bot.usage.frames import calls_frame, read_frames
from tests.samples import CDR_CSV, GRAPH_JSON, TEAMS_CSV


def read(source, **kwargs):
    with open_usage(source, **kwargs) as usage:
        rows = list(usage.calls())
    return ([row for row in rows if isinstance(row, ParsedCall)],
            [row for row in rows if isinstance(row, RowError)])


def teams_zip(csv_bytes: bytes, *, name: str = "PSTN usage.csv") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, csv_bytes)
    return buffer.getvalue()


# -- detection -------------------------------------------------------------------------------

@pytest.mark.parametrize("path, fmt", [(TEAMS_CSV, TEAMS), (GRAPH_JSON, GRAPH), (CDR_CSV, CDR)])
def test_each_sample_is_detected_from_its_content_not_its_name(path, fmt, tmp_path):
    disguised = tmp_path / "upload.bin"
    disguised.write_bytes(path.read_bytes())
    with open_usage(disguised) as usage:
        assert usage.format == fmt
    assert detect_format(path.read_bytes()[:4096]) == fmt


def test_the_teams_zip_is_detected_and_read(tmp_path):
    path = tmp_path / "Export.callingplans.2026-10.zip"
    path.write_bytes(teams_zip(TEAMS_CSV.read_bytes()))
    calls, errors = read(path)
    assert errors == []
    assert len(calls) == 40
    assert sum(call.provider_total for call in calls) == Decimal("20.65")


@pytest.mark.parametrize("content, message", [
    (b"hello,world\n1,2\n", "not a usage export"),
    (b"", "not a usage export"),
    (teams_zip(b"a,b\n1,2\n"), "not a Teams PSTN usage export"),
])
def test_files_of_no_known_format_are_refused(content, message):
    with pytest.raises(UnsupportedFormat, match=message):
        open_usage(content)


def test_every_csv_member_of_a_zip_is_read_by_its_header():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.csv", TEAMS_CSV.read_bytes())
        archive.writestr("b.txt", TEAMS_CSV.read_bytes())
    calls, errors = read(buffer.getvalue())
    assert errors == [] and len(calls) == 80


# -- Teams -----------------------------------------------------------------------------------

def test_teams_rows_parse_into_calls_with_exact_money_and_utc_times():
    calls, errors = read(TEAMS_CSV)
    assert errors == [] and len(calls) == 40
    first = calls[0]
    assert first == ParsedCall(
        record_key="1738f7d9-3d9c-1724-11e2-0b8f6b0d549b", source=TEAMS, line=2,
        call_id="7661697230_163469421@10.63.114.31", user_upn="alan.turing@contoso.example",
        user_name="Alan Turing", call_type="user_out", direction="outbound",
        destination_number="+442075908301", destination_name="United Kingdom", country="GB",
        start=datetime(2026, 10, 1, 7, 1, 4, 861168, tzinfo=UTC), duration_seconds=120,
        charge=Decimal("0.06"), connection_fee=Decimal("0.00"), currency="USD",
        license="MCOPSTNPP")
    assert calls[1].destination_number == "+493019482***"  # masked by the export, kept so
    assert calls[1].provider_total == Decimal("0.03")
    assert sum(call.provider_total for call in calls) == Decimal("20.65")
    assert [call.line for call in calls] == list(range(2, 42))


def test_teams_inbound_toll_free_calls_get_their_direction():
    calls, _ = read(TEAMS_CSV)
    by_type = {(call.call_type, call.direction) for call in calls}
    assert by_type == {("user_out", "outbound"), ("user_out_conf", "outbound"),
                       ("conf_out", "outbound"), ("user_in", "tollfree_inbound")}


def teams_text() -> list[str]:
    return TEAMS_CSV.read_text().splitlines()


def replace_field(line: str, index: int, value: str) -> str:
    fields = line.split(",")
    fields[index] = value
    return ",".join(fields)


def test_bad_teams_rows_are_rejected_by_line_and_good_rows_go_on():
    lines = teams_text()
    lines[3] = replace_field(lines[3], 19, "abc")  # Charge
    lines[5] = replace_field(lines[5], 17, "-5")  # Duration Seconds
    lines[8] = replace_field(lines[8], 20, "XYZ")  # Currency
    lines[10] = replace_field(lines[10], 15, "yesterday")  # Start Time
    lines[12] = replace_field(lines[12], 0, "")  # UsageId
    lines[14] = replace_field(lines[14], 13, "+99912")  # Destination Number: flagged, kept
    calls, errors = read("\n".join(lines).encode())
    assert [(error.line, error.unit) for error in errors] == [
        (4, "line"), (6, "line"), (9, "line"), (11, "line"), (13, "line")]
    messages = [error.message for error in errors]
    assert "Charge 'abc' is not an amount of money" in messages[0]
    assert "negative Duration Seconds -5" in messages[1]
    assert "unknown currency 'XYZ'" in messages[2]
    assert "Start Time 'yesterday' is not a date and time" in messages[3]
    assert "missing UsageId" in messages[4]
    assert str(errors[0]).startswith("line 4: ")
    assert len(calls) == 35
    flagged = [call for call in calls if call.flag]
    assert [(call.line, call.destination_number) for call in flagged] == [(15, None)]
    assert "'+99912' cannot be read" in str(flagged[0].flag)


def test_a_row_with_several_problems_names_them_all():
    lines = teams_text()
    lines[1] = replace_field(replace_field(lines[1], 19, "1.2.3"), 20, "EURO")
    _, errors = read("\n".join(lines).encode())
    assert errors == [RowError(2, "Charge '1.2.3' is not an amount of money; unknown currency "
                                  "'EURO'")]


def test_teams_line_numbers_count_physical_lines_with_quoted_newlines():
    lines = teams_text()
    fields = lines[1].split(",")
    fields[6] = '"Turing,\nAlan"'  # a display name across two lines
    lines[1] = ",".join(fields)
    lines[2] = replace_field(lines[2], 17, "x")
    calls, errors = read("\n".join(lines).encode())
    assert calls[0].user_name == "Turing,\nAlan"
    assert errors == [RowError(4, "Duration Seconds 'x' is not a whole number of seconds")]


# -- Graph -----------------------------------------------------------------------------------

def test_graph_rows_have_the_teams_keys_and_exact_decimal_charges():
    teams, _ = read(TEAMS_CSV)
    graph, errors = read(GRAPH_JSON)
    assert errors == []
    assert {call.record_key for call in graph} == {call.record_key for call in teams}
    document = json.loads(GRAPH_JSON.read_text(), parse_float=Decimal)
    expected = sum(Decimal(row["charge"]) + Decimal(row["connectionCharge"])
                   for row in document["value"])
    assert sum(call.provider_total for call in graph) == expected
    assert all(isinstance(call.charge, Decimal) for call in graph)
    inbound = next(call for call in graph if call.call_type == "user_in")
    assert inbound.direction == "tollfree_inbound"
    assert graph[0].start == datetime(2026, 10, 1, 7, 1, 4, 861168, tzinfo=UTC)
    assert graph[0].country == "GB"


def test_graph_pages_in_a_list_are_read_in_order_and_bad_records_named_by_position():
    document = json.loads(GRAPH_JSON.read_text())
    first, second = dict(document), dict(document)
    first["value"] = document["value"][:3]
    first["@odata.nextLink"] = "https://graph.microsoft.com/next"
    second["value"] = [dict(row) for row in document["value"][3:6]]
    second["value"][1]["charge"] = "lots"
    second["value"][2]["duration"] = -1
    calls, errors = read(json.dumps([first, second]).encode())
    assert [call.line for call in calls] == [1, 2, 3, 4]
    assert errors == [RowError(5, "charge 'lots' is not an amount of money", "record"),
                      RowError(6, "negative duration -1", "record")]
    assert str(errors[0]) == "record 5: charge 'lots' is not an amount of money"


def test_graph_values_are_checked_as_json_gives_them():
    document = json.loads(GRAPH_JSON.read_text())
    rows = [dict(row) for row in document["value"][:5]]
    rows[0]["duration"] = 120.0
    rows[1]["duration"] = True
    rows[2]["charge"] = None
    rows[3]["charge"] = 0.1234567
    rows[4]["callType"] = "teleport"
    calls, errors = read(json.dumps({"value": rows}).encode())
    assert [call.duration_seconds for call in calls] == [120]
    assert [(error.line, error.message) for error in errors] == [
        (2, "duration 'true' is not a whole number of seconds"),
        (3, "missing charge"),
        (4, "charge 0.1234567 is not an amount of money"),
        (5, "unknown callType 'teleport'")]


def test_graph_json_that_is_no_page_is_refused():
    with pytest.raises(UnsupportedFormat, match="getPstnCalls or getDirectRoutingCalls page"):
        read(b'{"items": []}')


# -- CDR -------------------------------------------------------------------------------------

CDR_HEADER = "call_id,user,start,duration_seconds,destination_number,direction\n"


def test_cdr_rows_carry_no_price():
    calls, errors = read(CDR_CSV)
    assert errors == [] and len(calls) == 32
    assert calls[0].record_key == "cdr-7-0" and calls[0].charge is None
    assert calls[0].currency is None and calls[0].destination_number == "+442075908301"
    assert calls[0].start == datetime(2026, 10, 1, 7, 1, 4, tzinfo=UTC)


MIXED_CDR = CDR_HEADER + "\n".join([
    "a1,ann@x.example,2026-10-01T07:01:04Z,60,+442075908301,outbound",
    "a2,ann@x.example,2026-10-01T07:01:04.250+02:00,61,0049 30 1234567,OUTBOUND",
    "a3,,2026-10-01 07:01:04,0,+1 (212) 555-0100,out",
    "a4,bob@x.example,2026-10-01T07:01:04Z,-3,+442075908301,outbound",
    "a5,bob@x.example,not-a-time,10,+442075908301,outbound",
    "a6,bob@x.example,2026-10-01T07:01:04Z,10,+44207,outbound",
    "a7,bob@x.example,2026-10-01T07:01:04Z,10,+442075908301,sideways",
    ",bob@x.example,2026-10-01T07:01:04Z,10,+442075908301,outbound",
    "a9,bob@x.example,2026-10-01T07:01:04Z,1.5,+442075908301,tollfree_inbound",
    "a10,bob@x.example,2026-10-02T00:00:00Z,7200,+18005550100,tollfree_inbound",
]) + "\n"


def test_bad_cdr_rows_are_rejected_by_line_with_reasons():
    calls, errors = read(MIXED_CDR.encode())
    assert [call.record_key for call in calls] == ["a1", "a2", "a3", "a10"]
    assert calls[1].destination_number == "+49301234567"
    assert calls[1].start == datetime(2026, 10, 1, 5, 1, 4, 250000, tzinfo=UTC)
    assert calls[2].start == datetime(2026, 10, 1, 7, 1, 4, tzinfo=UTC)  # no zone: UTC
    assert calls[2].user_upn is None and calls[2].direction == "outbound"
    assert calls[3].direction == "tollfree_inbound"
    assert [error.line for error in errors] == [5, 6, 7, 8, 9, 10]
    assert errors[0].message == "negative duration_seconds -3"
    assert errors[1].message == "start 'not-a-time' is not a date and time"
    assert errors[2].message.startswith("destination number: `+44207` is not a possible number")
    assert errors[3].message.startswith("unknown direction 'sideways'")
    assert errors[4].message == "missing call_id"
    assert errors[5].message == "duration_seconds '1.5' is not a whole number of seconds"


def test_a_file_with_only_a_header_has_no_rows():
    assert read(CDR_HEADER.encode()) == ([], [])


# -- batches: the vectorised CDR reader gives what the row parser gives -------------------------

def frame_rows(source, batch_size):
    with open_usage(source) as usage:
        frames = list(read_frames(usage, batch_size))
    calls = [row for frame in frames for row in frame.calls.to_dicts()]
    errors = [error for frame in frames for error in frame.errors]
    return calls, errors, sum(frame.rows for frame in frames)


def row_parser_rows(source):
    calls, errors = read(source)
    return calls_frame(calls).to_dicts(), errors


@pytest.mark.parametrize("batch_size", [1, 3, 100])
def test_batches_of_a_cdr_match_the_row_parser(batch_size):
    data = MIXED_CDR.encode()
    calls, errors, rows = frame_rows(data, batch_size)
    expected_calls, expected_errors = row_parser_rows(data)
    assert calls == expected_calls
    assert errors == expected_errors
    assert rows == 10


def test_batches_with_quotes_and_blank_lines_keep_physical_line_numbers():
    text = CDR_HEADER + (
        '"q1","ann@x.example","2026-10-01T07:01:04Z","60","+442075908301","outbound"\n'
        "\n"
        "q2,ann@x.example,2026-10-01T07:01:04Z,x,+442075908301,outbound\n"
        "q3,ann@x.example,2026-10-01T07:01:04Z,5,+442075908301\n"
        "q4,ann@x.example,2026-10-01T07:01:04Z,5,+442075908301,outbound\r\n")
    calls, errors, _ = frame_rows(text.encode(), 2)
    assert [call["record_key"] for call in calls] == ["q1", "q4"]
    assert [call["line"] for call in calls] == [2, 6]
    assert [(error.line, error.message) for error in errors] == [
        (4, "duration_seconds 'x' is not a whole number of seconds"),
        (5, "expected 6 fields, found 5")]


def test_batches_of_the_samples_match_the_row_parser():
    for path in (TEAMS_CSV, GRAPH_JSON, CDR_CSV):
        calls, errors, rows = frame_rows(path, 7)
        expected_calls, expected_errors = row_parser_rows(path)
        assert (calls, errors) == (expected_calls, expected_errors)
        assert rows == len(expected_calls) + len(expected_errors)


def random_numbers(count: int, seed: int) -> list[str]:
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    rng = random.Random(seed)
    codes = sorted(COUNTRY_CODE_TO_REGION_CODE)
    numbers = []
    for _ in range(count):
        code = rng.choice(codes)
        length = rng.randint(2, 13)
        numbers.append(f"+{code}" + "".join(rng.choice("0123456789") for _ in range(length)))
    return numbers


def test_the_vectorised_number_check_agrees_with_bot_phone_for_random_numbers():
    numbers = random_numbers(4000, seed=5)
    lines = [f"n{i},u@x.example,2026-10-01T00:00:00Z,1,{number},outbound"
             for i, number in enumerate(numbers)]
    calls, errors, _ = frame_rows((CDR_HEADER + "\n".join(lines) + "\n").encode(), 500)
    by_line = {call["line"]: call["destination_number"] for call in calls}
    rejected = {error.line for error in errors}
    fast_taken = 0
    for index, number in enumerate(numbers):
        line = index + 2
        try:
            expected: str | None = normalize(number).e164
        except InvalidNumber:
            expected = None
        assert by_line.get(line) == expected, number
        assert (line in rejected) == (expected is None)
        fast_taken += expected is not None
    assert fast_taken > 500  # the check was exercised on both outcomes


def test_reading_streams_without_loading_the_whole_file(tmp_path):
    path = tmp_path / "big.csv"
    row = "c{},ann@x.example,2026-10-01T07:01:04Z,60,+442075908301,outbound\n"
    with path.open("w") as out:
        out.write(CDR_HEADER)
        for i in range(200_000):
            out.write(row.format(i))
    size = path.stat().st_size
    with open_usage(path) as usage:
        first = next(iter(usage.calls()))
        assert first.record_key == "c0"
        assert usage.binary().tell() < size // 10
    with open_usage(path) as usage:
        batches = read_frames(usage, 1000)
        assert next(batches).calls.height == 1000
        assert usage.binary().tell() < size // 10


def test_count_rows_counts_the_rows_without_consuming_them():
    with open_usage(CDR_CSV) as usage:
        assert usage.count_rows() == 32
        assert len(list(usage.calls())) == 32
    with open_usage(GRAPH_JSON) as usage:
        assert usage.count_rows() == 40
