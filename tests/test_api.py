"""What a researcher reaches from the packages themselves: one obvious ``load(path)``, the ``Selection``, how to
protect and show a table; each package's ``__all__`` true, and none of it imported before it is used."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import evidence

PACKAGES = (
    "evidence",
    "evidence.sources",
    "evidence.analyses",
    "evidence.presentation",
    "evidence.notebooks",
)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_name_a_package_exports_is_there_and_dir_shows_them(package):
    module = importlib.import_module(package)
    assert module.__all__, f"{package} exports nothing"
    for name in module.__all__:
        assert getattr(module, name) is not None
    assert set(module.__all__) <= set(dir(module))
    assert "annotations" not in dir(module) and "TYPE_CHECKING" not in dir(module)


def test_the_session_starts_from_the_packages():
    """The researcher session: there was no ``evidence.sources.load`` (it was in ``sources.registry``), no
    ``evidence.analyses.Selection``, and ``protect``/``show_table`` were in two modules of the notebooks."""
    from evidence.analyses import Selection
    from evidence.analyses.selection import Selection as Defined
    from evidence.notebooks import DisclosureRule, protect, show_table
    from evidence.notebooks.builders import protect as protect_defined
    from evidence.notebooks.views import show_table as show_defined
    from evidence.presentation.disclosure import DisclosureRule as RuleDefined
    from evidence.sources import LoadedTable, load
    from evidence.sources.registry import load as load_defined

    assert evidence.load is load is load_defined and evidence.Selection is Selection is Defined
    assert (protect, show_table, DisclosureRule) == (protect_defined, show_defined, RuleDefined)
    assert LoadedTable.__name__ == "LoadedTable"
    with pytest.raises(AttributeError, match="no attribute 'lode'"):
        evidence.sources.lode  # type: ignore[attr-defined]  # noqa: B018


def test_importing_the_packages_imports_no_table_library():
    """The command line's start must not pay for polars: the exports load on first use."""
    code = (
        "import sys, evidence, evidence.sources, evidence.analyses, evidence.presentation, evidence.notebooks; "
        "print('polars' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
