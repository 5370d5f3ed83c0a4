"""JSON parsing for documents served by strangers.

The standard parser accepts things a verifier must not: `NaN` and `Infinity`, numbers that overflow to
infinity, duplicate keys (where the last one silently wins, so two readers can disagree about a document),
and nesting deep enough to exhaust the interpreter's recursion limit. `parse_json` refuses all of them with
a `JsonError` whose `reason` is a short stable code.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENERS = frozenset(b"[{")


class JsonError(ValueError):
    """The document is not JSON that credcord accepts; `reason` says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_json(data: bytes | str, *, max_bytes: int = 1 << 20, max_depth: int = 64) -> Any:
    """Parse UTF-8 JSON, refusing oversized, over-deep, non-finite and duplicate-key documents.

    Reasons: ``json_too_large``, ``json_too_deep``, ``non_finite_number``, ``duplicate_key``,
    ``malformed_json``.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise JsonError("json_too_large", f"JSON document is larger than {max_bytes} bytes")
    # Measured before parsing: the standard parser recurses per level and would build the structure first.
    if _nesting_depth(raw) > max_depth:
        raise JsonError("json_too_deep", f"JSON nesting is deeper than {max_depth} levels")
    try:
        text = raw.decode("utf-8-sig")
        return json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except JsonError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JsonError("malformed_json", f"malformed JSON: {exc}") from None


def _nesting_depth(raw: bytes) -> int:
    depth = deepest = 0
    for match in _STRUCTURE.finditer(raw):
        token = match.group()
        if len(token) != 1:
            continue  # a string, whose brackets are text
        if token[0] in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JsonError("duplicate_key", f"duplicate key {key[:100]!r} in a JSON object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise JsonError("non_finite_number", f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonError("non_finite_number", f"{text[:40]} overflows a double")
    return value
