"""The tokenizer inspector: what `tokenizer(text, text_pair, ...)` really returns, and why.

One call of the tokenizer (a fast, Rust-backed `tokenizers` tokenizer under transformers)
gives everything shown: the tokens, their ids, the attention mask, the token type ids, the
character offsets of each token in the original text, and which tokens are special. We add the
decode round trip (with and without ``skip_special_tokens``), the [UNK] positions, the
special-tokens map, and notices for what surprises students (truncation that did not happen,
sequences longer than the model accepts, lower-casing that breaks the round trip).

Each line of ``text`` is one sequence of the batch; a ``text_pair`` gives the second
sentence of each pair (one line per line of ``text``, or a single line for every text).
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from demo import models, registry
from demo.errors import BadInput, DemoError
from demo.inputs import flag, whole_number

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerBase

TASK = "tokenize"
PADDING = ("do_not_pad", "longest", "max_length")
TRUNCATION = ("do_not_truncate", "longest_first", "only_first", "only_second")
MAX_CHARS = 60_000  # per text (a 5,000-word text is ~30,000 characters); longer input is cut, with a notice
MAX_LINES = 64  # sequences in one batch
MAX_LENGTH_CAP = 8_192  # padding to max_length builds batch x max_length lists
REASONABLE_MODEL_MAX = 100_000  # above this, model_max_length is a "no limit" placeholder (1e30)

DEFAULT_TEXT = "I love NLP!"
KOREAN_EXAMPLE = "안녕하세요 세계! 저는 자연어 처리를 좋아해요."  # 세계 and 좋아해요 become [UNK]

SPECIAL_NAMES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


# ---------------------------------------------------------------------------
# Input checks: every message says how to fix the input
# ---------------------------------------------------------------------------


def _cap(text: str, what: str, notices: list[str]) -> str:
    if len(text) > MAX_CHARS:
        notices.append(
            f"The {what} has {len(text):,} characters: only the first {MAX_CHARS:,} were tokenized. "
            "Paste a shorter text to see all of it."
        )
        return text[:MAX_CHARS]
    return text


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def split_batch(text: Any, text_pair: Any, notices: list[str]) -> tuple[list[str], list[str] | None]:
    """The batch: one sequence per non-empty line of ``text``, paired with the lines of ``text_pair``."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise BadInput("The text is empty: type a sentence to tokenize (one sequence per line for a batch).")
    if not isinstance(text, str):
        raise BadInput(f"text must be a string (got {type(text).__name__}).")
    if text_pair is not None and not isinstance(text_pair, str):
        raise BadInput(f"text_pair must be a string (got {type(text_pair).__name__}).")
    texts = _lines(_cap(text, "text", notices))
    pairs = _lines(_cap(text_pair, "text_pair", notices)) if text_pair and text_pair.strip() else None
    if len(texts) > MAX_LINES:
        notices.append(f"The text has {len(texts)} lines: only the first {MAX_LINES} form the batch.")
        texts = texts[:MAX_LINES]
    if pairs is not None:
        if len(pairs) == 1 and len(texts) > 1:
            pairs = pairs * len(texts)
        elif len(pairs) > len(texts) and len(texts) == MAX_LINES:
            pairs = pairs[:MAX_LINES]
        if len(pairs) != len(texts):
            raise BadInput(
                f"text has {len(texts)} lines but text_pair has {len(pairs)}: give one text_pair line per "
                "text line (or a single text_pair line for all of them), or leave text_pair empty."
            )
    return texts, pairs


def _check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if value is True and name == "truncation":
        return "longest_first"
    if value in (False, None) and name == "truncation":
        return "do_not_truncate"
    if value is True and name == "padding":
        return "longest"
    if value in (False, None) and name == "padding":
        return "do_not_pad"
    if value not in choices:
        raise BadInput(f"{name} must be one of {', '.join(choices)} (got {value!r}).")
    return value


def _check_max_length(max_length: Any) -> int | None:
    if max_length is None or max_length == "" or max_length == 0:
        return None
    n = whole_number(max_length, "max_length", "; leave it 0 for none")
    if n < 0:
        raise BadInput(f"max_length must be positive (got {n}); 0 means no max_length.")
    if n > MAX_LENGTH_CAP:
        raise BadInput(f"max_length={n:,} is too large for the inspector: use at most {MAX_LENGTH_CAP:,}.")
    return n


# ---------------------------------------------------------------------------
# What a tokenizer is
# ---------------------------------------------------------------------------


def algorithm(tok: "PreTrainedTokenizerBase") -> str:
    """WordPiece / BPE (byte-level or not) / Unigram (SentencePiece), from the Rust backend."""
    backend = getattr(tok, "backend_tokenizer", None)
    if backend is None:
        return type(tok).__name__
    name = type(backend.model).__name__
    if name == "BPE":
        pre = type(backend.pre_tokenizer).__name__ if backend.pre_tokenizer is not None else ""
        text = repr(backend.pre_tokenizer) + repr(backend.decoder)
        return "byte-level BPE" if "ByteLevel" in pre or "ByteLevel" in text else "BPE"
    if name == "Unigram":
        return "Unigram (SentencePiece)"
    return name


def _model_max_length(tok: "PreTrainedTokenizerBase") -> int | None:
    n = getattr(tok, "model_max_length", None)
    return int(n) if isinstance(n, (int, float)) and n < REASONABLE_MODEL_MAX else None


def special_tokens(tok: "PreTrainedTokenizerBase") -> dict[str, Any]:
    """The special-tokens map with ids, plus the other special added tokens (chat markers...)."""
    named: dict[str, dict[str, Any]] = {}
    for key in SPECIAL_NAMES:
        token = getattr(tok, key, None)
        if token:
            token = str(token)
            named[key] = {"token": token, "id": tok.convert_tokens_to_ids(token)}
    in_map = {v["token"] for v in named.values()}
    added = [
        {"token": t.content, "id": i}
        for i, t in sorted(getattr(tok, "added_tokens_decoder", {}).items())
        if getattr(t, "special", False) and t.content not in in_map
    ]
    template = getattr(tok, "chat_template", None)
    template = template if isinstance(template, str) else ""
    chat = [a["token"] for a in added if a["token"] in template] + [
        t for t in in_map if t in template
    ]
    return {
        **named,
        "additional": added[:64],
        "num_additional": len(added),
        "chat_markers": sorted(set(chat)),
        "has_chat_template": bool(template),
    }


def describe(name: str, tok: "PreTrainedTokenizerBase") -> dict[str, Any]:
    return {
        "tokenizer": name,
        "tokenizer_class": type(tok).__name__,
        "algorithm": algorithm(tok),
        "vocab_size": len(tok),
        "model_max_length": _model_max_length(tok),
        "padding_side": getattr(tok, "padding_side", "right"),
        "truncation_side": getattr(tok, "truncation_side", "right"),
        "model_input_names": list(getattr(tok, "model_input_names", [])),
        "num_special_tokens_single": tok.num_special_tokens_to_add(pair=False),
        "num_special_tokens_pair": tok.num_special_tokens_to_add(pair=True),
    }


def load(name: str) -> "PreTrainedTokenizerBase":
    """The tokenizer of a registry model that can ``tokenize`` (only via demo.models)."""
    registry.get(name, TASK)  # unknown / wrong-task names fail here with a clear message
    return models.load_tokenizer(name)


# ---------------------------------------------------------------------------
# The inspector
# ---------------------------------------------------------------------------


def _encode(
    tokenizer: str,
    text: str,
    text_pair: str | None,
    add_special_tokens: bool,
    padding: str,
    truncation: str,
    max_length: int | None,
) -> tuple[Any, dict[str, Any], list[str], list[str] | None, Any, dict[str, Any], list[str]]:
    """Check the inputs and make the one tokenizer call; (tok, info, texts, pairs, batch, settings, notices)."""
    notices: list[str] = []
    add_special_tokens = flag(add_special_tokens, "add_special_tokens")  # "false" from the API means False
    padding = _check_choice(padding, "padding", PADDING)
    truncation = _check_choice(truncation, "truncation", TRUNCATION)
    n = _check_max_length(max_length)
    texts, pairs = split_batch(text, text_pair, notices)
    tok = load(tokenizer)
    info = describe(tokenizer, tok)

    if truncation == "only_second" and pairs is None:
        raise BadInput("truncation='only_second' cuts the second text of a pair: type a text_pair, "
                       "or pick longest_first / only_first.")
    needs_length = padding == "max_length" or truncation != "do_not_truncate"
    if needs_length and n is None:
        n = info["model_max_length"]
        if n is None:
            raise BadInput(
                f"{tokenizer} has no maximum length of its own: set max_length for "
                f"padding={padding!r} / truncation={truncation!r}."
            )
        notices.append(f"max_length was not set: using the model's maximum, {n}.")
    if not needs_length and n is not None:
        notices.append(f"max_length={n} has no effect: padding is not max_length and truncation is off.")
        n = None
    if truncation != "do_not_truncate":
        specials = info["num_special_tokens_pair" if pairs else "num_special_tokens_single"] if add_special_tokens else 0
        need = specials + (2 if pairs and truncation == "longest_first" else 1)
        if n < need:
            raise BadInput(
                f"max_length={n} is impossible: {tokenizer} adds {specials} special token(s) to each "
                f"{'pair' if pairs else 'sequence'}, so nothing of the text would remain. "
                f"Use max_length ≥ {need}."
            )

    settings = {
        "add_special_tokens": add_special_tokens,
        "padding": padding,
        "truncation": truncation,
        "max_length": n,
        "batch_size": len(texts),
        "pairs": pairs is not None,
    }
    kwargs: dict[str, Any] = dict(
        add_special_tokens=add_special_tokens,
        padding=padding,
        truncation=truncation,
        max_length=n,
        return_token_type_ids=True,
        return_attention_mask=True,
    )
    try:
        with models.tokenizer_lock(tok):  # the call sets truncation/padding on the shared Rust tokenizer
            batch = tok(texts, pairs, **kwargs) if pairs is not None else tok(texts, **kwargs)
    except Exception as e:
        msg = str(e)
        if "Truncation error" in msg or "max_length" in msg:
            raise BadInput(
                f"The tokenizer refused max_length={n} with truncation={truncation!r} ({msg}). "
                "The text that may be cut is already shorter than what must go: raise max_length, "
                "or use longest_first."
            ) from e
        raise
    return tok, info, texts, pairs, batch, settings, notices


def _truncation_notice(batch: Any, settings: dict[str, Any]) -> str | None:
    """A sentence naming the sequences that truncation cut (the Rust encodings keep what overflowed), or None."""
    cut = [i + 1 for i, enc in enumerate(batch.encodings or []) if enc.overflowing]
    if not cut:
        return None
    which = ", ".join(map(str, cut[:12])) + (" …" if len(cut) > 12 else "")
    return (
        f"truncation={settings['truncation']!r} cut sequence(s) {which} to max_length={settings['max_length']} "
        "tokens: the rest of the text is not in input_ids."
    )


def inspect(
    tokenizer: str,
    text: str,
    text_pair: str | None = None,
    add_special_tokens: bool = True,
    padding: str = "do_not_pad",
    truncation: str = "do_not_truncate",
    max_length: int | None = None,
) -> dict[str, Any]:
    """Tokenize ``text`` (one sequence per line, optionally paired with ``text_pair``) and explain it.

    Returns ``sequences`` (one dict per sequence: tokens, input_ids, attention_mask, token_type_ids,
    offsets, sequence_ids, special_tokens_mask, unk_positions), the ``special_tokens`` map, what the
    tokenizer is, the settings used, and notices. One tokenizer call: everything else is read
    from the Rust ``Encoding`` it returns. The decode round trip is :func:`round_trip`.
    """
    tok, info, texts, pairs, batch, settings, notices = _encode(
        tokenizer, text, text_pair, add_special_tokens, padding, truncation, max_length
    )
    n = settings["max_length"]
    uses_type_ids = "token_type_ids" in info["model_input_names"]
    unk_id = tok.unk_token_id
    special_ids = set(tok.all_special_ids)
    sequences = []
    for i, enc in enumerate(batch.encodings):  # the Rust Encodings: tokens, offsets... at no extra cost
        ids: list[int] = batch["input_ids"][i]
        mask: list[int] = batch["attention_mask"][i]
        sequences.append(
            {
                "text": texts[i],
                "text_pair": pairs[i] if pairs is not None else None,
                "tokens": enc.tokens,
                "input_ids": ids,
                "attention_mask": mask,
                "token_type_ids": batch["token_type_ids"][i],
                "offsets": enc.offsets,  # (start, end) in text or text_pair, see sequence_ids
                "sequence_ids": enc.sequence_ids,  # 0: text, 1: text_pair, None: special / padding
                "special_tokens_mask": [1 if t in special_ids else 0 for t in ids],
                "unk_positions": [j for j, t in enumerate(ids) if t == unk_id] if unk_id is not None else [],
                "num_tokens": sum(mask),
                "length": len(ids),
            }
        )

    limit = info["model_max_length"]
    for i, seq in enumerate(sequences):
        if limit is not None and seq["num_tokens"] > limit:
            notices.append(
                f"Sequence {i + 1} has {seq['num_tokens']:,} tokens but the model accepts at most {limit}: "
                "set truncation (e.g. longest_first) and max_length, or the model will fail on it."
            )
        if padding_is_max(settings) and n is not None and seq["length"] > n:
            notices.append(
                f"Sequence {i + 1} has {seq['length']} tokens, more than max_length={n}: padding never "
                "cuts — set truncation to make every sequence exactly max_length long."
            )
        if seq["unk_positions"]:
            notices.append(
                f"Sequence {i + 1}: {len(seq['unk_positions'])} token(s) became {tok.unk_token} — "
                "the vocabulary has no pieces for them, so that information is lost."
            )
    if not uses_type_ids:
        notices.append(
            f"{tokenizer} does not feed token_type_ids to its model "
            f"(it takes {', '.join(info['model_input_names'])}): they are shown as the tokenizer "
            "computes them, but the model never sees them."
        )

    return {
        **info,
        "settings": settings,
        "sequences": sequences,
        "special_tokens": special_tokens(tok),
        "num_unk": sum(len(s["unk_positions"]) for s in sequences),
        "token_type_ids_used_by_model": uses_type_ids,
        "truncation_notice": _truncation_notice(batch, settings),
        "notices": notices,
    }


def padding_is_max(settings: dict[str, Any]) -> bool:
    return settings["padding"] == "max_length" and settings["truncation"] == "do_not_truncate"


def _lowercases(tok: Any) -> bool:
    """Whether the tokenizer itself lower-cases (an uncased model), tried on its own output."""
    ids = tok("ABC xyz", add_special_tokens=False)["input_ids"]
    return "ABC" not in tok.decode(ids) and "abc" in tok.decode(ids).lower()


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _round_trip_why(tok: Any, ids: list[int], original: str, decoded: str, skipped: str,
                    settings: dict[str, Any]) -> str:
    """What really made decode(encode(text)) differ from the text, tried cause by cause on this tokenizer:
    special tokens typed in the text (skip_special_tokens drops them), [UNK], truncation, lower-casing,
    accents, spaces; otherwise where the two first differ."""
    causes: list[str] = []
    ref = original
    typed = sorted({t for t in tok.all_special_tokens if t and t in original and t not in skipped}, key=len,
                   reverse=True)
    if typed:
        many = len(typed) > 1
        back = f" decode(…, skip_special_tokens=False) keeps {'them' if many else 'it'}" + (
            " and gives the input back." if decoded == original else ".")
        causes.append(f"the text contains {'special tokens' if many else 'a special token'} typed as text "
                      f"({', '.join(typed)}): {'each' if many else 'it'} became one special id, and "
                      f"skip_special_tokens=True removed {'them' if many else 'it'};{back}")
        for t in typed:
            ref = ref.replace(t, "")
    if skipped != ref:
        unk_id = tok.unk_token_id
        if unk_id is not None and unk_id in ids:
            causes.append(f"{tok.unk_token} replaced text the vocabulary cannot spell: it cannot be decoded back.")
        elif len(skipped) < len(ref.strip()) and settings["truncation"] != "do_not_truncate":
            causes.append("truncation cut the text.")
        elif _squeeze(skipped) == _squeeze(ref):
            causes.append("only spaces differ: the tokenizer's normalisation or decode's "
                          "clean_up_tokenization_spaces moved or dropped spaces (e.g. around punctuation).")
        elif _squeeze(skipped) == _squeeze(ref).lower() and _lowercases(tok):
            causes.append("the tokenizer lower-cases (an uncased model): case is lost.")
        elif _squeeze(skipped) == _squeeze(_strip_accents(ref)).lower() and _lowercases(tok):
            causes.append("the tokenizer lower-cases and strips accents (an uncased model).")
        elif _squeeze(skipped) == _squeeze(_strip_accents(ref)):
            causes.append("the tokenizer strips accents.")
        else:
            at = next((i for i, (a, b) in enumerate(zip(ref, skipped)) if a != b), min(len(ref), len(skipped)))
            causes.append(f"the tokenizer's normalisation changed the text: from character {at} the input reads "
                          f"{ref[at:at + 12]!r} and the decoded text {skipped[at:at + 12]!r}.")
    return " ".join(c[0].upper() + c[1:] for c in causes)


def round_trip(
    tokenizer: str,
    text: str,
    text_pair: str | None = None,
    add_special_tokens: bool = True,
    padding: str = "do_not_pad",
    truncation: str = "do_not_truncate",
    max_length: int | None = None,
) -> dict[str, Any]:
    """Encode as :func:`inspect` does, then decode each sequence with and without skip_special_tokens.

    ``identical`` says whether decoding gives back the input; when it does not, ``why`` says what
    the tokenizer changed (lower-casing, accents, [UNK], truncation, spaces).
    """
    tok, info, texts, pairs, batch, settings, notices = _encode(
        tokenizer, text, text_pair, add_special_tokens, padding, truncation, max_length
    )
    out = []
    for i, ids in enumerate(batch["input_ids"]):
        decoded = tok.decode(ids, skip_special_tokens=False)
        skipped = tok.decode(ids, skip_special_tokens=True)
        original = texts[i] if pairs is None else f"{texts[i]} {pairs[i]}"
        identical = skipped == original
        why = "" if identical else _round_trip_why(tok, ids, original, decoded, skipped, settings)
        out.append(
            {
                "input_ids": ids,
                "decoded": decoded,
                "decoded_skip_special": skipped,
                "identical": identical,
                "why": why,
            }
        )
    return {"tokenizer": tokenizer, "settings": settings, "sequences": out,
            "truncation_notice": _truncation_notice(batch, settings), "notices": notices}


def compare(tokenizers: list[str], text: str) -> dict[str, Any]:
    """How many tokens each tokenizer makes of the same text (no special tokens), side by side.

    A tokenizer that is not on this machine gets a row saying how to fetch it; the comparison
    fails only if none of them can be loaded.
    """
    if isinstance(tokenizers, str):
        tokenizers = [tokenizers]
    if not tokenizers:
        raise BadInput("Pick at least one tokenizer to compare.")
    if not isinstance(text, str) or not text.strip():
        raise BadInput("The text is empty: type a sentence to compare tokenizers on.")
    notices: list[str] = []
    text = _cap(text, "text", notices)
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for name in dict.fromkeys(tokenizers):  # keep order, drop duplicates
        try:
            tok = load(name)
        except DemoError as e:
            errors.append(str(e))
            rows.append({"tokenizer": name, "available": False, "error": str(e)})
            continue
        with models.tokenizer_lock(tok):
            enc = tok(text, add_special_tokens=False)
        ids = enc["input_ids"]
        unk = tok.unk_token_id
        rows.append(
            {
                "tokenizer": name,
                "available": True,
                "algorithm": algorithm(tok),
                "vocab_size": len(tok),
                "num_tokens": len(ids),
                "num_unk": sum(1 for t in ids if t == unk) if unk is not None else 0,
                "chars_per_token": round(len(text) / len(ids), 2) if ids else None,
                "tokens": enc.tokens()[:40],
            }
        )
    if not any(r["available"] for r in rows):
        raise DemoError(" ".join(errors))
    return {"text_chars": len(text), "counts": rows, "notices": notices}
