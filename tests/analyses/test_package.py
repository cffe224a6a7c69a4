"""What ``help(evidence.analyses)`` shows a researcher: its example runs on the real data."""

from __future__ import annotations

import textwrap

import evidence.analyses


def test_the_packages_example_runs_on_the_real_data(shared_data):
    doc = evidence.analyses.__doc__ or ""
    lines = doc.split("In a notebook::", 1)[1].splitlines()[2:]  # the indented block after the blank line
    block = []
    for line in lines:
        if line.strip() and not line.startswith("    "):
            break
        block.append(line)
    code = textwrap.dedent("\n".join(block))
    assert "load(" in code and "Selection(" in code
    path = shared_data / "unodc" / "data_glotip_2023-05-30.xlsx"
    namespace: dict[str, object] = {}
    exec(code.replace('"data_glotip.xlsx"', repr(str(path))), namespace)  # noqa: S102 - the package's own example
    assert namespace["thailand"].country == "THA"  # type: ignore[attr-defined]
    assert "Results are raw" in doc  # and it says so before anyone displays them
