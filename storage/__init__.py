"""Persistence: SQLModel tables, the engine and transactions, keyword-only queries, migrations.

Nothing here imports `bot` or `handlers`. Money is stored as integer micro-units; the functions
of this package take and return `Decimal` so that no caller handles micro-units by hand.
"""
