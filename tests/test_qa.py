"""Extractive QA: the span equals a brute-force search over the model's logits; windows cover long contexts."""

from __future__ import annotations

import contextlib

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import models
from demo.course_texts import BLOOM_CONTEXT, BLOOM_QUESTION
from demo.errors import BadInput, WrongTask
from demo.tasks import qa
from markers import not_prefetched

FILLER = "The quick brown fox jumps over the lazy dog. " * 40
LONG = FILLER + "Abraham Lincoln was the sixteenth president of the United States."


def brute_force(name: str, question: str, context: str, max_answer_len: int) -> tuple[int, int, float, float]:
    """(start char, end char, score, null score) over every (s, e) pair, computed here in a single window."""
    loaded = models.load(name, "question-answering")
    enc = loaded.tokenizer(question, context, return_offsets_mapping=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping")[0]
    with torch.no_grad():
        out = loaded.model(**enc)
    seq = enc.sequence_ids(0)
    keep = [i for i, s in enumerate(seq) if s == 1] + [0]  # context tokens and [CLS]
    start = torch.full_like(out.start_logits[0], float("-inf"))
    end = torch.full_like(out.end_logits[0], float("-inf"))
    start[keep], end[keep] = out.start_logits[0][keep], out.end_logits[0][keep]
    p_start, p_end = start.softmax(-1), end.softmax(-1)
    best = (-1.0, 0, 0)
    for s in range(len(seq)):
        for e in range(s, min(s + max_answer_len, len(seq))):
            if seq[s] == 1 and seq[e] == 1 and float(p_start[s] * p_end[e]) > best[0]:
                best = (float(p_start[s] * p_end[e]), s, e)
    score, s, e = best
    return int(offsets[s, 0]), int(offsets[e, 1]), score, float(p_start[0] * p_end[0])


@pytest.mark.parametrize("name", ["tiny-bert-qa", "tiny-distilbert", "tiny-roberta"])
@pytest.mark.parametrize("max_answer_len", [1, 5, 15])
def test_span_equals_the_best_start_and_end(name, max_answer_len):
    r = qa.run(name, BLOOM_QUESTION, BLOOM_CONTEXT, max_answer_len=max_answer_len, handle_impossible_answer=False)
    start, end, score, null = brute_force(name, BLOOM_QUESTION, BLOOM_CONTEXT, max_answer_len)
    assert (r["start"], r["end"]) == (start, end)
    assert r["answer"] == BLOOM_CONTEXT[start:end]
    assert r["score"] == pytest.approx(score, rel=1e-4) and r["null_score"] == pytest.approx(null, rel=1e-4)
    assert r["num_windows"] == 1 and r["start_index"] <= r["end_index"] < r["start_index"] + max_answer_len
    assert r["logits"]["is_context"].count(True) == sum(1 for x in r["encoded"]["sequence_ids"] if x == 1)


@contextlib.contextmanager
def oracle(name: str, start_token: str, end_token: str, cls_wins: bool = False):
    """Make the model's logits point at given tokens (or at [CLS]), so the right answer is known."""
    loaded = models.load(name, "question-answering")
    start_id, end_id = loaded.tokenizer.convert_tokens_to_ids([start_token, end_token])

    def hook(_module, _args, kwargs, output):
        ids = kwargs["input_ids"]
        output.start_logits[ids == start_id] += 50.0
        output.end_logits[ids == end_id] += 50.0
        if cls_wins:
            output.start_logits[:, 0] += 100.0
            output.end_logits[:, 0] += 100.0
        return output

    handle = loaded.model.register_forward_hook(hook, with_kwargs=True)
    try:
        yield
    finally:
        handle.remove()


def test_windows_cover_a_long_context_and_find_the_answer_in_a_later_window():
    with oracle("tiny-bert-qa", "abraham", "lincoln"):
        r = qa.run("tiny-bert-qa", "Who was president?", LONG, max_seq_len=64, doc_stride=16)
    assert r["num_windows"] > 5 and r["window"] > 0
    assert r["answer"] == "Abraham Lincoln" and r["start"] == LONG.index("Abraham")
    spans = [(w["context_start"], w["context_end"]) for w in r["windows"]]
    assert spans[0][0] == 0 and spans[-1][1] == len(LONG)  # the windows cover the whole context...
    assert all(b[0] < a[1] for a, b in zip(spans, spans[1:]))  # ...and each overlaps the next (stride)
    assert r["windows"][r["window"]]["best_score"] == max(w["best_score"] for w in r["windows"])


def test_end_before_start_is_never_returned():
    with oracle("tiny-bert-qa", "programming", "generate"):  # argmax end comes before argmax start
        r = qa.run("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, handle_impossible_answer=False)
    assert r["naive_argmax"]["end_index"] < r["naive_argmax"]["start_index"]
    assert r["naive_argmax"]["text"] == ""  # seed 002's empty answer
    assert r["start_index"] <= r["end_index"] and r["answer"]


def test_no_answer_when_cls_wins():
    with oracle("tiny-bert-qa", "programming", "language", cls_wins=True):
        r = qa.run("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT)
        forced = qa.run("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, handle_impossible_answer=False)
    assert r["no_answer"] and r["answer"] == "" and (r["start"], r["end"]) == (0, 0)
    assert r["score"] == r["null_score"] > r["best_span_score"]
    assert not forced["no_answer"] and forced["answer"] == "programming language"


@pytest.mark.parametrize("value,expected", [("false", False), ("False", False), (0, False), ("true", True), (1, True)])
def test_handle_impossible_answer_is_read_strictly(value, expected):
    """An API call sending the string "false" means False (it used to be read by truthiness: True)."""
    with oracle("tiny-bert-qa", "programming", "language", cls_wins=True):
        r = qa.run("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, handle_impossible_answer=value)
    assert r["no_answer"] is expected
    with pytest.raises(BadInput, match="handle_impossible_answer must be true or false"):
        qa.run("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, handle_impossible_answer="maybe")


def test_loss_for_an_answer_equals_the_mean_of_two_cross_entropies():
    ran = qa.loss("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, "13 programming languages")
    loaded = models.load("tiny-bert-qa", "question-answering")
    enc = loaded.tokenizer(BLOOM_QUESTION, BLOOM_CONTEXT, return_tensors="pt")
    with torch.no_grad():
        out = loaded.model(**enc)
    s, e = torch.tensor([ran["start_positions"]]), torch.tensor([ran["end_positions"]])
    expected = (torch.nn.functional.cross_entropy(out.start_logits, s)
                + torch.nn.functional.cross_entropy(out.end_logits, e)) / 2
    assert ran["loss_function"] == ["CrossEntropyLoss"]
    assert ran["loss"] == pytest.approx(float(expected), abs=1e-5)
    assert ran["answer_tokens"] == ["[UNK]", "programming", "language", "##s"]  # "13" is not in the tiny vocab
    late = qa.loss("tiny-bert-qa", "Who?", LONG, "Abraham Lincoln", max_seq_len=64, doc_stride=16)
    assert late["window"] > 0 and late["answer_tokens"] == ["abraham", "lincoln"]
    assert qa.loss("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, "")["start_positions"] == 0  # no answer: [CLS]


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: qa.run("tiny-bert-qa", "", BLOOM_CONTEXT), BadInput, "question is empty"),
        (lambda: qa.run("tiny-bert-qa", BLOOM_QUESTION, "  "), BadInput, "context is empty"),
        (lambda: qa.run("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, doc_stride=300, max_seq_len=64), BadInput,
         "lower doc_stride"),
        (lambda: qa.run("tiny-bert-qa", "why " * 60, BLOOM_CONTEXT, max_seq_len=64), BadInput, "shorten the question"),
        (lambda: qa.run("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, max_answer_len=0), BadInput, "max_answer_len"),
        (lambda: qa.run("tiny-gpt2", BLOOM_QUESTION, BLOOM_CONTEXT), WrongTask, "question-answering"),
        (lambda: qa.loss("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, "seventeen"), BadInput, "not in the context"),
    ],
)
def test_bad_input_says_what_to_do(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_answer_endpoint(client):
    out = client.predict("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, 15, 128, 384, False, api_name="/answer")
    raw = out[-1]
    assert {"answer", "score", "start", "end"} <= set(raw)
    assert raw["answer"] == BLOOM_CONTEXT[raw["start"]:raw["end"]]
    assert (raw["start"], raw["end"]) == brute_force("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, 15)[:2]
    assert "BertForQuestionAnswering" in out[-4]
    *_, by_name = client.predict(model="tiny-bert-qa", question=BLOOM_QUESTION, context=BLOOM_CONTEXT, api_name="/answer")
    assert by_name["max_answer_len"] == qa.MAX_ANSWER_LEN and by_name["doc_stride"] == qa.DOC_STRIDE


@not_prefetched("distilbert-base-cased-distilled-squad")
def test_a_qa_model_not_on_this_machine_names_the_prefetch_command(client):
    with pytest.raises(AppError, match=r"python -m demo\.prefetch distilbert-base-cased-distilled-squad"):
        client.predict("distilbert-base-cased-distilled-squad", BLOOM_QUESTION, BLOOM_CONTEXT, 15, 128, 384, True,
                       api_name="/answer")


def test_answer_errors_through_the_client(client):
    with pytest.raises(AppError, match="question is empty"):
        client.predict("tiny-bert-qa", "", BLOOM_CONTEXT, 15, 128, 384, True, api_name="/answer")
    with pytest.raises(AppError, match="not in the context"):
        client.predict("tiny-bert-qa", BLOOM_QUESTION, BLOOM_CONTEXT, "seventeen", 384, 128, api_name="/answer_loss")


@pytest.mark.bundled
def test_bundled_minilm_has_a_random_qa_head_and_says_so(client):
    out = client.predict("all-MiniLM-L6-v2 (bundled)", BLOOM_QUESTION, BLOOM_CONTEXT, 15, 128, 384, True, api_name="/answer")
    assert "Newly initialised" in out[-4] and "qa_outputs.weight" in out[-1]["newly_initialized"]
    assert out[-1]["encoded"]["tokens"][:3] == ["[CLS]", "how", "many"]
