"""The sample files the tests import: committed under tests/samples (see its README for origin)."""

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"
TEAMS_CSV = SAMPLES / "teams-pstn-usage.csv"
GRAPH_JSON = SAMPLES / "graph-getPstnCalls.json"
CDR_CSV = SAMPLES / "cdr.csv"
