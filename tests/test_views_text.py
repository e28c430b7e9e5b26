"""What the tabs put in front of people shows text as typed: never as markup, never as &entities;."""

from __future__ import annotations

import json

from demo import decoding, embeddings
from demo.tasks import fill_mask
from tabs import decoding_tab, embeddings_tab
from tabs.common import code, plot_text
from tabs.tasks.fill_mask import predictions_figure

XSS = '<b>bold</b><a href="http://evil.example">link</a><img src=x onerror=alert(1)>'


def _figure_strings(fig) -> str:
    return json.dumps(fig.to_plotly_json()["data"]) + json.dumps(fig.to_plotly_json()["layout"])


def test_plot_text_keeps_quotes_and_turns_tags_into_text():
    assert plot_text('<b>"don\'t"</b> & co') == '&lt;b&gt;"don\'t"&lt;/b&gt; &amp; co'


def test_code_spans_hold_the_raw_text():
    """Markdown shows a code span literally: an escaped entity would be shown as '&lt;mask&gt;'."""
    assert code("<mask>") == "`<mask>`"
    assert code("don't") == "`don't`"
    assert code("a`b") == "`aˋb`"  # a backtick cannot end the span early


def test_embeddings_charts_show_html_in_sentences_as_text():
    more = f"label {XSS} | python in a sentence with {XSS}"
    r = embeddings.compare("tiny-bert", "python", f"python {XSS}", "my python code", more)
    for fig in (embeddings_tab._line_plot(r), embeddings_tab._heat_map(r), embeddings_tab._pca_plot(r)):
        strings = _figure_strings(fig)
        assert "<b>" not in strings and "<a href" not in strings and "<img" not in strings
    assert "&lt;b&gt;bold" in _figure_strings(embeddings_tab._pca_plot(r))


def test_fill_mask_bars_keep_predictions_apart_and_escaped():
    r = fill_mask.run("tiny-bert", f"{XSS} the [MASK] .", 10)
    fig = predictions_figure(r)
    labels = fig.data[0].y
    assert len(set(labels)) == len(labels) == 10  # one bar per prediction, even if two read the same
    assert "<b>" not in _figure_strings(fig)


def test_decoding_step_chart_labels_are_unique_and_escaped():
    r = decoding.decode("tiny-gpt2", f"{XSS} hello", max_new_tokens=3)
    fig = decoding_tab._step_figure(r, 0, 0)
    labels = fig.data[0].y
    assert len(set(labels)) == len(labels)
    assert "<b>" not in _figure_strings(decoding_tab._beam_figure(r))
