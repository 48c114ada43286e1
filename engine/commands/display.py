"""Text for the terminal: names from disk are shown with control characters escaped.

A file name may hold ANSI escape sequences, newlines or bidirectional overrides; printed raw they
would recolour the terminal, forge extra output lines or reorder what is shown. `--json` output is
left as it is (JSON escapes control characters itself).
"""

from __future__ import annotations

import json
import unicodedata

import click


def _escape(char: str) -> str:
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """`text` with every control and format character (Unicode Cc, Cf) replaced by an escape."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(_escape(c) if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in value)


def echo_json(data: object) -> None:
    """Print `data` as one line of JSON (what `--json` prints; non-ASCII kept as it is)."""
    click.echo(json.dumps(data, indent=None, ensure_ascii=False))
