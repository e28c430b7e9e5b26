"""Token classification (NER, part-of-speech): a label per token, then sub-word tokens grouped into words.

Written by hand to make the sub-word → word alignment visible, with the semantics of transformers'
``TokenClassificationPipeline`` (the tests check equality with ``pipeline("token-classification")``
for every strategy):

- none:    one entry per token (sub-words included), its argmax label and softmax score;
- simple:  adjacent tokens with the same tag are grouped (B- starts a new group, I- continues);
- first / average / max: first force every *word* to one label — the first sub-token's, the average
  of its sub-tokens' probabilities, or the most confident sub-token's — then group like simple.

Entities labelled "O" (outside any entity) are left out, as the pipeline does.
preprocess (tokenize with offsets) → one model call → postprocess (softmax, align, aggregate).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from demo import heads, models
from demo.errors import BadInput, WrongTask
from demo.inputs import require_text
from demo.losses import run_with_labels
from demo.tasks.encoding import encode, encoded_view, model_inputs

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from demo.models import Loaded

AGGREGATIONS = ("none", "simple", "first", "average", "max")
IGNORE_LABELS = ("O",)
TASK = "token-classification"
HEAD = heads.head_for(TASK)


def _aggregation(value: object) -> str:
    if not isinstance(value, str) or value.strip().lower() not in AGGREGATIONS:
        raise BadInput(f"aggregation must be one of {', '.join(AGGREGATIONS)} (got {value!r}).")
    return value.strip().lower()


def _prepare(model: str, text: object) -> tuple["Loaded", Any, str | None, str]:
    """(loaded, encoding 1 x T with offsets, truncation notice or None, text)."""
    text = require_text(text, "text")
    loaded = models.load(model, HEAD, task=TASK)
    if not loaded.tokenizer.is_fast:
        raise WrongTask(f"{model} has a slow tokenizer without character offsets: pick another model.")
    enc, notice = encode(loaded, text, return_offsets_mapping=True, return_special_tokens_mask=True)
    return loaded, enc, notice, text


def _pre_entities(loaded: "Loaded", text: str, enc: Any, scores: "np.ndarray") -> list[dict]:
    """One dict per non-special token: its text, softmax scores, character span and whether it continues a word."""
    tok = loaded.tokenizer
    ids = enc["input_ids"][0].tolist()
    offsets = enc["offset_mapping"][0].tolist()  # T x 2 character spans
    special = enc["special_tokens_mask"][0].tolist()
    token_texts = tok.convert_ids_to_tokens(ids)
    # WordPiece marks continuations ("##p"): a token whose text is longer than its span is a sub-word.
    prefix = getattr(getattr(getattr(tok, "_tokenizer", None), "model", None), "continuing_subword_prefix", None)
    out = []
    for idx, token_scores in enumerate(scores):
        if special[idx]:
            continue
        word = token_texts[idx]
        start, end = offsets[idx]
        word_ref = text[start:end]
        if prefix:
            is_subword = len(word) != len(word_ref)
        else:  # no marker (byte-level BPE): a token glued to the previous character continues a word
            is_subword = start > 0 and " " not in text[start - 1 : start + 1]
        if ids[idx] == tok.unk_token_id:
            word, is_subword = word_ref, False
        out.append({"word": word, "scores": token_scores, "start": start, "end": end, "index": idx,
                    "is_subword": is_subword})
    return out


def _aggregate_word(tok: Any, id2label: dict, group: list[dict], strategy: str) -> dict:
    """One label for a whole word, from its sub-tokens (first / max / average)."""
    import numpy as np

    if strategy == "first":
        scores = group[0]["scores"]
    elif strategy == "max":
        scores = max(group, key=lambda e: e["scores"].max())["scores"]
    else:  # average: mean probability over the word's sub-tokens, then argmax
        scores = np.nanmean(np.stack([e["scores"] for e in group]), axis=0)
    idx = int(scores.argmax())
    return {"entity": id2label[idx], "score": scores[idx], "word": tok.convert_tokens_to_string([e["word"] for e in group]),
            "start": group[0]["start"], "end": group[-1]["end"]}


def _tag(label: str) -> tuple[str, str]:
    """("B" | "I", tag): B-PER → (B, PER); a label without a prefix continues like I-."""
    if label.startswith("B-"):
        return "B", label[2:]
    if label.startswith("I-"):
        return "I", label[2:]
    return "I", label


def _group(tok: Any, entities: list[dict]) -> list[dict]:
    """Merge adjacent entities with the same tag (a B- starts a new group); score = mean of the parts."""
    import numpy as np

    groups: list[list[dict]] = []
    for e in entities:
        bi, tag = _tag(e["entity"])
        if groups and bi != "B" and _tag(groups[-1][-1]["entity"])[1] == tag:
            groups[-1].append(e)
        else:
            groups.append([e])
    return [
        {"entity": g[0]["entity"].split("-", 1)[-1], "score": float(np.nanmean([e["score"] for e in g])),
         "word": tok.convert_tokens_to_string([e["word"] for e in g]), "start": g[0]["start"], "end": g[-1]["end"]}
        for g in groups
    ]


def aggregate(loaded: "Loaded", pre: list[dict], strategy: str) -> list[dict]:
    """Token-level entities (none), grouped tokens (simple) or grouped words (first / average / max)."""
    tok, id2label = loaded.tokenizer, loaded.model.config.id2label
    if strategy in ("none", "simple"):
        entities = []
        for p in pre:
            idx = int(p["scores"].argmax())
            entities.append({"entity": id2label[idx], "score": p["scores"][idx], "index": p["index"],
                             "word": p["word"], "start": p["start"], "end": p["end"]})
        if strategy == "none":
            return entities
    else:
        entities, group = [], []
        for p in pre:
            if group and not p["is_subword"]:
                entities.append(_aggregate_word(tok, id2label, group, strategy))
                group = []
            group.append(p)
        if group:
            entities.append(_aggregate_word(tok, id2label, group, strategy))
    return _group(tok, entities)


def run(model: str, text: str, aggregation: str = "simple") -> dict:
    """Label every token of ``text`` and group them by ``aggregation`` (none / simple / first / average / max).

    Returns the raw output: entities [{word, entity, score, start, end}] (character offsets into
    ``text``; "O" left out), and every token with its label, score and whether it continues a word.
    """
    import numpy as np
    import torch

    strategy = _aggregation(aggregation)
    loaded, enc, notice, text = _prepare(model, text)
    with torch.inference_mode():
        logits = loaded.model(**model_inputs(loaded, enc)).logits[0]  # T x num_labels
    logits = logits.float().numpy()
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    scores = shifted / shifted.sum(axis=-1, keepdims=True)  # T x num_labels, softmax per token
    pre = _pre_entities(loaded, text, enc, scores)
    entities = [
        {**e, "score": float(e["score"])}
        for e in aggregate(loaded, pre, strategy)
        if e["entity"] not in IGNORE_LABELS
    ]
    id2label = loaded.model.config.id2label
    word_ids = enc.word_ids(0)  # T: which word of the text each token comes from (None: special token)
    tokens = [
        {"token": p["word"], "index": p["index"], "word_id": word_ids[p["index"]], "start": p["start"],
         "end": p["end"], "is_subword": bool(p["is_subword"]), "label": id2label[int(p["scores"].argmax())],
         "score": float(p["scores"].max())}
        for p in pre
    ]
    return {
        "model": model,
        "model_class": type(loaded.model).__name__,
        "aggregation": strategy,
        "entities": entities,
        "tokens": tokens,
        "words": _words(enc, text),
        "labels": [id2label[i] for i in range(len(id2label))],
        "encoded": encoded_view(loaded, enc),
        "truncation_notice": notice,
        "newly_initialized": list(loaded.newly_initialized),
    }


def words(model: str, text: str) -> list[str]:
    """The words of ``text`` as the tokenizer splits them (what per-word labels refer to)."""
    _loaded, enc, _notice, text = _prepare(model, text)
    return _words(enc, text)


def _words(enc: Any, text: str) -> list[str]:
    spans: dict[int, list[int]] = {}
    offsets = enc["offset_mapping"][0].tolist()  # T x 2
    for i, w in enumerate(enc.word_ids(0)):
        if w is not None:
            s, e = offsets[i]
            spans.setdefault(w, [s, e])[1] = e
    return [text[s:e] for s, e in spans.values()]


def loss(model: str, text: str, labels: object) -> dict:
    """outputs.loss for per-word labels (space separated, one per word): the first sub-token of each word
    gets the word's label id; special tokens and the other sub-tokens get -100 (ignored by the loss)."""
    import torch

    loaded, enc, notice, text = _prepare(model, text)
    label2id = {v: k for k, v in loaded.model.config.id2label.items()}
    given = labels.split() if isinstance(labels, str) else [str(x) for x in (labels or [])]
    ws = _words(enc, text)
    if len(given) != len(ws):
        raise BadInput(
            f"Give one label per word: the text has {len(ws)} words ({' | '.join(ws[:30])}) "
            f"but {len(given)} labels were given."
        )
    unknown = [g for g in given if g not in label2id]
    if unknown:
        raise BadInput(f"Unknown label {unknown[0]!r}: use labels of this model ({', '.join(label2id)}).")
    row, seen = [], set()
    for w in enc.word_ids(0):
        if w is None or w in seen:
            row.append(-100)  # special token or a later sub-token: not part of the loss
        else:
            row.append(label2id[given[w]])
            seen.add(w)
    target = torch.tensor([row])  # batch x T
    ran = run_with_labels(loaded.model, model_inputs(loaded, enc), {"labels": target})
    return {
        "model_class": type(loaded.model).__name__,
        "words": ws,
        "labels": row,
        "tokens": loaded.tokenizer.convert_ids_to_tokens(enc["input_ids"][0].tolist()),
        "loss": ran["loss"],
        "loss_function": ran["loss_function"],
        "logits_shape": ran["logits_shape"],
        "truncation_notice": notice,
    }
