"""Markers shared by the test modules."""

from __future__ import annotations

import pytest

from demo import models, registry


def not_prefetched(name: str) -> pytest.MarkDecorator:
    """For tests of the 'not on this machine' message: skipped where ``name`` is in the HF cache."""
    return pytest.mark.skipif(
        models.status(registry.get(name)) in ("cached", "local"),
        reason=f"{name} is prefetched here, so it loads instead of explaining the prefetch command",
    )
