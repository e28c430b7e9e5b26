"""Hostile input over every api_name, table-driven from the app's own API description.

Each call must either work or fail with a clear message (a gr.Error written for people, never
a bare "Error", a traceback, or the generic "the upstream app has raised an exception"), and the
server must answer a normal request right after.
"""

from __future__ import annotations

import math
import time

import pytest
from gradio_client.exceptions import AppError

HOSTILE_TEXT = {
    "empty": "",
    "whitespace": " \t\n  ",
    "100k chars": "Hugging Face " * 7_700,
    "emoji/korean/rtl/zero-width": "🤗 트랜스포머는 재미있다 مرحبا\u200b\u200d\u202e texte",
    "control chars": "a\x00b\x07c\x1b[31m d\x7f",
    "html/js": '<img src=x onerror=alert(1)><script>alert("x")</script>',
}
HOSTILE_MODELS = ["not-a-model", "../../etc/passwd", "/tmp/x"]
HOSTILE_NUMBERS = [-1, 10**9, 1e308, 2.5, "abc", None]
HOSTILE_CHOICES = ["not-a-choice", 7]  # radios, dropdowns that are not model pickers
HOSTILE_FLAGS = ["abc", 3]  # checkboxes

# a neutral value for free-text parameters that have no default in the UI
NEUTRAL = "Hugging Face is a company based in New York City. [MASK] <mask>"

GENERIC = ("has raised an exception", "Traceback", "Something went wrong")


def _endpoints(client) -> dict[str, list[dict]]:
    info = client.view_api(return_format="dict", print_info=False)
    return {name: ep["parameters"] for name, ep in info["named_endpoints"].items() if ep["parameters"]}


def _tiny_choice(param: dict) -> str | None:
    """A tiny test model among a model dropdown's choices (keeps the suite fast)."""
    choices = (param.get("type") or {}).get("enum") or []
    tiny = [c for c in choices if isinstance(c, str) and c.startswith("tiny-")]
    return tiny[0] if tiny else None


def _base_args(params: list[dict]) -> dict:
    args = {}
    for p in params:
        default = p.get("parameter_default")
        if default is None and p["component"] == "Textbox":
            default = NEUTRAL
        if p["component"] == "Dropdown" and _tiny_choice(p):
            default = _tiny_choice(p)
        args[p["parameter_name"]] = default
    return args


def _cases(params: list[dict]):
    for p in params:
        name, component = p["parameter_name"], p["component"]
        picks_models = _tiny_choice(p) is not None or "model" in name or "tokenizer" in name
        if component == "Textbox":
            values = dict(HOSTILE_TEXT)
        elif component in ("Dropdown", "CheckboxGroup") and picks_models:  # model, tokenizer, tokenizers
            values = {v: ([v] if component == "CheckboxGroup" else v) for v in HOSTILE_MODELS}
        elif component in ("Slider", "Number"):
            values = {repr(v): v for v in HOSTILE_NUMBERS}
        elif component in ("Radio", "Dropdown", "CheckboxGroup"):
            values = {repr(v): v for v in HOSTILE_CHOICES}
        elif component == "Checkbox":
            values = {repr(v): v for v in HOSTILE_FLAGS}
        else:
            values = {}
        for label, value in values.items():
            yield f"{name}={label}", name, value


def _check_message(message: str, where: str) -> None:
    assert message and message.strip() not in ("Error", "None"), f"{where}: bare error"
    assert len(message) >= 15, f"{where}: message too short to help: {message!r}"
    for generic in GENERIC:
        assert generic not in message, f"{where}: unhelpful message {message[:300]!r}"


def test_every_endpoint_survives_hostile_input(client):
    endpoints = _endpoints(client)
    assert len(endpoints) >= 5
    failures: list[str] = []
    slow: list[tuple[float, str]] = []
    tried = 0
    for api_name, params in endpoints.items():
        base = _base_args(params)
        for label, name, value in _cases(params):
            tried += 1
            args = dict(base, **{name: value})
            t0 = time.perf_counter()
            try:
                client.predict(**args, api_name=api_name)
            except AppError as e:
                try:
                    _check_message(str(e), f"{api_name} {label}")
                except AssertionError as bad:
                    failures.append(str(bad))
            except Exception as e:  # noqa: BLE001 - anything else is a failure of the app's contract
                failures.append(f"{api_name} {label}: {type(e).__name__}: {str(e)[:200]}")
            slow.append((time.perf_counter() - t0, f"{api_name} {label}"))
        try:  # the server answers a normal request right after this endpoint's hostile cases
            client.predict(api_name="/models")
        except Exception as e:  # noqa: BLE001
            failures.append(f"after {api_name}'s cases, a normal request failed: {type(e).__name__}: {e}")
    print(f"{tried} cases; slowest:", sorted(slow, reverse=True)[:8], "total", round(sum(t for t, _ in slow)))
    assert tried > 300
    assert not failures, "\n".join(failures[:40])
    # and the server still answers a normal request
    _text, raw = client.predict("tiny-bert", api_name="/load_model")
    assert raw["class"]


def test_nan_and_infinity_are_refused_by_the_shared_checks():
    from demo.errors import BadInput
    from demo.inputs import require_float, require_int

    for bad in [math.nan, math.inf, "1e999", None, "x"]:
        with pytest.raises(BadInput, match="between"):
            require_float(bad, "temperature", 0.0, 2.0)
    with pytest.raises(BadInput, match="whole number between 1 and 8"):
        require_int(2.5, "num_beams", 1, 8)
    assert require_int(4.0, "num_beams", 1, 8) == 4
