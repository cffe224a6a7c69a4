"""Fixtures of the source tests: a register made from invented monthly exports."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence.sources.loaded import LoadedTable
from evidence.sources.register import import_export, load_key
from evidence.sources.register.synthetic import write_exports


@dataclasses.dataclass(frozen=True)
class RegisterFixture:
    """Six monthly full exports (Jan-Jun 2023) of 300 invented people imported in order."""

    folder: Path
    exports: list[Path]
    mapping: Path
    key_path: Path
    register: Path
    results: list

    def copy(self, target: Path) -> Path:
        """A copy of the register to change in one test."""
        return Path(shutil.copy2(self.register, target / "register.duckdb"))

    def pseudonym(self, case_id: str) -> str:
        return load_key(self.key_path).pseudonym(case_id)


@pytest.fixture(scope="session")
def register_fixture(tmp_path_factory) -> RegisterFixture:
    folder = tmp_path_factory.mktemp("register")
    exports = write_exports(folder / "exports")
    mapping = folder / "exports" / "cases.mapping.yaml"
    key_path = folder / "keys" / "register.key"
    register = folder / "data" / "register.duckdb"
    results = [import_export(register, export, mapping, key_path=key_path) for export in exports]
    return RegisterFixture(folder, exports, mapping, key_path, register, results)


@pytest.fixture(scope="session")
def real_loaded(shared_data: Path) -> Callable[[str], LoadedTable]:
    """``registry.load`` of a file of the shared data folder (``"unodc/data_glotip_2023-05-30.xlsx"``), loaded once
    per test process: the same table, whichever module asks (the loader tests, the declared checks, the metadata
    tests each loaded the real releases again). Only for tests that read the table; a test that changes it makes
    its own (``dataclasses.replace``) or loads the file itself."""
    from evidence.sources import registry

    loaded: dict[str, LoadedTable] = {}

    def load(name: str) -> LoadedTable:
        if name not in loaded:
            loaded[name] = registry.load(shared_data / name)
        return loaded[name]

    return load
