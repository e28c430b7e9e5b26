"""BERT's two pre-training inputs, built the way the library builds them (the course notes on BERT's MLM and NSP).

- Masked language modelling: ``transformers.DataCollatorForLanguageModeling`` (seeded) picks
  ``mlm_probability`` (15 %) of the non-special tokens; of those, 80 % become [MASK], 10 % a
  random token and 10 % stay unchanged. ``labels`` keep the original id where a token was
  picked and -100 (ignored by the loss) everywhere else. [CLS], [SEP] and [PAD] are never picked.
- Next-sentence prediction: pairs (A, B) where B is the real next sentence half of the time
  (IsNext, label 0) and a random sentence from another document otherwise (NotNext, label 1),
  encoded as one pair with token_type_ids 0 for A and 1 for B.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo import models, registry
from demo.course_texts import LINCOLN, LINCOLN_A
from demo.errors import BadInput, WrongTask
from demo.inputs import whole_number

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerBase

ASSETS = Path(__file__).resolve().parent.parent / "assets"
NSP_CORPUS = ASSETS / "nsp_corpus.txt"

DEFAULT_MLM_PROBABILITY = 0.15
MASK_REPLACE_PROB = 0.8  # of the picked tokens: [MASK]
RANDOM_REPLACE_PROB = 0.1  # of the picked tokens: a random token (the other 10 % stay unchanged)
MAX_CHARS = 5_000
MAX_LINES = 16
MAX_PAIRS = 16

DEFAULT_TEXT = LINCOLN_A
DEFAULT_PASSAGE = (  # the Lincoln passage, then three more sentences so that NotNext has somewhere to draw from
    f"{LINCOLN} The Union blockaded the ports of the Confederacy. "
    "Lincoln issued the Emancipation Proclamation in 1863. The war ended in the spring of 1865."
)

IS_NEXT, NOT_NEXT = 0, 1  # BertForPreTraining's next_sentence_label convention


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def _seed(seed: Any) -> int:
    s = whole_number(seed, "seed", " (the same seed gives the same masks)")
    if not 0 <= s < 2**63:
        raise BadInput(f"seed must be between 0 and 2**63 - 1 (got {s}).")
    return s


def _probability(p: Any) -> float:
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise BadInput(f"mlm_probability must be a number between 0 and 1 (got {p!r}).") from None
    if not 0.0 <= p <= 1.0:
        raise BadInput(f"mlm_probability must be between 0 and 1 (got {p}); BERT used 0.15.")
    return p


def _text(text: Any, what: str = "text") -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadInput(f"The {what} is empty: type a sentence (or several, one per line).")
    if len(text) > MAX_CHARS:
        raise BadInput(
            f"The {what} has {len(text):,} characters; masking shows every token, so keep it under "
            f"{MAX_CHARS:,} (a few sentences show the idea)."
        )
    return text


def load_mask_tokenizer(name: str) -> "PreTrainedTokenizerBase":
    """A registry tokenizer that has a mask token (BERT's [MASK], RoBERTa's <mask>)."""
    registry.get(name)
    tok = models.load_tokenizer(name)
    if tok.mask_token is None:
        ok = ", ".join(registry.names_for("fill-mask")) or "a BERT-family model"
        raise WrongTask(
            f"{name}'s tokenizer has no mask token, so it cannot be used for masked language modelling "
            f"(it was trained to predict the next token instead). Pick one of: {ok}."
        )
    return tok


# ---------------------------------------------------------------------------
# Masked language modelling
# ---------------------------------------------------------------------------


def _was_cut(enc: Any, max_len: int) -> bool:
    """Did truncation cut any sequence of this encoding? (A fast tokenizer keeps what overflowed.)"""
    if enc.encodings:
        return any(e.overflowing for e in enc.encodings)
    ids = enc["input_ids"]
    return any(len(x) >= max_len for x in (ids if ids and isinstance(ids[0], list) else [ids]))


def mask(
    tokenizer: str, text: str, mlm_probability: float = DEFAULT_MLM_PROBABILITY, seed: int = 0
) -> dict[str, Any]:
    """Mask ``text`` (one sequence per line, padded into one batch) with DataCollatorForLanguageModeling.

    Returns the batch as the collator returns it — ``input_ids`` (before), ``masked_input_ids``
    (after), ``labels`` (original id where picked, -100 elsewhere), each batch x T — and per
    sequence the picked positions with the 80/10/10 outcome of each.
    """
    p = _probability(mlm_probability)
    s = _seed(seed)
    lines = [line for line in _text(text).splitlines() if line.strip()]
    notices: list[str] = []
    if len(lines) > MAX_LINES:
        notices.append(f"Only the first {MAX_LINES} lines were used.")
        lines = lines[:MAX_LINES]
    tok = load_mask_tokenizer(tokenizer)
    from transformers import DataCollatorForLanguageModeling

    max_len = tok.model_max_length if tok.model_max_length < 100_000 else 512
    lock = models.tokenizer_lock(tok)  # tokenizer calls set truncation/padding on shared state
    with lock:
        enc = tok(lines, truncation=True, max_length=max_len, return_special_tokens_mask=True)
    truncation_notice = None  # the one contract of every endpoint: a sentence when tokens were cut, else None
    if _was_cut(enc, max_len):
        truncation_notice = f"A line was longer than the model's {max_len} tokens and was truncated."
        notices.append(truncation_notice)
    examples = [{k: enc[k][i] for k in enc.keys()} for i in range(len(lines))]
    collator = DataCollatorForLanguageModeling(
        tokenizer=tok,
        mlm=True,
        mlm_probability=p,
        mask_replace_prob=MASK_REPLACE_PROB,
        random_replace_prob=RANDOM_REPLACE_PROB,
        seed=s,  # its own torch.Generator: the same seed gives the same masks
    )
    with lock:
        padded = tok.pad(examples, return_tensors="pt")  # what the collator pads to, before masking
        batch = collator(examples)  # pads again and masks: input_ids, attention_mask, labels
    original = padded["input_ids"].tolist()  # batch x T
    special = padded["special_tokens_mask"].tolist()  # batch x T, 1 for [CLS] [SEP] [PAD]
    masked = batch["input_ids"].tolist()  # batch x T
    labels = batch["labels"].tolist()  # batch x T

    mask_id = tok.mask_token_id
    sequences = []
    totals = {"candidates": 0, "chosen": 0, "mask": 0, "random": 0, "unchanged": 0}
    for i in range(len(lines)):
        ids, new_ids, lab = original[i], masked[i], labels[i]
        picked = []
        for j, label in enumerate(lab):
            if label == -100:
                continue
            if new_ids[j] == mask_id:
                outcome = "mask"
            elif new_ids[j] == ids[j]:
                outcome = "unchanged"
            else:
                outcome = "random"
            picked.append(
                {
                    "position": j,
                    "token": tok.convert_ids_to_tokens(ids[j]),
                    "label": label,
                    "outcome": outcome,
                    "new_id": new_ids[j],
                    "new_token": tok.convert_ids_to_tokens(new_ids[j]),
                }
            )
            totals[outcome] += 1
        candidates = sum(1 for m in special[i] if m == 0)
        totals["candidates"] += candidates
        totals["chosen"] += len(picked)
        sequences.append(
            {
                "text": lines[i],
                "tokens": tok.convert_ids_to_tokens(ids),
                "masked_tokens": tok.convert_ids_to_tokens(new_ids),
                "input_ids": ids,
                "masked_input_ids": new_ids,
                "labels": lab,
                "attention_mask": batch["attention_mask"][i].tolist(),
                "special_tokens_mask": special[i],
                "candidates": candidates,
                "picked": picked,
            }
        )
    if totals["chosen"] == 0:
        notices.append(
            f"No token was picked this time (each of the {totals['candidates']} candidates had a "
            f"{p:.0%} chance): try another seed, a longer text, or a higher mlm_probability."
        )
    return {
        "tokenizer": tokenizer,
        "mlm_probability": p,
        "mask_replace_prob": MASK_REPLACE_PROB,
        "random_replace_prob": RANDOM_REPLACE_PROB,
        "seed": s,
        "mask_token": tok.mask_token,
        "mask_token_id": mask_id,
        "input_ids": original,
        "masked_input_ids": masked,
        "labels": labels,
        "sequences": sequences,
        "counts": totals,
        "truncation_notice": truncation_notice,
        "notices": notices,
    }


# ---------------------------------------------------------------------------
# Next-sentence pairs
# ---------------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage: split after . ! ? (and at line breaks)."""
    parts = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    return [p.strip() for p in parts if p.strip()]


def _read_corpus() -> list[list[str]]:
    docs: list[list[str]] = [[]]
    for line in NSP_CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if docs[-1]:
                docs.append([])
            continue
        docs[-1].append(line.strip())
    return [d for d in docs if d]


def corpus_documents() -> list[list[str]]:
    """The bundled corpus (assets/nsp_corpus.txt): documents, each a list of sentences (cached)."""
    return models.memo(("nsp_corpus", str(NSP_CORPUS)), _read_corpus, size_mb=0.1)


def next_sentence_pairs(tokenizer: str, text: str, seed: int = 0, num_pairs: int = 4) -> dict[str, Any]:
    """Build ``num_pairs`` NSP examples from ``text``: B is the next sentence 50 % of the time (IsNext),
    otherwise a random sentence from another document of the bundled corpus (NotNext)."""
    s = _seed(seed)
    try:
        k = int(num_pairs)
    except (TypeError, ValueError):
        raise BadInput(f"num_pairs must be a whole number (got {num_pairs!r}).") from None
    if not 1 <= k <= MAX_PAIRS:
        raise BadInput(f"num_pairs must be between 1 and {MAX_PAIRS} (got {k}).")
    sentences = split_sentences(_text(text, "passage"))
    if len(sentences) < 2:
        raise BadInput(
            "The passage needs at least two sentences (ending with . ! or ?) so that a real next "
            "sentence exists."
        )
    registry.get(tokenizer)
    tok = models.load_tokenizer(tokenizer)
    others = [sentence for doc in corpus_documents() for sentence in doc]
    rng = random.Random(s)
    pairs = []
    limit = min(512, tok.model_max_length)
    cut = 0
    for _ in range(k):
        i = rng.randrange(len(sentences) - 1)  # sentence A
        a = sentences[i]
        if rng.random() < 0.5:
            b, label = sentences[i + 1], IS_NEXT
        else:
            b, label = rng.choice(others), NOT_NEXT
        with models.tokenizer_lock(tok):
            enc = tok(a, b, truncation="longest_first", max_length=limit, return_token_type_ids=True)
        cut += _was_cut(enc, limit)
        pairs.append(
            {
                "sentence_a": a,
                "sentence_b": b,
                "next_sentence_label": label,
                "label": "IsNext" if label == IS_NEXT else "NotNext",
                "tokens": enc.tokens(),
                "input_ids": enc["input_ids"],
                "token_type_ids": enc["token_type_ids"],
                "attention_mask": enc["attention_mask"],
            }
        )
    notices = []
    if "token_type_ids" not in getattr(tok, "model_input_names", []):
        notices.append(
            f"{tokenizer}'s model takes no token_type_ids (RoBERTa-style models dropped NSP and segment "
            "embeddings): the tokenizer still marks the two sentences, but the model never sees it."
        )
    return {
        "tokenizer": tokenizer,
        "seed": s,
        "num_sentences": len(sentences),
        "pairs": pairs,
        "num_is_next": sum(1 for p in pairs if p["next_sentence_label"] == IS_NEXT),
        "num_not_next": sum(1 for p in pairs if p["next_sentence_label"] == NOT_NEXT),
        "truncation_notice": (
            f"{cut} pair(s) were longer than the model's {limit} tokens and were cut (longest_first)." if cut else None
        ),
        "notices": notices,
    }
