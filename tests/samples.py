"""The sample files the tests import: committed under tests/samples (see its README for origin)."""

import io
import json
import zipfile
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"
TEAMS_CSV = SAMPLES / "teams-pstn-usage.csv"
GRAPH_JSON = SAMPLES / "graph-getPstnCalls.json"
CDR_CSV = SAMPLES / "cdr.csv"
GRAPH_PSTN_EXAMPLES = (SAMPLES / "graph-getPstnCalls-v1.0.json",
                       SAMPLES / "graph-getPstnCalls-beta.json")
GRAPH_DR_EXAMPLES = (SAMPLES / "graph-getDirectRoutingCalls-v1.0.json",
                     SAMPLES / "graph-getDirectRoutingCalls-beta.json")
DIRECT_ROUTING_CSV = SAMPLES / "teams-direct-routing.csv"
TEAMS_CSV_20 = SAMPLES / "teams-pstn-usage-20-columns.csv"
DIRECT_ROUTING_ROWS = 6


def microsoft_export_zip(calling_plans: Path = TEAMS_CSV) -> bytes:
    """The export zip as the PSTN usage report page describes it: Calling Plans CSV, Direct
    Routing CSV and parameters.json side by side (names are Microsoft's patterns)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("parameters.json", json.dumps(
            {"startDate": "2026-10-01T00:00:00Z", "endDate": "2026-10-31T23:59:59Z",
             "capabilities": []}))
        archive.write(calling_plans, "PSTN.calls.2026-11-01.csv")
        archive.write(DIRECT_ROUTING_CSV, "DirectRouting.calls.2026-11-01.csv")
    return buffer.getvalue()
