"""Token chips: one renderer (tabs/chips.py) emitting classes; the palette once in assets/style.css,
readable (WCAG contrast >= 4.5:1) in the light and the dark theme; every class the tabs use is defined."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tabs import chips as ch

ROOT = Path(__file__).resolve().parent.parent
CSS = (ROOT / "assets" / "style.css").read_text(encoding="utf-8")
XSS = '<img src=x onerror=alert(1)>"\'&'
COLOUR_STYLE = re.compile(r"style\s*=\s*['\"][^'\"]*(colou?r|background|outline|#[0-9a-fA-F]{3})", re.I)


# ---------------------------------------------------------------------------
# A small CSS reader: rules, custom properties per theme, var() resolution
# ---------------------------------------------------------------------------


def _rules(css: str) -> list[tuple[list[str], dict[str, str]]]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                decls[name.strip()] = value.strip()
        out.append(([s.strip() for s in selectors.split(",")], decls))
    return out


RULES = _rules(CSS)


def _declarations(selector: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for selectors, decls in RULES:
        if selector in selectors:
            merged.update(decls)
    return merged


def _theme(dark: bool) -> dict[str, str]:
    variables = {k: v for k, v in _declarations(":root").items() if k.startswith("--")}
    if dark:
        variables.update({k: v for k, v in _declarations(".dark").items() if k.startswith("--")})
    return variables


def _resolve(value: str, variables: dict[str, str]) -> str:
    for _ in range(10):
        m = re.fullmatch(r"var\((--[\w-]+)(?:,\s*(.+))?\)", value.strip())
        if not m:
            return value.strip()
        value = variables.get(m.group(1), m.group(2) or "")
    raise AssertionError(f"var() chain too deep: {value}")


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", h), f"not a #rrggbb colour: {hex_colour}"

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: str, bg: str) -> float:
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def chip_colours(kind: str, dark: bool) -> tuple[str, str]:
    """(text, background) of a chip of ``kind``, as the browser would compute them."""
    decls = _declarations(".tc-chip") | _declarations(f".tc-chip--{kind}")
    variables = _theme(dark)
    return _resolve(decls["color"], variables), _resolve(decls["background"], variables)


COLOURED = [k for k in ch.KINDS if k != "empty"]  # "empty" only changes the shape


def test_contrast_helper_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("kind", COLOURED)
def test_every_chip_is_readable_in_both_themes(kind: str, dark: bool) -> None:
    fg, bg = chip_colours(kind, dark)
    assert contrast(fg, bg) >= 4.5, f"{kind} ({'dark' if dark else 'light'}): {fg} on {bg}"


@pytest.mark.parametrize("kind", COLOURED)
def test_the_dark_theme_has_its_own_chip_colours(kind: str) -> None:
    """Pastel chips with the dark theme's light text were blank: each chip has a dark background there."""
    light_fg, light_bg = chip_colours(kind, dark=False)
    dark_fg, dark_bg = chip_colours(kind, dark=True)
    assert dark_bg != light_bg and _luminance(dark_bg) < _luminance(light_bg)
    assert _luminance(dark_fg) > 0.5  # light text on a dark chip


def test_the_palette_is_written_once() -> None:
    """Colours live in :root / .dark custom properties; the chip rules only refer to them."""
    hexes = re.findall(r"#[0-9a-fA-F]{3,6}\b", re.sub(r"/\*.*?\*/", "", CSS, flags=re.S))
    in_palette = sum(len(re.findall(r"#[0-9a-fA-F]{3,6}\b", " ".join(d.values())))
                     for s, d in RULES if ":root" in s or ".dark" in s)
    assert len(hexes) - in_palette <= 1  # the attention frame's white: bertviz draws on white
    for selectors, decls in RULES:
        if any(s.startswith(".tc-chip--") for s in selectors):
            for prop in ("color", "background"):
                if prop in decls:
                    assert decls[prop].startswith("var(--tc-"), (selectors, prop)


# ---------------------------------------------------------------------------
# The renderer
# ---------------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.classes: set[str] = set()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "class" and value:
                self.classes.update(value.split())
            if name == "style":
                self.styles.append(value or "")

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    return p


def test_a_hostile_token_is_shown_as_text() -> None:
    html = ch.chips([XSS, "ok"], ids=[1, 2], kinds=["seg-a", "seg-b"], titles=[XSS, XSS])
    p = parse(html)
    assert "img" not in p.tags and "<img" not in html
    assert XSS in "".join(p.text)  # the browser shows exactly the token
    assert html.count('title="') == 2  # a quote in the title cannot end the attribute
    assert 'title="&lt;img src=x onerror=alert(1)&gt;&quot;&#x27;&amp;"' in html
    single = ch.chip(XSS, "special", title=XSS)
    assert "<img" not in single and parse(single).tags == ["span"]


def test_kinds_map_to_classes_and_ids_sit_under_the_token() -> None:
    html = ch.chips(["[CLS]", "i", "[MASK]"], ids=[101, 1045, 103], kinds=["special", "seg-a", "mask"],
                    caption="<b>Encoded input</b>")
    p = parse(html)
    assert {"tc-chips", "tc-chip", "tc-chip--special", "tc-chip--seg-a", "tc-chip--mask", "tc-chip--with-id",
            "tc-chip-text", "tc-chip-id", "tc-chips-caption"} <= p.classes
    assert "101" in p.text and "1045" in p.text and "b" in p.tags  # the caption is the caller's HTML
    assert 'class="tc-chip tc-chip--seg-b"' in ch.chips(["x"], kinds="seg-b")  # one kind for all
    assert ch.classes("c2 empty") == "tc-chip tc-chip--c2 tc-chip--empty"
    with pytest.raises(ValueError, match="unknown chip kind"):
        ch.chip("x", "purple")
    with pytest.raises(ValueError, match="2 tokens but 1 ids"):
        ch.chips(["a", "b"], ids=[1])


def test_no_inline_colour_anywhere_in_the_renderer() -> None:
    html = ch.chips(["a", "b"], ids=[1, 2], kinds=["unk", "generated"], titles=["t", "u"], caption="c")
    html += ch.legend([(k, k) for k in ch.KINDS])
    assert "style=" not in html
    assert "style=" not in (ROOT / "tabs" / "chips.py").read_text(encoding="utf-8").replace('"style="', "")


def test_position_kinds_follow_the_task_views_rules() -> None:
    tokens = ["[CLS]", "a", "[MASK]", "[SEP]", "b", "[SEP]", "gen"]
    kinds = ch.position_kinds(tokens, highlight=[2], generated_from=6, segments=[0, 0, 0, 0, 1, 1, 1],
                              special={"[CLS]", "[SEP]"})
    assert kinds == ["special", "seg-a", "mask", "special", "seg-b", "special", "generated"]
    # sequence_ids (None for special tokens) work too, as the encoded input of the encoder tasks gives them
    assert ch.position_kinds(["[CLS]", "x", "y"], segments=[None, 0, 1]) == ["special", "seg-a", "seg-b"]
    assert ch.position_kinds(["x"]) == ["seg-a"]


# ---------------------------------------------------------------------------
# The tabs that render chips today
# ---------------------------------------------------------------------------


def _tab_outputs() -> list[str]:
    from demo import masking, tokenizer_inspect, wordpiece
    from tabs import masking_tab, tokenizer_tab, wordpiece_tab

    r = tokenizer_inspect.inspect("tiny-bert", f"{XSS} hello\nhi", "a pair", padding="longest")
    rt = tokenizer_inspect.round_trip("tiny-bert", "hello world")
    m = masking.mask("tiny-bert", "the quick brown fox jumps over the lazy dog " * 3, 0.5, 0)
    pairs = masking.next_sentence_pairs("tiny-bert", "One sentence here. Another one there. And a third.", 0, 3)
    w = wordpiece.train("This is the Hugging Face course.\nThis chapter is about tokenization.", 40, "This is it!")
    return [
        tokenizer_tab.coloured_html(r), tokenizer_tab.batch_matrix_html(r), tokenizer_tab.round_trip_html(rt),
        masking_tab.masked_html(m), masking_tab.pairs_html(pairs),
        wordpiece_tab.alphabet_html(w), wordpiece_tab.tokens_html(w), wordpiece_tab.step_view(w, 1)[2],
    ]


def test_the_tabs_write_no_inline_colour() -> None:
    """tokenizer, MLM masking and WordPiece: classes only, so the dark theme can recolour them."""
    for html in _tab_outputs():
        assert not COLOUR_STYLE.search(html), COLOUR_STYLE.search(html).group(0)
    for name in ("tokenizer_tab.py", "masking_tab.py", "wordpiece_tab.py"):
        source = (ROOT / "tabs" / name).read_text(encoding="utf-8")
        assert "style=" not in source, name


def _defined_classes() -> set[str]:
    css = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    return set(re.findall(r"\.(tc-[\w-]+)", css))


def _classes_in_source() -> dict[str, set[str]]:
    """tc-* class names written in tabs/ (class="…" attributes and elem_classes=[…])."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "tabs").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        names: set[str] = set()
        for m in re.finditer(r"class=\\?[\"']([^\"'{}]*)", source):
            names.update(re.findall(r"tc-[\w-]+", m.group(1)))
        for m in re.finditer(r"elem_classes=\[([^\]]*)\]|elem_classes=([\"'][^\"']*[\"'])", source):
            names.update(re.findall(r"tc-[\w-]+", m.group(0)))
        if names:
            found[str(path.relative_to(ROOT))] = names
    return found


def test_every_class_the_tabs_use_is_defined_in_style_css() -> None:
    defined = _defined_classes()
    missing = {where: sorted(n - defined) for where, n in _classes_in_source().items() if n - defined}
    assert not missing, f"classes used but not defined in assets/style.css: {missing}"
    for name in ("tc-model-summary", "tc-hint", "tc-attention-empty", "tc-attention-frame"):
        assert name in defined, name
    rendered: set[str] = set()
    for html in _tab_outputs() + [ch.legend([(k, k) for k in ch.KINDS]), ch.chips(["a"], ids=[1], caption="c")]:
        rendered |= {c for c in parse(html).classes if c.startswith("tc-")}
    assert rendered - defined == set()
    assert {f"tc-chip--{k}" for k in ch.KINDS} <= defined
