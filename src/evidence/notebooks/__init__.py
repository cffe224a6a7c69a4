"""Layer 4, notebooks: locating the packaged notebooks, reading their declared parameters, and the calls a
notebook makes to take part in a run (data to load, output folder, provenance record)."""

from evidence.notebooks.catalog import (
    NotebookSpec,
    Parameter,
    ParamType,
    find_notebook,
    packaged_notebooks,
    read_notebook,
)

# the run-time calls load on first use (PEP 562): reading a notebook's parameters, as the CLI does before it
# starts a kernel, then imports no table library
_RUNTIME = frozenset(
    {
        "data_files",
        "load_data",
        "one_data_file",
        "output_dir",
        "read_provenance",
        "record_provenance",
        "run_dir",
        "synthetic_notice",
    }
)


#: What a researcher needs to show a table of their own, protected as the notebooks protect theirs (loaded on
#: first use too): ``show_table(protect(trends.yearly_counts(selection), "year", "count", DisclosureRule()))``.
_SHOWING = {
    "DisclosureRule": "evidence.presentation.disclosure",
    "protect": "evidence.notebooks.builders",
    "show_table": "evidence.notebooks.views",
}


def __getattr__(name: str) -> object:
    if name in _RUNTIME:
        from evidence.notebooks import runtime

        return getattr(runtime, name)
    if name in _SHOWING:
        from importlib import import_module

        return getattr(import_module(_SHOWING[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DisclosureRule",
    "NotebookSpec",
    "ParamType",
    "Parameter",
    "data_files",
    "find_notebook",
    "load_data",
    "one_data_file",
    "output_dir",
    "packaged_notebooks",
    "protect",
    "read_notebook",
    "read_provenance",
    "record_provenance",
    "run_dir",
    "show_table",
    "synthetic_notice",
]


def __dir__() -> list[str]:
    from types import ModuleType

    return sorted({*__all__, *(k for k, v in globals().items() if isinstance(v, ModuleType))})
