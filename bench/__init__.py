"""Benchmarks and synthetic inputs for coopgraph (not shipped in the wheel)."""
