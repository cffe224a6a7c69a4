"""Which tests start a Jupyter kernel without saying so (used by tests/conftest.py to mark them ``kernel``)."""

from __future__ import annotations

import inspect
import linecache
from collections.abc import Sequence


class KernelCalls:
    """Whether a test function's source makes one of ``calls`` (e.g. ``"run_notebook("``), each function read
    once (a parametrised test's cases share it).

    A function's source is part of its file's: a file that names none of the calls holds no function that makes
    one, and its functions' sources are never read. ``inspect.getsource`` tokenises a function to find where it
    ends; reading every test function's source took two thirds of a second in each of the lanes' four
    workers, for the ~15 files of the ~150 that name a call. A file that cannot be read is searched function by
    function, as before."""

    def __init__(self, calls: Sequence[str]) -> None:
        self.calls = tuple(calls)
        self._files: dict[str, bool] = {}
        self._functions: dict[object, bool] = {}

    def _file_names_a_call(self, function: object) -> bool:
        try:
            file = inspect.getsourcefile(function) or ""  # type: ignore[arg-type]
        except TypeError:
            file = ""
        if file not in self._files:
            text = "".join(linecache.getlines(file)) if file else ""
            self._files[file] = not text or self._names_a_call(text)
        return self._files[file]

    def _names_a_call(self, text: str) -> bool:
        return any(call in text for call in self.calls)

    def __call__(self, function: object) -> bool:
        if function not in self._functions:
            source = ""
            if self._file_names_a_call(function):
                try:
                    source = inspect.getsource(function)  # type: ignore[arg-type]
                except (OSError, TypeError):
                    source = ""
            self._functions[function] = self._names_a_call(source)
        return self._functions[function]
