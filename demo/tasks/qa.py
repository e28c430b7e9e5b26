"""Extractive question answering: find the answer span inside the context.

transformers 5 removed the question-answering pipeline, so this is the recipe by hand with
AutoModelForQuestionAnswering:

1. preprocess: tokenize (question, context) as pairs; a context too long for the model is split into
   overlapping windows (``return_overflowing_tokens``, ``stride=doc_stride`` tokens shared between
   neighbours), each window repeating the question; offsets map tokens back to characters.
2. one model call on all windows: start_logits and end_logits, one per token (W x T each).
3. postprocess, per window: softmax over the context tokens (and [CLS]); the score of a span is
   p_start(s) · p_end(e) with s ≤ e < s + max_answer_len, both in the context. The best span over
   all windows wins — unless [CLS] scores higher (p_start(CLS) · p_end(CLS), SQuAD 2.0's "no answer")
   and handle_impossible_answer is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from demo import heads, models
from demo.errors import BadInput
from demo.inputs import flag, require_int, require_text
from demo.losses import run_with_labels
from demo.tasks.encoding import encoded_view, max_input_tokens, model_inputs

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from demo.models import Loaded

TASK = "question-answering"
HEAD = heads.head_for(TASK)
MAX_SEQ_LEN = 384  # the old pipeline's defaults
DOC_STRIDE = 128
MAX_ANSWER_LEN = 15
MIN_CONTEXT_ROOM = 16  # tokens of context per window, at least


def _windows(loaded: "Loaded", question: str, context: str, max_seq_len: int, doc_stride: int) -> tuple[Any, int]:
    """The (question, context-window) encodings, W x T, padded; returns (encoding, tokens per window)."""
    tok = loaded.tokenizer
    limit = min(max_seq_len, max_input_tokens(loaded))
    question_len = len(tok(question, add_special_tokens=False)["input_ids"])
    room = limit - question_len - tok.num_special_tokens_to_add(pair=True)  # context tokens per window
    if room < MIN_CONTEXT_ROOM:
        raise BadInput(
            f"The question has {question_len} tokens and leaves {max(room, 0)} of the {limit} tokens of a window "
            "for the context: shorten the question (or raise max_seq_len)."
        )
    if doc_stride >= room:
        raise BadInput(
            f"doc_stride ({doc_stride}) must be smaller than the context tokens per window ({room}): "
            f"lower doc_stride to at most {room - 1} (or raise max_seq_len)."
        )
    enc = tok(
        question,
        context,
        truncation="only_second",  # only the context is cut into windows
        max_length=limit,
        stride=doc_stride,  # tokens shared by neighbouring windows
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="longest",
        return_tensors="pt",
    )
    return enc, limit


def _masks(loaded: "Loaded", enc: Any, w: int) -> tuple["torch.Tensor", int]:
    """(context mask T, index of [CLS]) for window ``w``."""
    import torch

    seq = enc.sequence_ids(w)
    context = torch.tensor([s == 1 for s in seq])  # T: True on context tokens only
    cls_id = loaded.tokenizer.cls_token_id
    ids = enc["input_ids"][w]
    found = (ids == cls_id).nonzero() if cls_id is not None else []
    return context, int(found[0]) if len(found) else 0


def best_span(start_logits: "torch.Tensor", end_logits: "torch.Tensor", context: "torch.Tensor", cls: int,
              max_answer_len: int) -> tuple[int, int, float, float]:
    """(start, end, span score, null score) in one window: probabilities over context tokens and [CLS]."""
    import torch

    allowed = context.clone()
    allowed[cls] = True
    p_start = torch.softmax(start_logits.masked_fill(~allowed, -1e4), dim=-1)  # T
    p_end = torch.softmax(end_logits.masked_fill(~allowed, -1e4), dim=-1)  # T
    null = float(p_start[cls] * p_end[cls])
    n = min(max_answer_len, len(context))
    ends = torch.nn.functional.pad(p_end * context, (0, n - 1)).unfold(0, n, 1)  # T x n: p_end(s + k)
    scores = (p_start * context)[:, None] * ends  # T x n: score of span (s, e = s + k), k < max_answer_len
    s, k = divmod(int(scores.argmax()), n)  # first best in (s, e) order
    return s, s + k, float(scores[s, k]), null


def run(
    model: str,
    question: str,
    context: str,
    max_answer_len: int = MAX_ANSWER_LEN,
    doc_stride: int = DOC_STRIDE,
    max_seq_len: int = MAX_SEQ_LEN,
    handle_impossible_answer: bool = True,
) -> dict:
    """The answer to ``question`` in ``context``: answer, score, start, end (characters of context).

    The raw output also has the window the answer came from, every window's character span, the start
    and end logits of that window (for the plot), and the naive argmax answer (the approach of the course
    notes on pipelines, tasks and decoding).
    """
    import torch

    question = require_text(question, "question", max_chars=2000)
    context = require_text(context, "context")
    max_answer_len = require_int(max_answer_len, "max_answer_len", 1, 512)
    doc_stride = require_int(doc_stride, "doc_stride", 0, 512)
    max_seq_len = require_int(max_seq_len, "max_seq_len", 32, 4096)
    handle_impossible_answer = flag(handle_impossible_answer, "handle_impossible_answer")
    loaded = models.load(model, HEAD, task=TASK)
    enc, limit = _windows(loaded, question, context, max_seq_len, doc_stride)
    with torch.inference_mode():
        out = loaded.model(**model_inputs(loaded, enc))
    starts, ends = out.start_logits.float(), out.end_logits.float()  # W x T each
    offsets = enc["offset_mapping"]  # W x T x 2, characters (of the context for context tokens)

    best: tuple[float, int, int, int] | None = None  # (score, window, start, end)
    null_score = 1.0
    windows = []
    for w in range(starts.shape[0]):
        ctx, cls = _masks(loaded, enc, w)
        s, e, score, null = best_span(starts[w], ends[w], ctx, cls, max_answer_len)
        null_score = min(null_score, null)  # the pipeline's rule: the most confident "no answer" window
        positions = ctx.nonzero().flatten()
        windows.append({"window": w, "context_start": int(offsets[w, positions[0], 0]),
                        "context_end": int(offsets[w, positions[-1], 1]), "best_score": score, "null_score": null})
        if best is None or score > best[0]:
            best = (score, w, s, e)
    assert best is not None
    score, w, s, e = best
    no_answer = handle_impossible_answer and null_score > score
    start_char, end_char = int(offsets[w, s, 0]), int(offsets[w, e, 1])
    n = int(enc["attention_mask"][w].sum())  # tokens in this window without padding
    naive_s, naive_e = int(starts[w, :n].argmax()), int(ends[w, :n].argmax())
    ids = enc["input_ids"][w].tolist()
    encoded = encoded_view(loaded, enc, w)
    return {
        "model": model,
        "model_class": type(loaded.model).__name__,
        "answer": "" if no_answer else context[start_char:end_char],
        "score": null_score if no_answer else score,
        "start": 0 if no_answer else start_char,
        "end": 0 if no_answer else end_char,
        "no_answer": no_answer,
        "null_score": null_score,
        "best_span_score": score,
        "window": w,
        "start_index": s,  # token positions inside that window
        "end_index": e,
        "num_windows": len(windows),
        "windows": windows,
        "max_seq_len": limit,
        "doc_stride": doc_stride,
        "max_answer_len": max_answer_len,
        "logits": {
            "tokens": encoded["tokens"],
            "start_logits": [round(float(x), 4) for x in starts[w, :n]],
            "end_logits": [round(float(x), 4) for x in ends[w, :n]],
            "is_context": [sq == 1 for sq in enc.sequence_ids(w)[:n]],
        },
        "naive_argmax": {  # as in the course notes: argmax start, argmax end, decode ids[start:end+1] ('' when end < start)
            "start_index": naive_s,
            "end_index": naive_e,
            "text": loaded.tokenizer.decode(ids[naive_s : naive_e + 1]),
        },
        "encoded": encoded,
        "truncation_notice": None,  # nothing is cut: a long context is split into overlapping windows
        "newly_initialized": list(loaded.newly_initialized),
    }


def loss(model: str, question: str, context: str, answer_text: str, max_seq_len: int = MAX_SEQ_LEN,
         doc_stride: int = DOC_STRIDE) -> dict:
    """outputs.loss with start_positions/end_positions of ``answer_text`` (its first occurrence in the
    context, in the first window that holds it whole). An empty answer labels [CLS] (SQuAD 2.0 "no answer")."""
    import torch

    question = require_text(question, "question", max_chars=2000)
    context = require_text(context, "context")
    max_seq_len = require_int(max_seq_len, "max_seq_len", 32, 4096)
    doc_stride = require_int(doc_stride, "doc_stride", 0, 512)
    gold = (answer_text or "").strip() if isinstance(answer_text, str) else ""
    loaded = models.load(model, HEAD, task=TASK)
    enc, _limit = _windows(loaded, question, context, max_seq_len, doc_stride)
    if gold:
        at = context.find(gold)
        if at < 0:
            at = context.lower().find(gold.lower())
        if at < 0:
            raise BadInput(f"The answer {gold[:80]!r} is not in the context: copy the exact words from the context.")
        span = (at, at + len(gold))
    found = None
    for w in range(enc["input_ids"].shape[0]):
        ctx, cls = _masks(loaded, enc, w)
        if not gold:
            found = (w, cls, cls)
            break
        pos = ctx.nonzero().flatten().tolist()
        offs = enc["offset_mapping"][w]
        if int(offs[pos[0], 0]) <= span[0] and int(offs[pos[-1], 1]) >= span[1]:  # the window holds it whole
            s = next(i for i in pos if int(offs[i, 1]) > span[0])  # first token ending after the answer starts
            e = [i for i in pos if int(offs[i, 0]) < span[1]][-1]  # last token starting before it ends
            found = (w, s, e)
            break
    if found is None:
        raise BadInput("No window holds the whole answer: pick a shorter answer or raise max_seq_len.")
    w, s, e = found
    inputs = {k: v[w : w + 1] for k, v in model_inputs(loaded, enc).items()}  # 1 x T: that window only
    labels = {"start_positions": torch.tensor([s]), "end_positions": torch.tensor([e])}
    ran = run_with_labels(loaded.model, inputs, labels)
    ids = enc["input_ids"][w].tolist()
    encoded = encoded_view(loaded, enc, w)
    return {
        "model_class": type(loaded.model).__name__,
        "window": w,
        "start_positions": s,
        "end_positions": e,
        "answer_tokens": loaded.tokenizer.convert_ids_to_tokens(ids[s : e + 1]),
        "encoded": encoded,  # the window the labels point into
        "loss": ran["loss"],
        "loss_function": ran["loss_function"],
        "note": "loss = (CrossEntropy(start_logits, start_positions) + CrossEntropy(end_logits, end_positions)) / 2",
        "truncation_notice": None,  # windows, as in run()
    }
