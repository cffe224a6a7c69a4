"""Small notebooks written for tests: a parameters cell, then code cells."""

from __future__ import annotations

import json
from pathlib import Path

#: The kernel spec a notebook names for the kernel-lane tests: the environment's own Python kernel.
PYTHON3 = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_notebook(path: Path, parameters: str, *code: str, kernelspec: dict | None = None) -> Path:
    """Write a notebook at ``path``: a cell tagged ``parameters`` holding ``parameters``, then a code cell for
    each of ``code`` (naming ``kernelspec`` in its metadata when given); return ``path``."""
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
    metadata = {} if kernelspec is None else {"kernelspec": kernelspec}
    path.write_text(json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}))
    return path
