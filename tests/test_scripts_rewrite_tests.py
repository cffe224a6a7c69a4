"""scripts/rewrite_tests.py keeps what pytest itself would keep of a test module, and only what is stale."""

from __future__ import annotations

import importlib.util
import marshal
import sys
from pathlib import Path

from _pytest.assertion import rewrite

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "rewrite_tests.py"


def _script():
    spec = importlib.util.spec_from_file_location("rewrite_tests", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["rewrite_tests"] = module  # its workers are handed its function by name
    spec.loader.exec_module(module)
    return module


def _pyc(source: Path) -> Path:
    return rewrite.get_cache_dir(source) / (source.name[:-3] + rewrite.PYC_TAIL)


def test_the_kept_modules_are_what_pytest_reads_and_a_changed_one_is_rewritten(tmp_path):
    folder = tmp_path / "tests"
    (folder / "inner").mkdir(parents=True)
    first = folder / "test_first.py"
    first.write_text("def test_a():\n    x = 1\n    assert x + 1 == 3, 'message'\n")
    inner = folder / "inner" / "test_inner.py"
    inner.write_text("def test_b():\n    assert [1] == [2]\n")
    helper = folder / "_helper.py"  # not a test module: pytest does not rewrite it, nor does the script
    helper.write_text("X = 1\n")
    (folder / "conftest.py").write_text("import pytest\n")

    script = _script()
    assert script.main(folder) == 3
    assert not _pyc(helper).exists()
    for source in (first, inner, folder / "conftest.py"):
        code = rewrite._read_pyc(source, _pyc(source))  # as pytest reads it before importing the module
        assert code is not None
        _, expected = rewrite._rewrite_test(source, None)  # type: ignore[arg-type]
        assert code == expected and code.co_filename == str(source)
    # the rewritten assert explains itself, as pytest's own rewrite does
    namespace: dict[str, object] = {}
    exec(rewrite._read_pyc(first, _pyc(first)), namespace)  # type: ignore[arg-type]  # noqa: S102
    try:
        namespace["test_a"]()  # type: ignore[operator]
    except AssertionError as exc:
        assert "assert (1 + 1) == 3" in str(exc) and "message" in str(exc)
    else:
        raise AssertionError("the rewritten test passed")

    assert script.main(folder) == 0  # all kept: nothing written again
    first.write_text(first.read_text() + "\n\ndef test_c():\n    assert True\n")
    assert script.main(folder) == 1  # the changed module only
    assert marshal.loads(_pyc(first).read_bytes()[16:]) == rewrite._rewrite_test(first, None)[1]  # type: ignore[arg-type]


def test_another_pytest_makes_it_a_no_op(tmp_path, monkeypatch):
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert 1\n")
    monkeypatch.setattr(rewrite, "PYC_TAIL", f".{sys.implementation.cache_tag}-pytest-0.0.pyc")
    assert _script().main(tmp_path) == 0
    assert not (tmp_path / "__pycache__").exists()
