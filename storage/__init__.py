"""Persistence: SQLModel tables, the engine and transactions, keyword-only queries, migrations.

Nothing here imports `bot` or `handlers`. Money is stored, taken and returned as integer
micro-units (`*_micros`); `storage.units` converts them to and from `Decimal`.
"""
