"""Money above storage/, read from the source with `ast` (issue 12): amounts travel as
`bot.money.Money`, never as an amount and a currency side by side, and integer micro-units (the
database's representation) appear only where rows are read and written.

The modules allowed to touch micro-units are named below, each with its reason. handlers/ is
never among them: a handler sees Money only.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Modules of bot/ that read or write table rows holding micro-units (or the vectorised columns
# of the importer and rater: thousands of calls as integer polars columns, the documented speed
# exception), and turn them into Money at that boundary.
MICRO_UNITS = {
    "bot/money.py": "the type itself: Money.from_micros and Money.micros are the crossing",
    "bot/ledger.py": "posts entries and lots (rows in micro-units)",
    "bot/accounts.py": "reads and writes the account row",
    "bot/deposits.py": "deposit attempts are rows",
    "bot/payments.py": "the simulated processor's book is a table",
    "bot/recharge.py": "recharge attempts are rows, compared under the account lock",
    "bot/alerts/monitor.py": "reads thresholds and lots inside the change's transaction",
    "bot/alerts/settings.py": "threshold rows",
    "bot/alerts/texts.py": "alert keys name an amount by its micro-units (stable keys)",
    "bot/forecast.py": "reads lots and the spend rollup",
    "bot/summary.py": "reads the summary's rows in one transaction",
    "bot/history.py": "ledger entry rows",
    "bot/graph/sync.py": "the sync state row",
    "bot/rates/store.py": "rate rows of the stored deck",
    "bot/rates/deck.py": "the rater's integer pricing",
    "bot/usage/frames.py": "the importer's vectorised columns",
    "bot/usage/importer.py": "the importer's vectorised columns",
    "bot/usage/reports.py": "sums of call and entry rows; the export's raw columns",
}
# Rows of parsed input that keep bare Decimal prices beside their currency, because they become
# polars columns at once (the importer's and rater's speed exception).
BARE_PRICES = {("bot/rates/deck.py", "RateRow"), ("bot/usage/formats/records.py", "ParsedCall"),
               ("bot/money.py", "Money")}
_MICRO = re.compile(r"(^|_)micros$|^(from|to)_micros$|^MICROS_PER_UNIT$")


def _sources() -> list[Path]:
    return [path for package in ("bot", "handlers")
            for path in sorted((ROOT / package).rglob("*.py"))]


def micro_unit_users(paths: list[Path], root: Path = ROOT) -> dict[str, int]:
    """file -> how many names or attributes in it are micro-units (`amount_micros`, `.micros`,
    `from_micros`, …)."""
    found: dict[str, int] = {}
    for path in paths:
        count = 0
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = (node.id if isinstance(node, ast.Name) else node.attr
                    if isinstance(node, ast.Attribute) else node.name
                    if isinstance(node, ast.alias) else None)
            if isinstance(node, ast.alias):
                name = node.asname or node.name.rpartition(".")[2]
            if name and _MICRO.search(name):
                count += 1
        if count:
            found[str(path.relative_to(root))] = count
    return found


def paired_amounts(paths: list[Path], root: Path = ROOT) -> list[str]:
    """Classes with a `currency` field beside a Decimal one: an amount travelling without its
    currency, which should be a Money."""
    found = []
    for path in paths:
        name = str(path.relative_to(root))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or (name, node.name) in BARE_PRICES:
                continue
            fields = {item.target.id: ast.unparse(item.annotation) for item in node.body
                      if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)}
            decimals = sorted(field for field, kind in fields.items() if "Decimal" in kind)
            if "currency" in fields and decimals:
                found.append(f"{name}:{node.name} {decimals}")
    return found


def test_micro_units_stay_where_rows_are_read_and_written():
    users = micro_unit_users(_sources())
    assert not [name for name in users if name.startswith("handlers/")]
    assert sorted(set(users) - set(MICRO_UNITS)) == []
    # A module that no longer needs its exception loses it (the list stays true).
    assert sorted(set(MICRO_UNITS) - set(users)) == []


def test_no_amount_travels_beside_its_currency():
    assert paired_amounts(_sources()) == []


def test_the_money_checks_see_what_they_check(tmp_path: Path):
    leak = tmp_path / "leak.py"
    leak.write_text("from dataclasses import dataclass\nfrom decimal import Decimal\n\n"
                    "@dataclass\nclass Quote:\n    amount: Decimal\n    currency: str\n\n"
                    "def show(row):\n    return row.amount_micros\n", encoding="utf-8")
    assert micro_unit_users([leak], tmp_path) == {"leak.py": 1}
    assert paired_amounts([leak], tmp_path) == ["leak.py:Quote ['amount']"]
