"""Fill-mask: a masked-LM predicts the token behind each mask (the Milky Way example of the course notes).

preprocess (normalise [MASK] / <mask> to the model's own mask token, encode) → one forward
pass → postprocess (softmax over the vocabulary at each mask, top-k).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from demo import heads, models
from demo.errors import BadInput, WrongTask
from demo.inputs import require_int, require_text
from demo.losses import run_with_labels
from demo.tasks.encoding import encode, token_view

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

TASK = "fill-mask"
HEAD = heads.head_for(TASK)
MAX_MASKS = 5
MAX_TOP_K = 50
# what users type for a mask, whatever the model's own token is (BERT: [MASK], RoBERTa: <mask>)
MASK_PATTERN = re.compile(r"\[MASK\]|<mask>", re.IGNORECASE)


def _mask_token(loaded: "Loaded") -> str:
    tok = loaded.tokenizer
    if tok.mask_token is None or tok.mask_token_id is None:
        raise WrongTask(f"{loaded.spec.name}'s tokenizer has no mask token: pick a masked-LM model (BERT, RoBERTa).")
    return tok.mask_token


def normalize_masks(text: str, mask_token: str) -> tuple[str, int]:
    """``text`` with every [MASK] / <mask> written as ``mask_token``, and how many there are."""
    return MASK_PATTERN.subn(mask_token, text)


def _prepare(model: str, text: object) -> tuple["Loaded", str, dict, str | None, list[int]]:
    """(loaded, normalised text, encoding, truncation notice, mask positions)."""
    text = require_text(text, "text")
    loaded = models.load(model, HEAD, task=TASK)
    mask = _mask_token(loaded)
    normalized, count = normalize_masks(text, mask)
    if count == 0:
        raise BadInput(
            f"The text has no mask: type [MASK] or <mask> where the missing word goes, e.g. "
            f"'The Milky Way is a {mask} galaxy.' (either spelling works: this model's mask token is {mask})."
        )
    if count > MAX_MASKS:
        raise BadInput(
            f"The text has {count} masks; at most {MAX_MASKS} at once. Remove some — each mask is "
            "predicted on its own, so one or two show the idea best."
        )
    enc, notice = encode(loaded, normalized)
    ids = enc["input_ids"][0].tolist()  # T
    positions = [i for i, t in enumerate(ids) if t == loaded.tokenizer.mask_token_id]
    if len(positions) < count:
        raise BadInput(
            f"{count - len(positions)} of the masks fell in the part of the text that was cut off "
            f"({notice}). Shorten the text or move the mask earlier."
        )
    return loaded, normalized, enc, notice, positions


def _sequence(loaded: "Loaded", ids: list[int], position: int, token_id: int) -> str:
    """The text with one mask filled in (other masks stay), special tokens other than the mask dropped."""
    tok = loaded.tokenizer
    special = set(tok.all_special_ids) - {tok.mask_token_id}
    filled = [token_id if i == position else t for i, t in enumerate(ids)]
    text = tok.decode([t for t in filled if t not in special])
    return re.sub(r" {2,}", " ", text).strip()  # a byte-level "Ġ" before the mask leaves a double space


def run(model: str, text: str, top_k: int = 5) -> dict:
    """Top-k tokens for each mask in ``text``: {predictions: one list per mask of [{token, token_id, score, sequence}]}."""
    import torch

    top_k = require_int(top_k, "top_k", 1, MAX_TOP_K)
    loaded, normalized, enc, notice, positions = _prepare(model, text)
    with torch.inference_mode():
        logits = loaded.model(**enc).logits  # 1 x T x V
    probs = logits[0, positions].float().softmax(dim=-1)  # masks x V
    scores, token_ids = probs.topk(top_k, dim=-1)  # masks x k
    ids = enc["input_ids"][0].tolist()
    tok = loaded.tokenizer
    predictions = [
        [
            {
                "token": tok.decode([t]).strip(),
                "token_id": t,
                "piece": tok.convert_ids_to_tokens(t),  # the vocabulary entry (Ġspiral, ##ing)
                "score": s,
                "sequence": _sequence(loaded, ids, pos, t),
            }
            for s, t in zip(row_scores.tolist(), row_ids.tolist())
        ]
        for pos, row_scores, row_ids in zip(positions, scores, token_ids)
    ]
    return {
        "model": loaded.spec.name,
        "model_class": type(loaded.model).__name__,
        "mask_token": tok.mask_token,
        "text": normalized,
        **token_view(tok, ids),
        "mask_positions": positions,
        "predictions": predictions,
        "truncation_notice": notice,
    }


def _target_id(loaded: "Loaded", word: str) -> int:
    """The one vocabulary id for ``word``: tried with a leading space first (byte-level BPE marks it),
    then as typed, then as a vocabulary entry (a predicted piece such as ##ing)."""
    tok = loaded.tokenizer
    tried = []
    for form in (" " + word, word):
        ids = tok(form, add_special_tokens=False)["input_ids"]
        if len(ids) == 1:
            return ids[0]
        tried.append(tok.convert_ids_to_tokens(ids))
    piece = tok.convert_tokens_to_ids(word)  # a vocabulary entry typed as shown (##ing, Ġspiral)
    if isinstance(piece, int) and piece != tok.unk_token_id:
        return piece
    raise BadInput(
        f"{word!r} is split into several tokens {tried[0]}; a mask stands for exactly one token. "
        "Pick a word that is a single token (one of the predictions, for instance)."
    )


def loss(model: str, text: str, target: str) -> dict:
    """Run the masked-LM with labels = the target word at each mask (-100 elsewhere): outputs.loss.

    ``target`` holds one word per mask, separated by spaces or commas.
    """
    import torch

    loaded, _normalized, enc, notice, positions = _prepare(model, text)
    words = [w for w in re.split(r"[\s,]+", require_text(target, "target word")) if w]
    if len(words) != len(positions):
        raise BadInput(
            f"Give one target word per mask: the text has {len(positions)} mask(s) and you gave "
            f"{len(words)} word(s) (separate them with spaces or commas)."
        )
    targets = [_target_id(loaded, w) for w in words]
    labels = torch.full_like(enc["input_ids"], -100)  # 1 x T; -100 = not scored
    for pos, t in zip(positions, targets):
        labels[0, pos] = t
    ran = run_with_labels(loaded.model, enc, {"labels": labels})
    # the same number by hand: mean over the masks of -log softmax(logits)[target]
    with torch.no_grad():
        logp = loaded.model(**enc).logits[0, positions].float().log_softmax(-1)  # masks x V
    by_hand = float(-logp[range(len(targets)), targets].mean())
    return {
        **ran,
        "labels": labels[0].tolist(),
        "targets": [{"word": w, "token_id": t, "token": loaded.tokenizer.convert_ids_to_tokens(t)}
                    for w, t in zip(words, targets)],
        "minus_log_prob": by_hand,
        "truncation_notice": notice,
    }
