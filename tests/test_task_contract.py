"""One API shape for every task engine: the Raw output says what was cut under ``truncation_notice``.

``truncation_notice`` is a sentence when tokens were cut off and None when nothing was; no engine
answers with the old ``truncated`` (a bool in some, a message in others) or ``notice`` keys.
"""

from __future__ import annotations

import pytest

from demo.tasks import (
    classification,
    fill_mask,
    generation,
    multiple_choice,
    next_sentence,
    qa,
    seq2seq,
    token_classification,
)

LONG = "the quick brown fox jumps over the lazy dog . " * 120  # > 1000 tokens: more than any tiny model takes
SHORT = "the quick brown fox jumps over the lazy dog ."

# name -> call(text): every task endpoint's engine (run) and its loss button (loss)
CALLS = {
    "classification.run": lambda t: classification.run("tiny-bert", t),
    "classification.run (pair)": lambda t: classification.run("tiny-bert-regression", t, "a dog"),
    "classification.loss": lambda t: classification.loss("tiny-distilbert-sentiment", t, None, "NEGATIVE"),
    "token_classification.run": lambda t: token_classification.run("tiny-bert-ner", t, "simple"),
    "token_classification.loss": lambda t: token_classification.loss(
        "tiny-bert-ner", t, " ".join("O" for _ in token_classification.words("tiny-bert-ner", t))),
    "fill_mask.run": lambda t: fill_mask.run("tiny-bert", "[MASK] " + t, 3),
    "fill_mask.loss": lambda t: fill_mask.loss(
        "tiny-bert", "[MASK] " + t, fill_mask.run("tiny-bert", "[MASK] " + t, 1)["predictions"][0][0]["piece"]),
    "generation.run": lambda t: generation.run("tiny-gpt2", t, 3),
    "generation.stream": lambda t: list(generation.stream("tiny-gpt2", t, 3))[-1],
    "seq2seq.run": lambda t: seq2seq.run("tiny-t5", t, "summarization"),
    "seq2seq.loss": lambda t: seq2seq.loss("tiny-t5", t, "un chien", "translation"),
    "multiple_choice.run": lambda t: multiple_choice.run("tiny-bert", t, "a dog\na cat"),
    "multiple_choice.loss": lambda t: multiple_choice.loss("tiny-bert", t, "a dog\na cat", 0),
    "next_sentence.run": lambda t: next_sentence.run("tiny-bert", t, "A dog barks."),
    "next_sentence.loss": lambda t: next_sentence.loss("tiny-bert", t, "A dog barks.", "IsNext"),
}


def _check_keys(result: dict) -> None:
    assert "truncation_notice" in result
    assert "truncated" not in result and "notice" not in result


@pytest.mark.parametrize("name", CALLS)
def test_every_task_says_what_was_cut_under_one_key(name):
    short, long = CALLS[name](SHORT), CALLS[name](LONG)
    _check_keys(short)
    _check_keys(long)
    assert short["truncation_notice"] is None
    assert isinstance(long["truncation_notice"], str)
    assert "tokens" in long["truncation_notice"] and "cut off" in long["truncation_notice"]


def test_question_answering_never_cuts_it_splits_into_windows():
    for context in (SHORT, LONG):
        r = qa.run("tiny-bert-qa", "Who jumps?", context)
        _check_keys(r)
        assert r["truncation_notice"] is None
        ran = qa.loss("tiny-bert-qa", "Who jumps?", context, "fox")
        _check_keys(ran)
        assert ran["truncation_notice"] is None
    assert qa.run("tiny-bert-qa", "Who jumps?", LONG)["num_windows"] > 1


def test_generation_loss_reports_a_cut_prompt():
    """The loss of a continuation after a prompt too long for the context: the prompt keeps its end."""
    assert generation.loss("tiny-gpt2", SHORT, " the")["truncation_notice"] is None
    ran = generation.loss("tiny-gpt2", LONG, "the")
    assert isinstance(ran["truncation_notice"], str) and "cut off" in ran["truncation_notice"]


def test_every_engine_has_the_same_public_names():
    from demo import heads

    for engine in (classification, token_classification, qa, fill_mask, generation, seq2seq, multiple_choice,
                   next_sentence):
        assert callable(engine.run) and callable(engine.loss), engine.__name__
        assert engine.HEAD == heads.head_for(engine.TASK), engine.__name__
