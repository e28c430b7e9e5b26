"""WordPiece, trained by hand, step by step (Hugging Face course, chapter 6).

The WordPiece part of the course notes on BERT (embeddings, WordPiece, MLM, NSP) follows that chapter.

This module *is* the lesson, so it follows the course's code closely:

1. pre-tokenize the corpus into words (bert-base-cased's pre-tokenizer: ``BertPreTokenizer``,
   which splits on whitespace and punctuation) and count each word;
2. the alphabet: every first letter as is, every other letter with a ``##`` prefix;
3. split every word into letters and score every adjacent pair
   ``score = freq(pair) / (freq(first) x freq(second))``;
4. merge the best pair everywhere (``a`` + ``##b`` -> ``ab``), add it to the vocabulary,
   and repeat 3-4 until the vocabulary has ``vocab_size`` tokens;
5. tokenize a word by the longest match first; a word that cannot be matched is ``[UNK]``.

At every step we also record the pair that frequency-only BPE would have merged
(the most frequent pair), which is the one difference between the two algorithms.
The result is checked against the ``tokenizers`` library's WordPiece model.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from demo.errors import BadInput
from demo.inputs import whole_number

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# The Hugging Face course's corpus (chapter 6), as in the course notes on BERT.
DEFAULT_CORPUS = "\n".join(
    [
        "This is the Hugging Face course.",
        "This chapter is about tokenization.",
        "This section shows several tokenizer algorithms.",
        "Hopefully, you will be able to understand how they are trained and generate tokens.",
    ]
)
DEFAULT_TEXT = "This is the Hugging Face course!"
DEFAULT_VOCAB_SIZE = 70

MAX_CORPUS_CHARS = 20_000  # training is pure Python: keep a step-through fast
MAX_VOCAB_SIZE = 1_000
MAX_TEXT_CHARS = 2_000
TABLE_ROWS = 12  # pairs shown per step (best first); the first step keeps every pair

Pair = tuple[str, str]


def pre_tokenize(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Words with offsets, as bert-base-cased's pre-tokenizer splits them (no lower-casing)."""
    from tokenizers.pre_tokenizers import BertPreTokenizer

    return BertPreTokenizer().pre_tokenize_str(text)


def word_frequencies(corpus: list[str]) -> dict[str, int]:
    """How often each pre-tokenized word occurs (in first-seen order, as the course's defaultdict)."""
    word_freqs: dict[str, int] = defaultdict(int)
    for text in corpus:
        for word, _offsets in pre_tokenize(text):
            word_freqs[word] += 1
    return dict(word_freqs)


def build_alphabet(word_freqs: dict[str, int]) -> list[str]:
    """First letters as they are, the other letters with '##' (sorted)."""
    alphabet: list[str] = []
    for word in word_freqs:
        if word[0] not in alphabet:
            alphabet.append(word[0])
        for letter in word[1:]:
            if f"##{letter}" not in alphabet:
                alphabet.append(f"##{letter}")
    alphabet.sort()
    return alphabet


def initial_splits(word_freqs: dict[str, int]) -> dict[str, list[str]]:
    """Every word as its letters: 'about' -> ['a', '##b', '##o', '##u', '##t']."""
    return {word: [c if i == 0 else f"##{c}" for i, c in enumerate(word)] for word in word_freqs}


def pair_frequencies(
    word_freqs: dict[str, int], splits: dict[str, list[str]]
) -> tuple[dict[str, int], dict[Pair, int]]:
    """(frequency of every token, frequency of every adjacent pair), weighted by word frequency."""
    letter_freqs: dict[str, int] = defaultdict(int)
    pair_freqs: dict[Pair, int] = defaultdict(int)
    for word, freq in word_freqs.items():
        split = splits[word]
        if len(split) == 1:
            letter_freqs[split[0]] += freq
            continue
        for i in range(len(split) - 1):
            pair = (split[i], split[i + 1])
            letter_freqs[split[i]] += freq
            pair_freqs[pair] += freq
        letter_freqs[split[-1]] += freq
    return dict(letter_freqs), dict(pair_freqs)


def compute_pair_scores(letter_freqs: dict[str, int], pair_freqs: dict[Pair, int]) -> dict[Pair, float]:
    """score = freq(pair) / (freq(first) x freq(second)): rare parts that always go together win."""
    return {pair: freq / (letter_freqs[pair[0]] * letter_freqs[pair[1]]) for pair, freq in pair_freqs.items()}


def first_max(values: dict[Pair, float] | dict[Pair, int]) -> tuple[Pair, float]:
    """The first pair with the highest value (ties go to the earliest pair, like the course's loop)."""
    best_pair: Pair | None = None
    best: float | None = None
    for pair, value in values.items():
        if best is None or best < value:
            best_pair, best = pair, value
    assert best_pair is not None and best is not None
    return best_pair, best


def merged_token(a: str, b: str) -> str:
    """'a' + '##b' -> 'ab'; '##a' + '##b' -> '##ab'."""
    return a + b[2:] if b.startswith("##") else a + b


def merge_pair(a: str, b: str, word_freqs: dict[str, int], splits: dict[str, list[str]]) -> list[str]:
    """Merge every occurrence of (a, b) in place; returns the words that changed."""
    changed = []
    for word in word_freqs:
        split = splits[word]
        if len(split) == 1:
            continue
        i = 0
        touched = False
        while i < len(split) - 1:
            if split[i] == a and split[i + 1] == b:
                split = split[:i] + [merged_token(a, b)] + split[i + 2 :]
                touched = True
            else:
                i += 1
        if touched:
            splits[word] = split
            changed.append(word)
    return changed


MAX_INPUT_CHARS_PER_WORD = 100  # as BERT's WordPiece (tokenizers' max_input_chars_per_word)


def encode_word(word: str, vocab: set[str] | list[str]) -> list[str]:
    """Longest match first; a word with any part that is not in the vocabulary is one [UNK].

    The course's loop, plus the library's one extra rule: a word longer than 100 characters is
    [UNK] outright (the search is quadratic in the word's length)."""
    if len(word) > MAX_INPUT_CHARS_PER_WORD:
        return ["[UNK]"]
    tokens = []
    while len(word) > 0:
        i = len(word)
        while i > 0 and word[:i] not in vocab:
            i -= 1
        if i == 0:
            return ["[UNK]"]
        tokens.append(word[:i])
        word = word[i:]
        if len(word) > 0:
            word = f"##{word}"
    return tokens


def tokenize(text: str, vocab: set[str] | list[str]) -> list[dict[str, Any]]:
    """Each pre-tokenized word with its offsets and its WordPiece tokens."""
    vocab = set(vocab)
    return [
        {"word": word, "offsets": list(offsets), "tokens": encode_word(word, vocab)}
        for word, offsets in pre_tokenize(text)
    ]


def library_tokens(text: str, vocab: list[str]) -> list[str]:
    """The same vocabulary in the `tokenizers` library's WordPiece model (the check on our code)."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tok.encode(text, add_special_tokens=False).tokens


def _corpus_lines(corpus: str) -> list[str]:
    if not isinstance(corpus, str) or not corpus.strip():
        raise BadInput("The corpus is empty: type a few sentences (one per line) to train on.")
    if len(corpus) > MAX_CORPUS_CHARS:
        raise BadInput(
            f"The corpus has {len(corpus):,} characters; the step-by-step trainer takes at most "
            f"{MAX_CORPUS_CHARS:,}. Use a shorter corpus (a few paragraphs show every idea)."
        )
    return [line for line in corpus.splitlines() if line.strip()]


def _check_vocab_size(vocab_size: Any) -> int:
    size = whole_number(vocab_size, "vocab_size")
    if not 1 <= size <= MAX_VOCAB_SIZE:
        raise BadInput(f"vocab_size must be between 1 and {MAX_VOCAB_SIZE} (got {size}).")
    return size


def _table(
    pair_freqs: dict[Pair, int], letter_freqs: dict[str, int], scores: dict[Pair, float], limit: int | None
) -> list[dict[str, Any]]:
    """Score table rows, best first (stable: ties keep the course's order)."""
    pairs = sorted(scores, key=lambda p: -scores[p])
    if limit is not None:
        pairs = pairs[:limit]
    return [
        {
            "pair": list(p),
            "freq": pair_freqs[p],
            "freq_a": letter_freqs[p[0]],
            "freq_b": letter_freqs[p[1]],
            "score": scores[p],
        }
        for p in pairs
    ]


def train(corpus: str = DEFAULT_CORPUS, vocab_size: int = DEFAULT_VOCAB_SIZE, text: str = DEFAULT_TEXT) -> dict[str, Any]:
    """Train WordPiece on ``corpus`` (one text per line) up to ``vocab_size`` tokens; tokenize ``text``.

    Returns the alphabet, the word counts, every step (the pair-score table, the best pair, the
    new token, the words it changed, and the pair BPE would have merged instead), the final
    vocabulary and the tokenization of ``text`` (checked against the `tokenizers` library).
    """
    lines = _corpus_lines(corpus)
    size = _check_vocab_size(vocab_size)
    if not isinstance(text, str):
        text = ""
    if len(text) > MAX_TEXT_CHARS:
        raise BadInput(f"The text to tokenize has {len(text):,} characters; keep it under {MAX_TEXT_CHARS:,}.")

    word_freqs = word_frequencies(lines)
    if not word_freqs:
        raise BadInput("The corpus has no words after pre-tokenization: type some sentences.")
    alphabet = build_alphabet(word_freqs)
    vocab = SPECIAL_TOKENS + alphabet.copy()
    splits = initial_splits(word_freqs)
    notices: list[str] = []
    if size < len(vocab):
        notices.append(
            f"vocab_size {size} is smaller than the special tokens plus the alphabet ({len(vocab)}): "
            "no merge happens. Raise vocab_size to see training steps."
        )

    steps: list[dict[str, Any]] = []
    initial_scores: list[dict[str, Any]] = []
    while len(vocab) < size:
        letter_freqs, pair_freqs = pair_frequencies(word_freqs, splits)
        if not pair_freqs:
            notices.append(
                f"Stopped at {len(vocab)} tokens: every word of the corpus is already a single token, "
                "so there is no pair left to merge. Use a bigger corpus for a bigger vocabulary."
            )
            break
        scores = compute_pair_scores(letter_freqs, pair_freqs)
        if not steps:  # the course prints these, in this (first-seen) order
            initial_scores = [{"pair": list(p), "score": s} for p, s in scores.items()]
        best, best_score = first_max(scores)
        bpe_pair, bpe_freq = first_max(pair_freqs)
        new_token = merged_token(*best)
        changed = merge_pair(*best, word_freqs, splits)
        vocab.append(new_token)
        steps.append(
            {
                "step": len(steps) + 1,
                "pair": list(best),
                "score": best_score,
                "new_token": new_token,
                "pair_freq": pair_freqs[best],
                "freq_a": letter_freqs[best[0]],
                "freq_b": letter_freqs[best[1]],
                "num_pairs": len(scores),
                "table": _table(pair_freqs, letter_freqs, scores, TABLE_ROWS),
                "bpe_pair": list(bpe_pair),
                "bpe_freq": bpe_freq,
                "bpe_score": scores[bpe_pair],
                "bpe_agrees": bpe_pair == best,
                "changed_words": {w: list(splits[w]) for w in changed[:8]},
                "num_changed_words": len(changed),
                "vocab_size": len(vocab),
            }
        )

    words = tokenize(text, vocab) if text.strip() else []
    tokens = [t for w in words for t in w["tokens"]]
    lib = library_tokens(text, vocab) if text.strip() else []
    return {
        "corpus_lines": len(lines),
        "word_freqs": word_freqs,
        "alphabet": alphabet,
        "special_tokens": SPECIAL_TOKENS,
        "initial_vocab_size": len(SPECIAL_TOKENS) + len(alphabet),
        "initial_scores": initial_scores,
        "steps": steps,
        "vocab": vocab,
        "vocab_size": len(vocab),
        "splits": {w: list(s) for w, s in splits.items()},
        "text": text,
        "words": words,
        "tokens": tokens,
        "library_tokens": lib,
        "matches_library": lib == tokens,
        "notices": notices,
    }


def vocab_at(result: dict[str, Any], step: int) -> list[str]:
    """The vocabulary after ``step`` merges (0 = special tokens + alphabet)."""
    return list(result["vocab"][: result["initial_vocab_size"] + max(0, step)])
