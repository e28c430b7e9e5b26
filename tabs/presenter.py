"""Presenter mode: the app readable from the back of a classroom (a toggle, or ``?present=1`` in the link).

It is all in the browser, no server round trip: the toggle (and the link's ``present`` parameter, read
on page load) puts the class ``tc-present`` on ``<body>``; assets/style.css makes token chips, tables,
Markdown and plots larger under it and hides helper text and the Raw output panels. Plot fonts are
scaled through plotly itself (``Plotly.relayout``), so that axes and margins make room for the bigger
text; a figure that arrives later (a new result) is scaled as it is drawn.
"""

from __future__ import annotations

import gradio as gr

CLASS = "tc-present"  # on <body> while presenting; assets/style.css styles everything under it
PARAM = "present"  # ?present=1 (also true/yes/on); tabs/links.py passes it through
PLOT_SCALE = 1.5  # plot fonts grow by this factor

# Defines window.tcPresent(on) once (the first call of either event), then applies ``on``.
_SETUP = """
if (!window.tcPresent) {
  const scalePlot = (div, on) => {
    const lay = div.layout;
    if (!window.Plotly || !lay || !div._fullLayout) return;
    if (on && lay._tcBase === undefined) {  // a new layout (Gradio's Plotly.react): not scaled yet
      const base = div._fullLayout.font.size;
      const title = lay.title && lay.title.font && lay.title.font.size;
      lay._tcBase = base;
      lay._tcTitle = title || null;
      const upd = {'font.size': Math.round(base * %(scale)s)};
      if (title) upd['title.font.size'] = Math.round(title * %(scale)s);
      window.Plotly.relayout(div, upd);
    } else if (!on && lay._tcBase !== undefined) {
      const upd = {'font.size': lay._tcBase};
      if (lay._tcTitle) upd['title.font.size'] = lay._tcTitle;
      delete lay._tcBase; delete lay._tcTitle;
      window.Plotly.relayout(div, upd);
    }
  };
  const scaleAll = () => {
    const on = document.body.classList.contains('%(cls)s');
    document.querySelectorAll('.js-plotly-plot').forEach((div) => scalePlot(div, on));
  };
  let pending = null;
  new MutationObserver(() => {  // plots drawn or redrawn later: scale them as they appear
    if (pending === null) pending = setTimeout(() => { pending = null; scaleAll(); }, 150);
  }).observe(document.body, {childList: true, subtree: true});
  window.tcPresent = (on) => {
    document.body.classList.toggle('%(cls)s', !!on);
    scaleAll();
    return !!on;
  };
}
""" % {"cls": CLASS, "scale": PLOT_SCALE}

# the toggle: apply its value (js only: no request reaches the server)
TOGGLE_JS = "(on) => {" + _SETUP + "return window.tcPresent(on); }"
# page load: ?present=1 turns presenter mode on and ticks the toggle
LOAD_JS = ("() => {" + _SETUP + "const v = (new URLSearchParams(window.location.search).get('%s') || '').toLowerCase();"
           " return window.tcPresent(['1', 'true', 'yes', 'on'].includes(v)); }" % PARAM)


def build(demo: gr.Blocks) -> gr.Checkbox:
    """The presenter-mode toggle (place it where it is created) and its wiring to the page load."""
    toggle = gr.Checkbox(value=False, label="Presenter mode", container=False, scale=0, min_width=170,
                         elem_id="tc-present-toggle")
    toggle.change(None, toggle, None, js=TOGGLE_JS, api_visibility="private")
    demo.load(None, None, toggle, js=LOAD_JS, api_visibility="private")
    return toggle
