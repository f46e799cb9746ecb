"""Block Kit builders: pure functions from values to blocks."""
