"""JSON with a bound on nesting: for REST bodies (config.parsers) and websocket frames alike.

`json.loads` recurses once per level: 5,000 nested arrays raise RecursionError (a 500
in a view, a dead socket in a consumer), and anything deep that does parse costs every
later step that walks it. Platform payloads are a few levels deep, so anything past
JSON_MAX_DEPTH is refused as invalid input before any code sees it.
"""

from __future__ import annotations

import json

from django.conf import settings


class JSONTooDeep(ValueError):
    """Raised for JSON nested deeper than the bound (a ValueError, like json's own errors)."""


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_depth_check(value, *, max_depth: int) -> None:
    """Raise JSONTooDeep if `value` nests lists/dicts deeper than max_depth (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def json_loads_bounded(data: str | bytes | bytearray, *, max_depth: int | None = None):
    """Parse strict JSON (no NaN/Infinity) nested at most `max_depth` levels (JSON_MAX_DEPTH).

    Raises ValueError (json.JSONDecodeError or JSONTooDeep) for anything else.
    """
    max_depth = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    try:
        value = json.loads(data, parse_constant=_reject_constant)
    except RecursionError:
        raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    json_depth_check(value, max_depth=max_depth)
    return value
