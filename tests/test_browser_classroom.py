"""The app in front of a class, in real Chromium: presenter mode, dark-mode plots, the result in view
after a click at 1440x900, every task sub-tab visible, a phone's navigation; and a compressed page.

Screenshots: `python -m testkit.screenshots` (every tab, light and dark).
"""

from __future__ import annotations

import re
import urllib.request

import pytest

from tabs.tasks import SUB_TABS
from testkit.browser import Watch, open_tab

pytestmark = pytest.mark.browser

IDLE = "() => document.querySelectorAll('.pending, .generating, .eta-bar').length === 0"
LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture()
def open_page(browser, app_url):
    """``open_page(query, viewport)``: a fresh watched page on ``app_url + query``."""
    contexts, watches = [], []

    def make(query: str = "", viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or LAPTOP)
        contexts.append(context)
        pg = context.new_page()
        watch = Watch()
        watch.attach(pg)
        watches.append(watch)
        pg.goto(app_url + query)
        pg.get_by_text("Transformers Classroom").first.wait_for()
        return pg

    yield make
    for c in contexts:
        c.close()
    for w in watches:
        assert not w.external_requests and not w.dialogs and not w.console_errors, (
            w.external_requests[:3], w.dialogs, w.console_errors[:3])


def _run(pg, button: str) -> None:
    pg.get_by_role("button", name=button, exact=True).locator("visible=true").first.click()
    pg.wait_for_timeout(300)
    pg.wait_for_function(IDLE, timeout=90_000)


def _font_px(pg, selector: str) -> float:
    loc = pg.locator(selector).locator("visible=true").first
    loc.wait_for()
    return float(loc.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


# ---- presenter mode ----

def test_presenter_mode_makes_chips_tables_and_text_larger_and_hides_raw_output(open_page):
    sizes = {}
    for query in ("", "?present=1"):
        pg = open_page(query)
        _run(pg, "Tokenize")
        pg.locator(".tc-tokens .tc-chip").first.wait_for()
        sizes[query] = {
            "chip": _font_px(pg, ".tc-tokens .tc-chip"),
            "table cell": _font_px(pg, "table td"),
            "markdown": _font_px(pg, ".prose p"),
        }
        raw = pg.locator(".tc-raw").locator("visible=true").count()
        info = pg.locator(".info-text").locator("visible=true").count()
        toggle = pg.get_by_label("Presenter mode")
        if query:
            assert raw == 0 and info == 0, "presenter mode still shows Raw output panels / helper text"
            assert toggle.is_checked(), "?present=1 did not tick the toggle"
        else:
            assert raw > 0 and info > 0 and not toggle.is_checked()
    for what, normal in sizes[""].items():
        assert sizes["?present=1"][what] >= 1.5 * normal, (what, normal, sizes["?present=1"][what])


def test_presenter_toggle_scales_plot_fonts_and_back(open_page):
    pg = open_page()
    open_tab(pg, "Embeddings")
    _run(pg, "Compare")
    tick = ".js-plotly-plot .xtick text"
    pg.locator(tick).first.wait_for()
    normal = _font_px(pg, tick)
    pg.get_by_label("Presenter mode").check()
    pg.wait_for_function(f"() => parseFloat(getComputedStyle(document.querySelector('{tick}')).fontSize) >= "
                         f"{1.5 * normal - 0.01}", timeout=10_000)
    assert pg.evaluate("document.body.classList.contains('tc-present')")
    pg.get_by_label("Presenter mode").uncheck()
    pg.wait_for_function(f"() => Math.abs(parseFloat(getComputedStyle(document.querySelector('{tick}')).fontSize)"
                         f" - {normal}) < 0.01", timeout=10_000)
    assert not pg.evaluate("document.body.classList.contains('tc-present')")


# ---- dark mode: plot text ----

CONTRAST_JS = """
() => {
  const rgb = (c) => { const m = c.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      if (e instanceof SVGElement && e.tagName !== 'svg') continue;
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255};
  };
  const out = [];
  document.querySelectorAll('.js-plotly-plot .main-svg text').forEach((t) => {
    if (t.closest('.hoverlayer') || !t.textContent.trim() || !t.getBBox().width) return;
    const fg = lum(rgb(getComputedStyle(t).fill)), bg = lum(background(t));
    out.push({text: t.textContent, ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)});
  });
  return out;
}
"""


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_plot_text_has_contrast_in_both_themes(open_page, theme):
    pg = open_page(f"?__theme={theme}")
    assert pg.evaluate("document.body.classList.contains('dark')") == (theme == "dark")
    open_tab(pg, "Embeddings")
    _run(pg, "Compare")
    pg.locator(".js-plotly-plot .xtick text").first.wait_for()
    texts = pg.evaluate(CONTRAST_JS)
    assert len(texts) > 10
    low = [t for t in texts if t["ratio"] < 4.5]
    assert not low, f"{theme}: plot text below 4.5:1: {low[:5]}"
    papers = pg.evaluate("() => [...document.querySelectorAll('.js-plotly-plot svg.main-svg')]"
                         ".map(s => getComputedStyle(s).backgroundColor)")
    assert all(c in ("rgba(0, 0, 0, 0)", "transparent") for c in papers), f"a plot paints its own paper: {papers}"


# ---- the result in view at 1440x900 ----

def _in_view(pg, selector: str) -> None:
    loc = pg.locator(selector).locator("visible=true").first
    loc.wait_for()
    box = loc.bounding_box()
    scroll = pg.evaluate("window.scrollY")
    assert box is not None and 0 <= box["y"] and box["y"] + min(box["height"], 120) <= LAPTOP["height"], (
        f"{selector} at y={box and box['y']:.0f} (scrolled {scroll}) is not inside the 1440x900 viewport")


def test_tokenizer_result_in_view_after_the_click(open_page):
    pg = open_page()
    _run(pg, "Tokenize")
    _in_view(pg, ".tc-tokens")


def test_embeddings_result_in_view_after_the_click(open_page):
    pg = open_page()
    open_tab(pg, "Embeddings")
    _run(pg, "Compare")
    _in_view(pg, "h3:has-text('in sentence A vs sentence B'), h2:has-text('in sentence A vs sentence B'), "
                 "strong:has-text('in sentence A vs sentence B')")
    _in_view(pg, ".js-plotly-plot")


# ---- navigation ----

def test_every_task_sub_tab_visible_at_1440(open_page):
    pg = open_page()
    pg.get_by_role("tab", name="Tasks", exact=True).click()
    for t in SUB_TABS:
        tab = pg.get_by_role("tab", name=t.TITLE, exact=True)
        assert tab.is_visible(), f"sub-tab {t.TITLE!r} is hidden (behind the '…' menu?)"
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"]
    menus = pg.get_by_role("button", name="More tabs").locator("visible=true")
    assert menus.count() == 0, "a tab row still overflows into a '…' menu at 1440"


def test_phone_can_reach_every_tab(open_page):
    from tabs import TABS

    pg = open_page(viewport=PHONE)
    assert pg.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "the page scrolls sideways"
    for t in TABS:
        open_tab(pg, t.TITLE)
        selected = pg.locator("[role=tab][aria-selected=true]").locator("visible=true").first
        assert selected.inner_text().strip() == t.TITLE
    open_tab(pg, "Tasks")
    for t in SUB_TABS:
        open_tab(pg, t.TITLE)


# ---- compression ----

def _get(url: str) -> tuple[dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, br"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return {k.lower(): v for k, v in r.headers.items()}, r.read()


def test_page_config_and_assets_are_served_compressed(app_url):
    headers, body = _get(app_url)
    assert headers.get("content-encoding") in ("gzip", "br"), headers
    import gzip

    page = gzip.decompress(body).decode() if headers["content-encoding"] == "gzip" else None
    assert page is None or "Transformers Classroom" in page
    headers, _ = _get(app_url.rstrip("/") + "/config")
    assert headers.get("content-encoding") in ("gzip", "br"), headers
    assets = re.findall(r'(?:src|href)="[./]*(assets/[^"]+\.(?:js|css))"', page or "")
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets), assets[:5]
    for asset in [a for a in assets if a.endswith(".js")][:1] + [a for a in assets if a.endswith(".css")][:1]:
        headers, _ = _get(app_url.rstrip("/") + "/" + asset)
        assert headers.get("content-encoding") in ("gzip", "br"), (asset, headers)
