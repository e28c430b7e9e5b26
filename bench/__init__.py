"""Benchmarks: each prints ratios (see docs/CONTRIBUTING.md)."""
