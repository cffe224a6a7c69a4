"""Searching a text for a few thousand values at once (the register's tests: no identifying value in any file)."""

from __future__ import annotations

import polars as pl


def held_in(text: str, values: list[str]) -> list[str]:
    """The values found in ``text``: ``[v for v in values if v in text]``, the text searched for all of them at once
    (polars' Aho-Corasick, exact substrings) rather than once for each of a few thousand values. A value is a
    substring of a text exactly when its UTF-8 is one of the text's UTF-8, so the two say the same
    (tests/sources/test_register_store.py checks it against a search for each)."""
    if not values or not pl.Series([text]).str.contains_any(values).item():
        return []
    return [v for v in values if v in text]


def held_in_bytes(data: bytes, values: list[str]) -> list[str]:
    """The values whose UTF-8 is in ``data``: ``[v for v in values if v.encode() in data]``, all searched for at
    once. Both read one character a byte (latin-1, which gives every byte a character of its own and back), so
    a value's UTF-8 is in the bytes exactly when its latin-1 reading is in theirs."""
    searched = {v.encode("utf-8").decode("latin-1"): v for v in values}
    return [searched[s] for s in held_in(data.decode("latin-1"), list(searched))]
