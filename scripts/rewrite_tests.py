"""Keep the test modules as pytest rewrites them for its assertions, once, before a run of the suite.

pytest parses every test module and rewrites its asserts when it imports it (~14 CPU-s for this suite's ~250
modules), then keeps the result in the tests' ``__pycache__`` folders (tests/conftest.py lets it, whatever
PYTHONDONTWRITEBYTECODE says). On a clean clone nothing is kept yet, and every process of the first run (the
fast lane's workers and the kernel lane's, all started at once) rewrote the same modules: four times the work.
This does it once, split over the machine's cores, with pytest's own functions, so the files are exactly those
pytest writes and reads (checked by the hash of their source: a module changed since is rewritten by pytest as
before). A module already kept is left alone. Anything unexpected (another pytest whose internals differ) makes
this a no-op: pytest then rewrites the modules itself, as it always did.

Usage: python scripts/rewrite_tests.py [TESTS_FOLDER]
"""

from __future__ import annotations

import importlib.util
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _kept(source: Path, pyc: Path) -> bool:
    """Whether ``pyc`` holds pytest's rewrite of ``source`` as it is now (pytest's own header check)."""
    try:
        header = pyc.read_bytes()[:16]
    except OSError:
        return False
    return (
        len(header) == 16
        and header[:4] == importlib.util.MAGIC_NUMBER
        and header[4:8] == b"\x03\x00\x00\x00"
        and header[8:16] == importlib.util.source_hash(source.read_bytes())[:8]
    )


def _rewrite(paths: list[str]) -> int:
    from _pytest.assertion import rewrite

    state = _State()
    written = 0
    for name in paths:
        source = Path(name)
        pyc = rewrite.get_cache_dir(source) / (source.name[:-3] + rewrite.PYC_TAIL)
        if _kept(source, pyc):
            continue
        source_hash, code = rewrite._rewrite_test(source, None)  # type: ignore[arg-type]
        pyc.parent.mkdir(exist_ok=True)
        written += rewrite._write_pyc(state, code, source_hash, pyc)  # type: ignore[arg-type]
    return written


class _State:
    """What pytest's ``_write_pyc`` asks of its assertion state: a trace function."""

    @staticmethod
    def trace(message: str) -> None:
        pass


def main(folder: Path) -> int:
    try:
        from _pytest.assertion import rewrite

        if (
            rewrite.PYC_TAIL
            != f".{sys.implementation.cache_tag}-pytest-{__import__('pytest').__version__}.pyc"
        ):
            return 0
    except (ImportError, AttributeError):
        return 0
    modules = sorted(
        (p for p in folder.resolve().rglob("*.py") if p.name.startswith("test_") or p.name == "conftest.py"),
        key=lambda p: p.stat().st_size,
        reverse=True,
    )
    workers = max(1, min(len(os.sched_getaffinity(0)), 4))
    shares: list[list[str]] = [[] for _ in range(workers)]
    for i, module in enumerate(modules):  # the largest first, dealt out in turn: shares of like size
        shares[i % workers].append(str(module))
    try:
        with ProcessPoolExecutor(workers) as pool:
            return sum(pool.map(_rewrite, shares))
    except Exception as exc:  # noqa: BLE001 (an optimisation only: pytest rewrites whatever is not kept)
        print(f"note: test modules not rewritten ahead ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 0


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "tests")
