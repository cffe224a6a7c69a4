"""Small notebooks written for tests: a parameters cell, then code cells."""

from __future__ import annotations

import json
from pathlib import Path


def write_notebook(path: Path, parameters: str, *code: str) -> Path:
    """Write a notebook at ``path``: a cell tagged ``parameters`` holding ``parameters``, then a code cell for
    each of ``code``; return ``path``."""
    sources = [parameters, *code]
    cells = [
        {
            "cell_type": "code",
            "id": f"c{i}",
            "metadata": {"tags": ["parameters"]} if i == 0 else {},
            "outputs": [],
            "execution_count": None,
            "source": source,
        }
        for i, source in enumerate(sources)
    ]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path
