"""Static vs dynamic (contextual) embeddings of one word in several sentences ("BERT: static vs contextual
embeddings, WordPiece, MLM and NSP", course notes).

- Static: the model's input-embedding row(s) for the word — a table lookup, the same in every
  sentence — and a gensim Word2Vec vector trained once on gensim's bundled ``lee_background.cor``
  (plus the app's example sentences, since that corpus never mentions "python").
- Dynamic: the word's hidden state after the embedding layer (layer 0: token + position + segment
  embeddings) and after every transformer layer, in each sentence. A word split into sub-word pieces
  is the mean of its pieces' vectors.

Preprocess (find the word's tokens through the offset mapping) → one model call over all sentences
(``output_hidden_states=True``) → postprocess to cosines, a similarity matrix and a 2D PCA.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo import inputs, models
from demo.course_texts import PYTHON_LANGUAGE, PYTHON_SNAKE
from demo.errors import BadInput

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from gensim.models import KeyedVectors

ASSETS = Path(__file__).resolve().parent.parent / "assets"
SENSES_FILE = ASSETS / "sense_sentences.txt"
MAX_SENTENCES = 40  # more lines are dropped with a notice
MAX_SENTENCE_CHARS = 20_000  # refused beyond this; longer than MAX_TOKENS is cut with a notice
MAX_TOKENS = 128  # per sentence; the word must be inside
NEIGHBOURS = 8
DIGITS = 6  # cosines are rounded: identical vectors give exactly 1.0
W2V_PARAMS = dict(vector_size=100, window=5, min_count=2, epochs=30, sg=0, seed=0, workers=1)  # CBOW: ~3 s
W2V_CORPUS = "lee_background.cor"

DEFAULT_WORD = "python"
# the notes' "Python" pair, written as their embedding code writes it (no full stop)
DEFAULT_A = PYTHON_SNAKE.rstrip(".")
DEFAULT_B = PYTHON_LANGUAGE.rstrip(".")


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def sense_sentences(word: str | None = None) -> list[dict]:
    """The bundled example sentences ("bank": river / money, "python": snake / language)."""

    def build() -> list[dict]:
        rows = []
        for line in SENSES_FILE.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                w, sense, sentence = (part.strip() for part in line.split("|", 2))
                rows.append({"word": w, "sense": sense, "sentence": sentence})
        return rows

    rows = models.memo(("sense-sentences", str(SENSES_FILE)), build, size_mb=0.05)
    return [r for r in rows if word is None or r["word"] == word.strip().lower()]


def sense_lines(word: str) -> str:
    """The bundled sentences for ``word`` in the "more sentences" format ("sense | sentence" per line)."""
    return "\n".join(f"{r['sense']} | {r['sentence']}" for r in sense_sentences(word))


def parse_more(text: str | None) -> tuple[list[tuple[str | None, str]], list[str]]:
    """Lines of "sentence" or "label | sentence" → [(label, sentence)], plus notices."""
    out: list[tuple[str | None, str]] = []
    notes: list[str] = []
    if not text:
        return out, notes
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    if len(lines) > MAX_SENTENCES:
        notes.append(f"Only the first {MAX_SENTENCES} of {len(lines)} extra sentences are used.")
        lines = lines[:MAX_SENTENCES]
    for ln in lines:
        label, sep, sentence = ln.partition("|")
        out.append((label.strip() or None, sentence.strip()) if sep else (None, ln))
    return out, notes


def _word_pattern(word: str) -> re.Pattern:
    # whole words, any case: "python" matches "Python," but not "pythonic"
    left = r"(?<!\w)" if re.match(r"\w", word) else ""
    right = r"(?!\w)" if re.search(r"\w$", word) else ""
    return re.compile(left + re.escape(word) + right, re.IGNORECASE)


def _short(s: str, n: int = 80) -> str:
    """A sentence fit for a message: control and invisible format characters dropped, cut at n."""
    s = "".join(c for c in s if unicodedata.category(c) not in ("Cc", "Cf"))
    return s if len(s) <= n else s[: n - 1] + "…"


# ---------------------------------------------------------------------------
# Word2Vec: the classic static embedding, trained once
# ---------------------------------------------------------------------------


def _stable_hash(s: str) -> int:
    """gensim seeds each word's vector with hash(word + seed); Python's hash changes per process."""
    return zlib.crc32(s.encode("utf-8"))


def _w2v_sentences() -> list[list[str]]:
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath(W2V_CORPUS), encoding="utf-8", errors="replace") as f:
        docs = [simple_preprocess(line) for line in f]
    extra = [simple_preprocess(r["sentence"]) for r in sense_sentences()]
    return docs + extra


def word2vec_counts() -> dict[str, int]:
    """How often each word occurs in the Word2Vec training corpus (few occurrences → noisy vector)."""
    from collections import Counter

    return models.memo(("word2vec-counts", W2V_CORPUS), lambda: dict(Counter(w for s in _w2v_sentences() for w in s)),
                       size_mb=2)


def word2vec() -> "KeyedVectors":
    """Word2Vec trained on lee_background.cor + the example sentences: in memory and on disk."""
    key = hashlib.sha1(
        (repr(sorted(W2V_PARAMS.items())) + W2V_CORPUS + SENSES_FILE.read_text(encoding="utf-8")).encode()
    ).hexdigest()[:12]

    def build() -> "KeyedVectors":
        from gensim.models import KeyedVectors, Word2Vec

        path = models.cache_dir() / "word2vec" / f"lee_background-{key}.bin"
        if path.exists():
            try:
                return KeyedVectors.load_word2vec_format(str(path), binary=True)
            except (OSError, ValueError, EOFError):  # a damaged file: train again
                pass
        kv = Word2Vec(_w2v_sentences(), hashfxn=_stable_hash, **W2V_PARAMS).wv
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")
        kv.save_word2vec_format(str(tmp), binary=True)
        os.replace(tmp, path)
        return kv

    return models.memo(("word2vec", key), build, size_mb=10)


# ---------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------


def _cos(a: "np.ndarray", b: "np.ndarray") -> float:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    c = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return round(max(-1.0, min(1.0, c)), DIGITS)


def _locate(tok: Any, word: str, sentence: str, where: str) -> tuple[dict, list[int]]:
    """The token positions of the first occurrence of ``word`` in ``sentence`` (BadInput if absent)."""
    m = _word_pattern(word).search(sentence)
    if not m:
        raise BadInput(
            f"The word {word!r} is not in {where}: “{_short(sentence)}”. "
            "Pick a word that appears in every sentence (whole word; case does not matter), or edit that sentence."
        )
    enc = tok(sentence, truncation=True, max_length=MAX_TOKENS, return_offsets_mapping=True,
              return_overflowing_tokens=True)
    cut = len(enc["input_ids"]) > 1  # overflowing windows beyond the first: the sentence was cut
    enc = {k: v[0] for k, v in enc.items()} | {"sequence_ids": enc.sequence_ids(0)}
    seq = enc["sequence_ids"]
    positions = [
        i
        for i, (s, e) in enumerate(enc["offset_mapping"])
        if seq[i] == 0 and e > s and s < m.end() and e > m.start()
    ]
    if not positions:
        raise BadInput(f"In {where}, {word!r} comes after the first {MAX_TOKENS} tokens: shorten that sentence.")
    ids = [enc["input_ids"][i] for i in positions]
    info = {
        "where": where,
        "sentence": sentence,
        "found": sentence[m.start() : m.end()],
        "positions": positions,
        "pieces": tok.convert_ids_to_tokens(ids),
        "piece_ids": ids,
        "cut": cut,
    }
    return info, enc["input_ids"]


def _pca2(x: "np.ndarray") -> tuple["np.ndarray", list[float]]:
    """Rows of ``x`` projected on their first two principal components, and the variance they explain."""
    import numpy as np

    centred = x - x.mean(axis=0, keepdims=True)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    var = s**2
    ratio = (var[:2] / var.sum()).tolist() if var.sum() > 0 else [0.0, 0.0]
    if coords.shape[1] < 2:  # two sentences: one component only
        coords = np.hstack([coords, np.zeros((coords.shape[0], 2 - coords.shape[1]))])
        ratio = ratio + [0.0] * (2 - len(ratio))
    return coords, [round(float(r), 4) for r in ratio]


def compare(
    model: str,
    word: str,
    sentence_a: str,
    sentence_b: str,
    more_sentences: str | None = None,
    layer: Any = -1,
) -> dict:
    """Static and contextual vectors of ``word`` in every sentence, as plain JSON-able data.

    ``layer`` picks the hidden state used for the similarity matrix and the PCA
    (0 = the embedding layer's output, -1 = the last layer).
    """
    import numpy as np
    import torch

    word = inputs.require_text(word, "word", max_chars=10_000).strip()
    if len(word) > 50 or "\n" in word or "|" in word:
        raise BadInput(
            "The word must be one word or a short phrase (up to 50 characters, one line) "
            "that appears in every sentence, e.g. 'python' or 'bank'."
        )
    a = inputs.require_text(sentence_a, "sentence_a", MAX_SENTENCE_CHARS).strip()
    b = inputs.require_text(sentence_b, "sentence_b", MAX_SENTENCE_CHARS).strip()
    extra, notes = parse_more(more_sentences)
    rows: list[tuple[str | None, str, str]] = [(None, a, "sentence_a"), (None, b, "sentence_b")]
    for i, (label, s) in enumerate(extra, start=1):
        rows.append((label, inputs.require_text(s, f"more_sentences line {i}", MAX_SENTENCE_CHARS), f"more_sentences line {i}"))

    loaded = models.load(model, "base", task="embeddings")
    tok, net = loaded.tokenizer, loaded.model

    # preprocess: where the word is in each sentence
    found, all_ids = [], []
    for _label, s, where in rows:
        info, ids = _locate(tok, word, s, where)
        found.append(info)
        all_ids.append(ids)

    # one model call (padded batch): hidden_states = embeddings output + one per layer
    with torch.no_grad():
        batch = tok([s for _l, s, _w in rows], truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt")
        out = net(**batch, output_hidden_states=True)
        hidden = torch.stack(out.hidden_states)  # (layers + 1) x sentences x T x hidden
        table = net.get_input_embeddings().weight.detach()  # vocab x hidden: the static lookup table

    # postprocess: mean of the word's pieces, per sentence and per layer
    n_states = hidden.shape[0]
    contextual = np.stack(
        [hidden[:, k, info["positions"]].mean(dim=1).float().numpy() for k, info in enumerate(found)], axis=1
    )  # (layers + 1) x sentences x hidden
    static = np.stack([table[info["piece_ids"]].mean(dim=0).float().numpy() for info in found])  # sentences x hidden

    layer_idx = inputs.require_int(layer, "layer", -n_states, n_states - 1)
    layer_idx = layer_idx % n_states
    layer_names = ["embeddings (layer 0)"] + [f"layer {i}" for i in range(1, n_states)]

    static_cos = _cos(static[0], static[1])
    contextual_cos = [_cos(contextual[k, 0], contextual[k, 1]) for k in range(n_states)]
    n = len(rows)
    sim = [[_cos(contextual[layer_idx, i], contextual[layer_idx, j]) for j in range(n)] for i in range(n)]
    static_sim = [[_cos(static[i], static[j]) for j in range(n)] for i in range(n)]
    coords, explained = _pca2(contextual[layer_idx].astype(np.float64))

    # static neighbours: the rows of the lookup table closest to the word's row
    with torch.no_grad():
        q = torch.tensor(static[0], dtype=table.dtype)
        sims = torch.nn.functional.cosine_similarity(table, q.unsqueeze(0), dim=1)
        order = torch.argsort(sims, descending=True)[: NEIGHBOURS + 40].tolist()
    special = set(tok.all_special_ids)
    own = set(found[0]["piece_ids"])
    neighbours = []
    for i in order:
        t = tok.convert_ids_to_tokens(i)
        if i in special or i in own or (t.startswith("[") and t.endswith("]")):
            continue
        neighbours.append({"token": t, "cosine": round(float(sims[i]), 4)})
        if len(neighbours) == NEIGHBOURS:
            break

    # Word2Vec: one vector per word, whatever the sentence. Each sentence looks up the word as it
    # appears there (lower-cased, as the corpus was); both lookups land on the same row, so the
    # cosine is 1.0 by construction, and the notes say so instead of presenting it as a finding
    kv = word2vec()
    w2v_word = word.lower()
    lookups = {info["where"]: info["found"].lower() for info in found[:2]}
    if all(key in kv.key_to_index for key in lookups.values()):
        w2v_cos = _cos(kv[lookups["sentence_a"]], kv[lookups["sentence_b"]])
        notes.append(
            f"Word2Vec: {w2v_word!r} has one vector whatever the sentence (a lookup by the word alone), "
            f"so its cosine between sentence A and sentence B is {w2v_cos} by construction: a static embedding "
            "ignores the context."
        )
        w2v_neighbours = [{"word": w, "cosine": round(float(c), 4)}
                          for w, c in kv.most_similar(w2v_word, topn=NEIGHBOURS)]
        seen = word2vec_counts().get(w2v_word, 0)
        if seen < 50:
            notes.append(
                f"{w2v_word!r} occurs only {seen} times in the Word2Vec corpus, so its Word2Vec neighbours are "
                "mostly noise: a static embedding is only as good as the text it was trained on."
            )
    else:
        w2v_cos, w2v_neighbours, lookups = None, [], None
        notes.append(
            f"{w2v_word!r} is not in the Word2Vec vocabulary (words seen at least "
            f"{W2V_PARAMS['min_count']} times in {W2V_CORPUS} + the example sentences), "
            "so it has no static Word2Vec vector."
        )

    cut = [info["where"] for info in found if info["cut"]]
    truncation_notice = (
        f"Cut to the first {MAX_TOKENS} tokens (the model reads each sentence up to there): {', '.join(cut)}."
        if cut else None
    )
    if truncation_notice:
        notes.append(truncation_notice)
    pooled = [info for info in found if len(info["positions"]) > 1]
    if pooled:
        ex = pooled[0]
        notes.append(
            f"{word!r} is split into {len(ex['pieces'])} pieces {ex['pieces']} in {ex['where']}: "
            "its vector is the mean of its pieces' vectors (static and contextual)."
        )
    if len({tuple(info["piece_ids"]) for info in found}) > 1:
        notes.append(
            "The tokenizer splits the word differently in some sentences (capital letters, or a leading space "
            "in byte-level BPE), so even its static vectors differ there: the lookup table has one row per token, not per word."
        )
    if static_cos == 1.0:
        notes.append("Static: the same rows of the lookup table in both sentences, so the cosine is exactly 1.0.")

    return {
        "model": loaded.spec.name,
        "word": word,
        "sentences": [
            {
                "label": label,
                "where": info["where"],
                "sentence": info["sentence"],
                "found": info["found"],
                "pieces": info["pieces"],
                "positions": info["positions"],
            }
            for (label, _s, _w), info in zip(rows, found)
        ],
        "pooled": bool(pooled),
        "static_cosine": static_cos,
        "contextual_cosine": contextual_cos,
        "word2vec_cosine": w2v_cos,
        "truncation_notice": truncation_notice,  # a sentence when a sentence was cut, else None
        "layer_names": layer_names,
        "num_layers": n_states - 1,
        "layer": layer_idx,
        "similarity": sim,
        "static_similarity": static_sim,
        "pca": {
            "layer": layer_idx,
            "explained_variance": explained,
            "points": [
                {"x": round(float(x), 4), "y": round(float(y), 4), "label": label, "sentence": s}
                for (label, s, _w), (x, y) in zip(rows, coords.tolist())
            ],
        },
        "static_neighbours": neighbours,
        "word2vec_neighbours": w2v_neighbours,
        "word2vec": {"corpus": f"gensim {W2V_CORPUS} + {SENSES_FILE.name}", "vocabulary": len(kv.key_to_index),
                     "vector_size": kv.vector_size, "word_count": word2vec_counts().get(w2v_word, 0),
                     "lookups": lookups},  # the word each of sentence A and B looked up
        "notes": notes,
    }
