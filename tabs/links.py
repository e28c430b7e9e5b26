"""Links to a state: ``/?tab=<id>&<param>=<value>…`` opens a tab, fills its inputs and shows its result.

Each tab (and task sub-tab) declares once, in its build(), which event is its main one:
``links.register("tokenizer", event, examples=ex)``. The parameter names are that event's API parameter
names (its handler's signature, as gradio_client sees them). Registering also adds the tab's **Copy link**
button and makes its examples run when clicked (the same handler and follow-up events as the button).
app.py calls ``wire(demo, notice)`` once after building: one page-load handler reads the query string,
selects the tab, fills the inputs, runs the handler exactly as a click would, and lists what it ignored
(unknown parameters, bad values) in ``notice``. No query string: it returns at once.

The registry lives on the events themselves (``BlockFunction.link``), like the lanes (``fn.lane``): no
module-level state.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import gradio as gr
from gradio.context import get_blocks_context

from demo.errors import DemoError
from demo.inputs import flag
from tabs.common import escape

PASS_THROUGH = ("present", "lang", "__theme")  # presenter mode, language, Gradio's theme: read elsewhere
TAB = "tab"


@dataclass
class Link:
    """One linkable view: its id, its main handler, its inputs by API parameter name, its outputs."""

    id: str
    fn: Callable
    inputs: dict[str, gr.components.Component]
    outputs: list
    index: int  # the main event's index in Blocks.fns
    tabs: list[tuple[gr.Tabs, Any]] = field(default_factory=list)  # (Tabs, its Tab id) from the top down
    follow: list = field(default_factory=list)  # BlockFunctions chained after the main event


def _root():
    ctx = get_blocks_context()
    if ctx is None:
        raise RuntimeError("links.register must be called inside a gr.Blocks build()")
    return ctx


def register(link_id: str, event: Any, examples: gr.Examples | None = None, prepare: Any = None,
             button: bool = True) -> None:
    """Make ``event`` (a Dependency returned by .click / gr.on) the view's link target; add its Copy link
    button here (the end of the tab; ``button=False``: a second link of a view that has one already);
    ``examples`` then run it when clicked. ``prepare``: an event whose handler must run on an example's
    values first (the decoding preset that fills the sliders)."""
    block_fn = _root().fns[event["id"]]
    block_fn.link = link_id
    block_fn.link_examples = examples
    block_fn.link_prepare = _root().fns[prepare["id"]] if prepare is not None else None
    if not button:
        return
    names = list(inspect.signature(block_fn.fn).parameters)
    with gr.Row(elem_classes=["tc-link-row"]):
        button = gr.Button("🔗 Copy link", size="sm", scale=0, min_width=130, variant="secondary")
        box = gr.Textbox(show_label=False, interactive=False, scale=4, container=False,
                         placeholder="Copy link: a link that opens this tab with these inputs and shows the result")
    defaults = {n: _default(c) for n, c in zip(names, block_fn.inputs)}
    button.click(None, block_fn.inputs, box, js=_copy_js(link_id, names, defaults))


def _default(component: Any) -> Any:
    value = getattr(component, "value", None)
    return value if isinstance(value, (str, int, float, bool, list)) or value is None else None


def _copy_js(link_id: str, names: list[str], defaults: dict) -> str:
    """Browser-side: the link from the inputs (values that differ from the defaults), copied and shown."""
    return f"""(...values) => {{
  const names = {json.dumps(names)}, defaults = {json.dumps(defaults, default=str)};
  const params = new URLSearchParams();
  params.set("tab", {json.dumps(link_id)});
  names.forEach((n, i) => {{
    const v = values[i];
    if (v === null || v === undefined || typeof v === "object" && !Array.isArray(v)) return;
    if (JSON.stringify(v) === JSON.stringify(defaults[n])) return;
    params.set(n, Array.isArray(v) ? v.join(",") : String(v));
  }});
  const here = new URLSearchParams(window.location.search);
  for (const keep of {json.dumps(list(PASS_THROUGH))}) if (here.has(keep)) params.set(keep, here.get(keep));
  const url = window.location.origin + window.location.pathname + "?" + params.toString();
  if (navigator.clipboard) navigator.clipboard.writeText(url).catch(() => {{}});
  return url;
}}"""


# --- parsing: query string → values, with a notice for everything ignored --------------------------------


def coerce(component: Any, raw: str, name: str) -> Any:
    """``raw`` (a query-string value) as the value a click would send for ``component``; DemoError if bad."""
    if isinstance(component, gr.Checkbox):
        return flag(raw, name)
    if isinstance(component, (gr.Number, gr.Slider)):
        try:
            number = float(raw)
        except ValueError:
            raise DemoError(f"{name} must be a number (got {raw[:40]!r}).") from None
        lo, hi = getattr(component, "minimum", None), getattr(component, "maximum", None)
        if number != number or (lo is not None and number < lo) or (hi is not None and number > hi):
            raise DemoError(f"{name} must be between {lo} and {hi} (got {raw[:40]!r}).")
        return component.preprocess(number)
    if isinstance(component, (gr.Dropdown, gr.Radio, gr.CheckboxGroup)):
        choices = [c[1] if isinstance(c, tuple) else c for c in component.choices]
        many = isinstance(component, gr.CheckboxGroup) or getattr(component, "multiselect", False)
        values = [v.strip() for v in raw.split(",") if v.strip()] if many else [raw]
        bad = [v for v in values if v not in choices]
        if bad and not getattr(component, "allow_custom_value", False):
            shown = ", ".join(map(str, choices[:12])) + (" …" if len(choices) > 12 else "")
            raise DemoError(f"{name}={bad[0][:60]!r} is not one of: {shown}.")
        return values if many else values[0]
    if isinstance(component, gr.Textbox):
        return raw
    raise DemoError(f"{name} cannot be set from a link.")


def parse(query: dict[str, str], links: dict[str, Link]) -> tuple[Link | None, dict[str, Any], list[str]]:
    """(the link, {parameter: value} to set, notices) for a query string; never raises."""
    notices: list[str] = []
    params = {k: v for k, v in query.items() if k not in PASS_THROUGH}
    tab = params.pop(TAB, None)
    if tab is None:
        if params:
            notices.append(f"Ignored {', '.join(sorted(params))}: add tab=<id> to say which tab they are for "
                           f"({', '.join(links)}).")
        return None, {}, notices
    link = links.get(tab)
    if link is None:
        notices.append(f"There is no tab {tab[:40]!r}: tab= takes one of {', '.join(links)}.")
        return None, {}, notices
    values: dict[str, Any] = {}
    for name, raw in params.items():
        if name not in link.inputs:
            notices.append(f"Ignored {name[:40]!r}: the {tab} tab takes {', '.join(link.inputs)}.")
            continue
        try:
            values[name] = coerce(link.inputs[name], raw, name)
        except DemoError as e:
            notices.append(f"Ignored {name}: {e} Kept the default.")
    return link, values, notices


def notice_md(notices: list[str]) -> str:
    return "⚠️ **This link had parts the app ignored.**\n" + "\n".join(f"- {escape(n)}" for n in notices)


# --- wiring -------------------------------------------------------------------------------------------------


def notice() -> gr.Markdown:
    """The notice at the top of the page (create it where it should appear; hidden until a link needs it)."""
    return gr.Markdown(visible=False, elem_id="tc-link-notice", elem_classes=["tc-warning"])


def _tab_path(component: Any) -> list[tuple[gr.Tabs, Any]]:
    path, block = [], component
    while block is not None:
        parent = getattr(block, "parent", None)
        if isinstance(block, gr.Tab) and isinstance(parent, gr.Tabs):
            if block.id is None:
                raise RuntimeError(f"give the tab {block.label!r} an id= so that a link can select it")
            path.append((parent, block.id))
        block = parent
    return path[::-1]


def collect(demo: gr.Blocks) -> dict[str, Link]:
    """Every registered link of ``demo``, with its tab path and the events chained after it."""
    links: dict[str, Link] = {}
    fns = demo.fns
    for index, block_fn in fns.items():
        link_id = getattr(block_fn, "link", None)
        if link_id is None:
            continue
        if link_id in links:
            raise RuntimeError(f"two events registered the link id {link_id!r}")
        names = list(inspect.signature(block_fn.fn).parameters)
        follow = [f for f in fns.values() if f.trigger_after == index and not f.trigger_only_on_failure and f.fn]
        links[link_id] = Link(link_id, block_fn.fn, dict(zip(names, block_fn.inputs)), list(block_fn.outputs),
                              index, _tab_path(block_fn.inputs[0]), follow)
    return links


def _value(component: Any) -> Any:
    """What a click would send for ``component`` right after the page loaded: its preprocessed default."""
    try:
        return component.preprocess(component.value)
    except Exception:  # noqa: BLE001 - a component whose default does not preprocess: send it as it is
        return component.value


def _run(fn: Callable, args: list) -> Iterator[Any]:
    """The handler's outputs as it produces them (each partial one of a stream, or the one result)."""
    if inspect.isgeneratorfunction(fn):
        yield from fn(*args)
    else:
        yield fn(*args)


def wire(demo: gr.Blocks, notice_box: gr.Markdown) -> None:
    """Examples run on click, and the page-load handler that follows a link. Call inside ``with demo:``."""
    links = collect(demo)
    for link in links.values():
        _wire_examples(demo, link)
    tabs = list(dict.fromkeys(t for link in links.values() for t, _ in link.tabs))
    outputs = list(dict.fromkeys(
        [*tabs, notice_box]
        + [c for link in links.values() for c in [*link.inputs.values(), *link.outputs]]
        + [c for link in links.values() for f in link.follow for c in f.outputs]
    ))
    position = {id(c): i for i, c in enumerate(outputs)}

    def frame(updates: dict[int, Any]) -> list:
        out = [gr.skip()] * len(outputs)
        for key, value in updates.items():
            out[position[key]] = value
        return out

    def follow_link(request: gr.Request):
        query = dict(request.query_params) if request is not None else {}
        if not set(query) - set(PASS_THROUGH):
            yield frame({})  # no link: nothing to do
            return
        link, values, notices = parse(query, links)
        first = {id(t): gr.Tabs(selected=tab_id) for t, tab_id in (link.tabs if link else [])}
        first[id(notice_box)] = gr.Markdown(notice_md(notices), visible=True) if notices else gr.skip()
        first.update({id(link.inputs[n]): v for n, v in values.items()} if link else {})
        yield frame(first)
        if link is None:
            return
        current = {id(c): _value(c) for c in [*link.inputs.values(), *link.outputs]}
        current.update({id(link.inputs[n]): v for n, v in values.items()})
        result: Any = None
        for result in _run(link.fn, [current[id(c)] for c in link.inputs.values()]):
            yield frame(_by_component(link.outputs, result))
        current.update({k: _plain(v, current.get(k)) for k, v in _by_component(link.outputs, result).items()})
        for after in link.follow:  # the events a click chains after the main one (round trip, model panel, ...)
            args = [current.get(id(c), _value(c)) for c in after.inputs]
            for partial in _run(after.fn, args):
                yield frame(_by_component(after.outputs, partial))

    follow_link.lane = None  # its own queue: a page load never waits behind someone's generation
    demo.load(follow_link, None, outputs, api_visibility="private", show_progress="minimal")


def _plain(value: Any, before: Any) -> Any:
    """An output as the next event's input: an update (``gr.Slider(value=3, …)``, ``gr.skip()``) → its value."""
    if isinstance(value, gr.blocks.Block):
        return value.constructor_args.get("value", before)
    if isinstance(value, dict) and value.get("__type__") == "update":
        return value.get("value", before)
    return value


def _by_component(outputs: list, result: Any) -> dict[int, Any]:
    values = result if isinstance(result, (tuple, list)) and len(outputs) > 1 else [result]
    return {id(c): v for c, v in zip(outputs, values)}


def _wire_examples(demo: gr.Blocks, link: Link) -> None:
    """Clicking an example runs what the button runs: the same handler, then the same chained events."""
    block_fn = demo.fns[link.index]
    examples = getattr(block_fn, "link_examples", None)
    if examples is None:
        return
    event = examples.load_input_event
    prepare = getattr(block_fn, "link_prepare", None)
    if prepare is not None:
        event = event.then(prepare.fn, prepare.inputs, prepare.outputs, api_visibility="private")
    event = event.then(link.fn, list(link.inputs.values()), link.outputs, api_visibility="private")
    for after in link.follow:
        chain = event.success if after.trigger_only_on_success else event.then
        chain(after.fn, after.inputs, after.outputs, api_visibility="private", show_progress="hidden")


def link_query(link_id: str, **values: Any) -> str:
    """``?tab=…&…`` for a link (README examples, tests)."""
    return "?" + urlencode({TAB: link_id, **{k: str(v) for k, v in values.items()}})
