"""A small, deterministic YAML emitter for the generator's documents (block style, stable)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from pathways.tools.world import Json

# --------------------------------------------------------------------------- YAML emitter

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9._+/()' -]*[A-Za-z0-9.+)]$|^[A-Za-z]$")
# Words YAML 1.1 would read as booleans or null.
_RESERVED = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"])


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    if text.isascii() and text.isprintable():
        return json.dumps(text)  # escapes only the quote and the backslash here
    return _quote(text)


def _quote(text: str) -> str:
    # A YAML double-quoted scalar with every character outside printable ASCII escaped,
    # including those YAML treats as line breaks (U+0085, U+2028) and astral ones (\U).
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _inline(value: Any) -> str | None:
    """The flow form when it is short and shallow, as a registrar would write it; else None."""
    if _is_scalar(value):
        return _scalar(value)
    if _depth(value) > 3:
        return None
    text = _flow(value)
    return text if len(text) <= 88 else None


def _block(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            flow = _inline(item)
            if flow is not None:
                lines.append(f"{pad}{_scalar(key)}: {flow}")
            else:
                lines.append(f"{pad}{_scalar(key)}:")
                _block(item, indent + 2, lines)
        return
    for item in value:
        flow = _inline(item)
        if flow is not None:
            lines.append(f"{pad}- {flow}")
            continue
        start = len(lines)
        _block(item, indent + 2, lines)
        lines[start] = f"{pad}- {lines[start][indent + 2 :]}"


def to_yaml(document: Json, header: str = "") -> str:
    """Render ``document`` (dicts, lists, str, int, float, bool, date) as block-style YAML.

    Short leaves are written in flow style (``{has: x}``, ``[a, b]``); strings that YAML could
    read as something else are double-quoted. The result parses back to ``document`` with
    any YAML 1.1 or 1.2 loader (dates become dates).

    >>> tree = {"all": [{"has": "cc.eng-1010"}, {"any": ["cc.math-1100", "cc.math-1200"]},
    ...                 {"label": "Electives", "credits": 6, "from": {"subject": "ITNT"}}]}
    >>> print(to_yaml({"requires": tree, "note": "on"}), end="")
    requires:
      all:
        - {has: cc.eng-1010}
        - {any: [cc.math-1100, cc.math-1200]}
        - {label: Electives, credits: 6, from: {subject: ITNT}}
    note: "on"
    """
    lines: list[str] = [f"# {line}" for line in header.splitlines()]
    _block(document, 0, lines)
    return "\n".join(lines) + "\n"
