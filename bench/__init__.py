"""Benchmarks: each prints figures measured side by side in one run, as ratios. `python -m bench` runs all."""
