"""Benchmarks: runnable scripts that print figures (not tests)."""
