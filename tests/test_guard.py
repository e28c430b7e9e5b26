"""tabs.common.guard: every failure becomes a message; identical requests are served from the cache."""

from __future__ import annotations

import itertools

import gradio as gr
import pytest

from demo.errors import BadInput
from tabs.common import GENERATE_LANE, MODEL_LANE, guard

_unique = itertools.count()


def _counting(stream: bool):
    """A handler that records each run; a fresh qualname per test keeps cache keys apart."""
    runs: list[str] = []
    if stream:
        def fn(text: str):
            runs.append(text)
            for i in range(3):
                yield f"{text}:{i}"
    else:
        def fn(text: str):
            runs.append(text)
            return f"{text}!"
    fn.__qualname__ = f"handler_{next(_unique)}"
    return fn, runs


def test_cached_handler_runs_once_per_distinct_request():
    fn, runs = _counting(stream=False)
    cached = guard(fn, cache=True)
    assert [cached("a"), cached("a"), cached("b")] == ["a!", "a!", "b!"]
    assert runs == ["a", "b"]


def test_cached_stream_replays_only_the_final_outputs():
    fn, runs = _counting(stream=True)
    cached = guard(fn, cache=True)
    assert list(cached("a")) == ["a:0", "a:1", "a:2"]  # the first request streams
    assert list(cached("a")) == ["a:2"]  # the class gets the finished result at once
    assert list(cached("b")) == ["b:0", "b:1", "b:2"]
    assert runs == ["a", "b"]


def test_a_stopped_stream_is_not_cached():
    fn, runs = _counting(stream=True)
    cached = guard(fn, cache=True)
    stream = cached("a")
    assert next(stream) == "a:0"
    stream.close()  # the Stop button: Gradio closes the generator
    assert list(cached("a")) == ["a:0", "a:1", "a:2"]
    assert runs == ["a", "a"]


def test_uncached_handler_always_runs():
    fn, runs = _counting(stream=False)
    plain = guard(fn)
    plain("a"), plain("a")
    assert runs == ["a", "a"]


@pytest.mark.parametrize("stream", [False, True])
def test_failures_become_messages(stream):
    def bad_input(text: str):
        raise BadInput("The text is empty: type a sentence.")

    def bug(text: str):
        raise KeyError("oops")

    if stream:
        def as_gen(f):
            def g(text: str):
                yield f(text)
            return g
        bad_input, bug = as_gen(bad_input), as_gen(bug)
    run = (lambda f: list(guard(f)(""))) if stream else (lambda f: guard(f)(""))
    with pytest.raises(gr.Error, match="The text is empty: type a sentence."):
        run(bad_input)
    with pytest.raises(gr.Error, match=r"Something went wrong \(KeyError"):
        run(bug)


def test_lanes():
    assert guard(lambda: 1).lane == MODEL_LANE
    assert guard(lane=GENERATE_LANE)(lambda: 1).lane == GENERATE_LANE
    assert guard(lane=None)(lambda: 1).lane is None


def test_cached_responses_count_their_real_size_within_their_own_budget(monkeypatch):
    """A cached attention page weighs ~1 MB, not a flat guess; the responses never crowd out models."""
    from demo import models

    monkeypatch.setenv("TC_RESPONSES_BUDGET_MB", "1.5")
    runs: list[str] = []

    def page(text: str) -> str:
        runs.append(text)
        return text + "x" * 600_000  # ~0.6 MB, like an attention page

    page.__qualname__ = f"handler_{next(_unique)}"
    big = guard(page, cache=True)
    models_before = models.CACHE.total_mb()
    for t in ("a", "b", "c"):
        big(t)
    assert models.RESPONSES.total_mb() <= 1.5
    assert models.RESPONSES.total_mb() > 1.0  # two ~0.6 MB responses kept, measured
    big("c")  # the newest is still cached
    assert runs == ["a", "b", "c"]
    big("a")  # the oldest was evicted: it runs again
    assert runs == ["a", "b", "c", "a"]
    assert models.CACHE.total_mb() == models_before
