"""Token chips: the one renderer every tab uses to show tokens (classes only; colours in assets/style.css).

A chip is one token: its text (escaped), an optional id underneath, a tooltip, and a *kind* — a CSS
modifier that says what the token is (``tc-chip--<kind>``). The palette lives once in
``assets/style.css`` as custom properties, with a ``.dark`` variant (Gradio puts ``dark`` on
``<body>`` in dark mode); nothing here writes a colour.

    chips(["[CLS]", "i", "love"], ids=[101, 1045, 2293], kinds=["special", "seg-a", "seg-a"])
    chip("nl", "c2", title="#3 'nl' id 17953")        # one chip, e.g. inside running text
    legend([("mask", "[MASK] 80 %"), ("random", "random 10 %")])
"""

from __future__ import annotations

from typing import Iterable, Sequence

from tabs.common import escape

# What a chip can be. Each name is a class tc-chip--<name> in assets/style.css (tests/test_chips.py checks).
KINDS = (
    "plain",  # an ordinary token
    "seg-a",  # sentence A: token_type_id 0 / the first text
    "seg-b",  # sentence B: token_type_id 1 / text_pair
    "special",  # [CLS], [SEP], <s>, padding …: added by the tokenizer
    "mask",  # a [MASK] position (fill-mask input, MLM's 80 %)
    "random",  # MLM: replaced by a random token (10 %)
    "unchanged",  # MLM: picked but left as it is (10 %)
    "generated",  # produced by the model (generate, decoder output)
    "unk",  # the vocabulary could not spell it ([UNK])
    "new",  # WordPiece: a token made by a merge
    "c0", "c1", "c2", "c3", "c4", "c5",  # a rotating palette: neighbouring tokens over running text
    "empty",  # modifier: a token that covers no character (drawn as a thin bar)
)
OVER_TEXT = tuple(f"c{i}" for i in range(6))
SEGMENT_KINDS = {0: "seg-a", 1: "seg-b"}


def classes(kind: str) -> str:
    """``"seg-a"`` → ``"tc-chip tc-chip--seg-a"``; several space-separated kinds combine."""
    names = kind.split() or ["plain"]
    unknown = [k for k in names if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown chip kind(s) {unknown}: use one of {', '.join(KINDS)} (tabs/chips.py)")
    return "tc-chip " + " ".join(f"tc-chip--{k}" for k in names)


def chip(text: str, kind: str = "plain", *, title: str = "", token_id: int | None = None) -> str:
    """One token as a chip; ``token_id`` (if given) is shown under the text."""
    tip = f' title="{escape(title)}"' if title else ""
    if token_id is None:
        return f'<span class="{classes(kind)}"{tip}>{escape(text)}</span>'
    return (
        f'<span class="{classes(kind)} tc-chip--with-id"{tip}><span class="tc-chip-text">{escape(text)}</span>'
        f'<span class="tc-chip-id">{escape(token_id)}</span></span>'
    )


def chips(
    tokens: Sequence[str],
    ids: Sequence[int] | None = None,
    kinds: Sequence[str] | str | None = None,
    titles: Sequence[str] | None = None,
    caption: str = "",
) -> str:
    """A row of chips in a ``tc-chips`` block.

    ``kinds``: one kind for all, or one per token (see :data:`KINDS`; :func:`position_kinds` builds
    the usual list). ``titles``: one tooltip per token. ``caption`` is HTML shown above the chips,
    built by the caller (escape what is user-supplied in it); the tokens and titles are escaped here.
    """
    n = len(tokens)
    per_token = [kinds or "plain"] * n if kinds is None or isinstance(kinds, str) else list(kinds)
    tips = list(titles) if titles is not None else [""] * n
    numbers = list(ids) if ids is not None else [None] * n
    if not (len(per_token) == len(tips) == len(numbers) == n):
        raise ValueError(
            f"chips(): {n} tokens but {len(numbers)} ids, {len(per_token)} kinds, {len(tips)} titles"
        )
    rows = zip(tokens, numbers, per_token, tips, strict=True)
    body = "".join(chip(t, k, title=tip, token_id=i) for t, i, k, tip in rows)
    head = f'<div class="tc-chips-caption">{caption}</div>' if caption else ""
    return f'<div class="tc-chips">{head}{body}</div>'


def legend(items: Iterable[tuple[str, str]]) -> str:
    """A key to the colours: one sample chip per (kind, label)."""
    return '<div class="tc-legend">' + " ".join(chip(label, kind, title=label) for kind, label in items) + "</div>"


def position_kinds(
    tokens: Sequence[str],
    *,
    highlight: Iterable[int] = (),
    generated_from: int | None = None,
    segments: Sequence[int | None] | None = None,
    special: Iterable[str] = (),
) -> list[str]:
    """One kind per token, first rule that applies: a highlighted position (``mask``), a generated
    token (position ≥ ``generated_from``), a special token (by text), its segment (0 → ``seg-a``,
    1 → ``seg-b``; ``None`` → ``special``), else ``seg-a``."""
    marked, specials = set(highlight), set(special)
    kinds = []
    for i, t in enumerate(tokens):
        if i in marked:
            kinds.append("mask")
        elif generated_from is not None and i >= generated_from:
            kinds.append("generated")
        elif t in specials:
            kinds.append("special")
        elif segments is not None and i < len(segments):
            kinds.append(SEGMENT_KINDS.get(segments[i], "special"))  # type: ignore[arg-type]
        else:
            kinds.append("seg-a")
    return kinds
