"""evidence: turn counter-trafficking data into research evidence."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    # ``__version__`` is read from the installed metadata on first use: importlib.metadata costs a tenth of a
    # second, which every command (``evidence --help`` too) would otherwise pay at start
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("evidence")
        except PackageNotFoundError:  # running from a source tree without installation
            value = "0.0.0"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module 'evidence' has no attribute {name!r}")
