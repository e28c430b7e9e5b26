"""Checks on user input shared by every endpoint: the messages say what to do."""

from __future__ import annotations

import math

from demo.errors import BadInput

MAX_CHARS = 20_000  # longer texts are refused with a message (a model sees at most a few pages)


def require_text(text: object, field: str = "text", max_chars: int = MAX_CHARS) -> str:
    """The text itself, or BadInput when it is missing, blank, not text, or too long."""
    if text is None:
        raise BadInput(f"The {field} is empty: type something or click one of the examples.")
    if not isinstance(text, str):
        raise BadInput(f"The {field} must be text, not {type(text).__name__}.")
    if not text.strip():
        raise BadInput(f"The {field} is empty: type something or click one of the examples.")
    if len(text) > max_chars:
        raise BadInput(
            f"The {field} has {len(text):,} characters; the limit is {max_chars:,}. "
            "Paste a shorter passage (a paragraph or two is plenty to see what the model does)."
        )
    return text


def optional_text(text: object, field: str = "text", max_chars: int = MAX_CHARS) -> str | None:
    """Like require_text, but empty means 'not given' (e.g. the second sentence of a pair)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return require_text(text, field, max_chars)


def flag(value: object, field: str) -> bool:
    """``value`` as a bool: True/False, 1/0 and the strings "true"/"false" (any case).

    Never by truthiness: an API call that sends ``"false"`` must mean False, and anything else
    (None, "yes", 2) is refused with a message instead of being read as True.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadInput(f"{field} must be true or false (got {str(value)[:40]!r}).")


def whole_number(value: object, field: str, hint: str = "") -> int:
    """``value`` as an int: ints, integral floats (gradio sliders send floats) and their strings.
    BadInput for anything else, NaN and infinity included; ``hint`` ends the message."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # exact, even beyond 2**53
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not number.is_integer():
        raise BadInput(f"{field} must be a whole number (got {str(value)[:40]!r}){hint}.")
    return int(number)


def require_int(value: object, field: str, lo: int, hi: int) -> int:
    """An integer in [lo, hi], or BadInput naming the allowed range."""
    number = whole_number(value, field, f"; use a whole number between {lo} and {hi}")
    if not lo <= number <= hi:
        raise BadInput(f"{field} must be a whole number between {lo} and {hi} (got {number}).")
    return number


def require_float(value: object, field: str, lo: float, hi: float) -> float:
    """A finite number in [lo, hi], or BadInput naming the allowed range (bools are refused)."""
    if isinstance(value, bool):
        raise BadInput(f"{field} must be a number between {lo} and {hi} (got {value}).")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadInput(f"{field} must be a number between {lo} and {hi}.") from None
    if not lo <= number <= hi or number != number:  # NaN fails the second test
        raise BadInput(f"{field} must be between {lo} and {hi} (got {value}).")
    return number
