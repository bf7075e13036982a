"""One-line error messages: the key, the value, what is wrong and what is allowed."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

RENAMED = {"model": "simulation"}
"""Keys renamed in a release: an old scenario file is told the new name."""


def unknown_key_message(raw: Mapping[str, Any], parts: list[str]) -> str:
    """The error for an unknown dotted key, with the keys allowed there and the closest one."""
    node: Any = raw
    for part in parts[:-1]:
        node = node[part]
    choices = sorted(node) if isinstance(node, Mapping) else []
    where = ".".join(parts[:-1]) or "the top level"
    hint = [RENAMED[parts[-1]]] if parts[-1] in RENAMED else []
    hint = hint or difflib.get_close_matches(parts[-1], choices, n=1)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    return f"unknown key '{'.'.join(parts)}' (keys in {where}: {', '.join(choices)}){suggestion}"


def describe(exc: ValidationError, raw: Mapping[str, Any]) -> str:
    """The first validation error as one line: key, value, what is wrong, what is allowed."""
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    key = ".".join(loc)
    if error["type"] == "extra_forbidden":
        return unknown_key_message(raw, loc)
    if error["type"] == "missing":
        return f"missing key '{key}'"
    value = error.get("input")
    allowed = _allowed(loc)
    message = error["msg"].removeprefix("Value error, ")
    # A check across a whole section (a model validator) is about the section, not one value:
    # it is named unless the message names it already (a section used in several places, the
    # sector shares, cannot know its own key).
    across = error["type"] == "value_error" and isinstance(value, Mapping)
    if across:
        where = f"{key}: " if key and key not in message else ""
    else:
        where = f"{key} = {shown(value)}: " if key else ""
    return f"{where}{message}" + (f" (allowed: {allowed})" if allowed else "")


def shown(value: Any, limit: int = 80) -> str:
    """A value as the user wrote it (JSON where possible), cut to ``limit`` characters."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _allowed(loc: list[str]) -> str:
    """Describe the allowed values of the field at ``loc`` from its schema constraints."""
    from declineabm.scenario import Scenario

    model: Any = Scenario
    field = None
    for part in loc:
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return ""
        field = fields[part]
        model = field.annotation
    if field is None:
        return ""
    bounds = {}
    for meta in field.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if getattr(meta, name, None) is not None:
                bounds[name] = getattr(meta, name)
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    return " and ".join(f"{words[name]} {value}" for name, value in bounds.items())
