"""Counting the calls of a module's functions (for tests that something is made once, not again)."""

from __future__ import annotations

from typing import Any

import pytest


def count_calls(monkeypatch: pytest.MonkeyPatch, *functions: tuple[Any, str]) -> dict[str, int]:
    """From now on in the test, how often each ``(module, name)``'s function is called, by name: each replaced
    in its module by a wrapper that counts, then calls it."""
    counted = dict.fromkeys((name for _, name in functions), 0)

    def counting(module: Any, name: str) -> None:
        made = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counted[name] += 1
            return made(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    for module, name in functions:
        counting(module, name)
    return counted
